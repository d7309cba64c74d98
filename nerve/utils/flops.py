"""Multiply-accumulate counts: what one forward pass of one example costs, layer by layer.

Convention (the one ``summary(show_flops=True)`` prints): a layer with weights costs one
multiply-accumulate (MAC) per weight use, and a bias counts as one more per output value.
A convolution producing an H_out x W_out x C_out map from C_in channels with a K_h x K_w
kernel (``groups`` g) costs

    MACs = H_out · W_out · C_out · (K_h · K_w · C_in / g + 1)          (the "+ 1": the bias)

so a 3x3x3 convolution with 64 filters, stride 2, on a 256x256x3 image costs
128 · 128 · (27 + 1) · 64 = 29,360,128, and a 5x5 convolution from 64 to 128 channels,
stride 2, on that 128x128x64 output costs 64 · 64 · (1600 + 1) · 128 = 839,385,088.
Dense: units · (inputs + 1) per position. Layers without weights (activations, pooling,
batch norm, adds, reshapes) count 0: they cost O(activations), not O(weights x positions).
FLOPs are about 2 x MACs (a multiply and an add each). ``include_bias=False`` leaves the +1 out.
"""

import math

from .. import layers as L


def layer_macs(model, include_bias=True):
    """``[(layer, macs), ...]``: each layer of ``model`` (nested models expanded into their
    layers) with its multiply-accumulates for one example, summed over the layer's calls."""
    result = []
    for layer, nodes in _layer_calls(model):
        if _is_model(layer):
            result += layer_macs(layer, include_bias)
            continue
        macs = 0
        for node in nodes:
            in_shape = tuple(node.input_tensors[0].shape) if node.input_tensors else ()
            out_shape = tuple(node.output_tensors[0].shape) if node.output_tensors else ()
            macs += _macs(layer, in_shape, out_shape, include_bias)
        result.append((layer, macs))
    return result


def count_macs(model, include_bias=True):
    """The multiply-accumulates of one forward pass of one example through ``model``
    (see the module docstring for the convention; ``include_bias`` counts the +1 per output).

    Example:
        >>> x = nerve.layers.Input((256, 256, 3))
        >>> m = nerve.Model(x, nerve.layers.Conv2D(64, 3, strides=2, padding="same")(x))
        >>> count_macs(m)
        29360128
    """
    return sum(macs for _, macs in layer_macs(model, include_bias))


def _macs(layer, in_shape, out_shape, include_bias):
    bias = 1 if include_bias and getattr(layer, "use_bias", False) else 0
    if isinstance(layer, L.BaseSeparableConv):
        c_in = _known(in_shape[-1], layer)
        depthwise = _positions(out_shape, layer) * c_in * layer.depth_multiplier * math.prod(layer.kernel_size)
        return depthwise + _positions(out_shape, layer) * layer.filters * (c_in * layer.depth_multiplier + bias)
    if isinstance(layer, L.BaseDepthwiseConv):
        per_output = math.prod(layer.kernel_size) + bias
        return _positions(out_shape, layer) * _known(out_shape[-1], layer) * per_output
    if isinstance(layer, L.BaseConvTranspose):
        # every input value is multiplied by the whole kernel slice into the outputs
        c_in = _known(in_shape[-1], layer)
        scatter = _positions(in_shape, layer) * c_in * math.prod(layer.kernel_size) * layer.filters
        return scatter + bias * _positions(out_shape, layer) * layer.filters
    if isinstance(layer, L.BaseConv):
        groups = getattr(layer, "groups", 1)
        per_output = math.prod(layer.kernel_size) * _known(in_shape[-1], layer) // groups + bias
        return _positions(out_shape, layer) * layer.filters * per_output
    if isinstance(layer, L.Dense):
        return _positions(out_shape, layer) * layer.units * (_known(in_shape[-1], layer) + bias)
    return 0


def _positions(shape, layer):
    """Spatial positions per example: the product of the axes between batch and channels."""
    sides = shape[1:-1]
    if any(n is None for n in sides):
        raise ValueError(f"count_macs: layer '{layer.name}' has an unknown spatial size {tuple(shape)}; "
                         "build the model on a fixed input_shape to count its multiply-accumulates")
    return math.prod(sides)


def _known(channels, layer):
    if channels is None:
        raise ValueError(f"count_macs: layer '{layer.name}' has an unknown channel count")
    return channels


def _is_model(layer):
    from ..models import Model
    return isinstance(layer, Model)


def _layer_calls(model):
    """Each layer of ``model`` with the calls (nodes) it makes inside this model's graph."""
    relevant = getattr(model, "_node_ids", None)
    if not model.layers:
        return []
    calls = []
    for layer in model.layers:
        if relevant is not None:
            nodes = [n for n in layer.inbound_nodes if id(n) in relevant]
        else:                                   # a Sequential: the latest call of each layer
            nodes = layer.inbound_nodes[-1:]
        if not nodes and not _is_model(layer):
            raise ValueError(f"count_macs: model '{model.name}' is not built (layer '{layer.name}' was never "
                             "called): give it an Input or call it on data first")
        calls.append((layer, nodes))
    return calls

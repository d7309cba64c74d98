"""Each exportable layer as ONNX operators.

nerve is channels_last (N, H, W, C); ONNX's Conv and pooling are channels_first (N, C, H, W).
Tensors stay channels_last between layers, so Flatten, Dense and Concatenate(axis=-1) mean what
they mean in nerve; a convolution or pooling is wrapped in Transpose(0,3,1,2) ... Transpose(0,2,3,1)
(onnxruntime's optimizer removes the pairs that meet). Kernels are rearranged once, here:
Conv2D (kh, kw, in, out) -> (out, in, kh, kw); DepthwiseConv2D (kh, kw, C, m) -> (C·m, 1, kh, kw)
with group = C; Conv2DTranspose (kh, kw, out, in) -> (in, out, kh, kw).
"""

import math

import numpy

TO_NCHW = (0, 3, 1, 2)
TO_NHWC = (0, 2, 3, 1)


class OnnxExportError(ValueError):
    """A model or layer that the ONNX exporter cannot write; the message names it."""


# ---- activations ----------------------------------------------------------------------------
def _gelu(b, x):
    scaled = b.node("Div", [x, b.constant(numpy.float32(math.sqrt(2.0)))])
    one_plus = b.node("Add", [b.node("Erf", [scaled]), b.constant(numpy.float32(1.0))])
    return b.node("Mul", [b.node("Mul", [x, one_plus]), b.constant(numpy.float32(0.5))])


ACTIVATIONS = {
    "linear": lambda b, x: x,
    "relu": lambda b, x: b.node("Relu", [x]),
    "sigmoid": lambda b, x: b.node("Sigmoid", [x]),
    "tanh": lambda b, x: b.node("Tanh", [x]),
    "softmax": lambda b, x: b.node("Softmax", [x], axis=-1),
    "log_softmax": lambda b, x: b.node("LogSoftmax", [x], axis=-1),
    "elu": lambda b, x: b.node("Elu", [x], alpha=1.0),
    "selu": lambda b, x: b.node("Selu", [x]),
    "softplus": lambda b, x: b.node("Softplus", [x]),
    "softsign": lambda b, x: b.node("Softsign", [x]),
    "exponential": lambda b, x: b.node("Exp", [x]),
    "silu": lambda b, x: b.node("Mul", [x, b.node("Sigmoid", [x])]),
    "swish": lambda b, x: b.node("Mul", [x, b.node("Sigmoid", [x])]),
    "relu6": lambda b, x: b.node("Clip", [x, b.constant(numpy.float32(0)), b.constant(numpy.float32(6))]),
    "leaky_relu": lambda b, x: b.node("LeakyRelu", [x], alpha=0.2),
    "hard_sigmoid": lambda b, x: b.node("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5),
    "gelu": _gelu,
}


def activation(b, layer, name, x):
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name](b, x)
    raise OnnxExportError(f"export.onnx: layer '{layer.name}' uses activation {name!r}, which has no ONNX "
                          f"export; exportable activations: {sorted(ACTIVATIONS)}")


# ---- core -------------------------------------------------------------------------------------
def dense(b, layer, inputs, node):
    config, weights = layer.get_config(), layer.get_weights()
    y = b.node("MatMul", [inputs[0], b.constant(weights[0], layer.name + "_kernel")])
    if config.get("use_bias", True):
        y = b.node("Add", [y, b.constant(weights[1], layer.name + "_bias")])
    return activation(b, layer, config.get("activation", "linear"), y)


def activation_layer(b, layer, inputs, node):
    return activation(b, layer, layer.get_config()["activation"], inputs[0])


def relu_layer(b, layer, inputs, node):
    config = layer.get_config()
    if config.get("threshold", 0.0) or config.get("negative_slope", 0.0):
        raise OnnxExportError(f"export.onnx: ReLU '{layer.name}' with a threshold or negative_slope has no export")
    y = b.node("Relu", [inputs[0]])
    if config.get("max_value") is not None:
        y = b.node("Clip", [y, b.constant(numpy.float32(0)), b.constant(numpy.float32(config["max_value"]))])
    return y


def leaky_relu_layer(b, layer, inputs, node):
    return b.node("LeakyRelu", [inputs[0]], alpha=float(layer.get_config()["negative_slope"]))


def elu_layer(b, layer, inputs, node):
    return b.node("Elu", [inputs[0]], alpha=float(layer.get_config()["alpha"]))


def softmax_layer(b, layer, inputs, node):
    axis = layer.get_config()["axis"]
    if not isinstance(axis, int):
        raise OnnxExportError(f"export.onnx: Softmax '{layer.name}' over several axes {axis} has no export")
    return b.node("Softmax", [inputs[0]], axis=axis)


def identity(b, layer, inputs, node):
    return b.node("Identity", [inputs[0]])


def rescaling(b, layer, inputs, node):
    config = layer.get_config()
    y = b.node("Mul", [inputs[0], b.constant(numpy.asarray(config["scale"], numpy.float32))])
    return b.node("Add", [y, b.constant(numpy.asarray(config["offset"], numpy.float32))])


def embedding(b, layer, inputs, node):
    ids = b.node("Cast", [inputs[0]], to=7)                 # int64
    return b.node("Gather", [b.constant(layer.get_weights()[0], layer.name + "_embeddings"), ids], axis=0)


# ---- reshaping ------------------------------------------------------------------------------
def flatten(b, layer, inputs, node):
    return b.node("Flatten", [inputs[0]], axis=1)


def reshape(b, layer, inputs, node):
    target = [int(n) for n in layer.get_config()["target_shape"]]
    shape = [-1] + target if -1 not in target else [0] + target
    return b.node("Reshape", [inputs[0], b.constant(numpy.asarray(shape, numpy.int64))])


def zero_padding_2d(b, layer, inputs, node):
    (top, bottom), (left, right) = layer.get_config()["padding"]
    pads = numpy.asarray([0, top, left, 0, 0, bottom, right, 0], numpy.int64)
    return b.node("Pad", [inputs[0], b.constant(pads)], mode="constant")


def shortcut_a(b, layer, inputs, node):
    """ResNet's option-A shortcut: every s-th pixel, channels zero-padded to ``filters``."""
    config = layer.get_config()
    s, channels = int(config["strides"]), node.input_tensors[0].shape[-1]
    x = inputs[0]
    if s > 1:
        big = numpy.iinfo(numpy.int64).max
        x = b.node("Slice", [x, b.constant(numpy.asarray([0, 0], numpy.int64)),
                             b.constant(numpy.asarray([big, big], numpy.int64)),
                             b.constant(numpy.asarray([1, 2], numpy.int64)),
                             b.constant(numpy.asarray([s, s], numpy.int64))])
    pads = numpy.asarray([0, 0, 0, 0, 0, 0, 0, int(config["filters"]) - channels], numpy.int64)
    return b.node("Pad", [x, b.constant(pads)], mode="constant")


# ---- merging ----------------------------------------------------------------------------------
def _fold(op):
    def convert(b, layer, inputs, node):
        y = inputs[0]
        for x in inputs[1:]:
            y = b.node(op, [y, x])
        return y
    return convert


def average(b, layer, inputs, node):
    total = _fold("Add")(b, layer, inputs, node)
    return b.node("Div", [total, b.constant(numpy.float32(len(inputs)))])


def concatenate(b, layer, inputs, node):
    return b.node("Concat", inputs, axis=int(layer.get_config()["axis"]))


# ---- convolution and pooling ------------------------------------------------------------------
def _channels_last_2d(layer):
    config = layer.get_config()
    if config.get("data_format", "channels_last") != "channels_last":
        raise OnnxExportError(f"export.onnx: layer '{layer.name}' is channels_first; only channels_last exports")
    return config


def _padding(config):
    return {"auto_pad": "SAME_UPPER"} if config["padding"] == "same" else {"pads": [0, 0, 0, 0]}


def _nchw_op(b, x, op_type, weights, **attributes):
    """Transpose to NCHW, apply ``op_type`` (with its weight inputs), transpose back to NHWC."""
    y = b.node(op_type, [b.node("Transpose", [x], perm=TO_NCHW)] + weights, **attributes)
    return b.node("Transpose", [y], perm=TO_NHWC)


def _bias_and_activation(b, layer, config, y, bias):
    if bias is not None:
        y = b.node("Add", [y, b.constant(bias, layer.name + "_bias")])
    return activation(b, layer, config.get("activation", "linear"), y)


def conv_2d(b, layer, inputs, node):
    config = _channels_last_2d(layer)
    weights = layer.get_weights()
    groups = int(config.get("groups", 1))
    kernel = numpy.transpose(weights[0], (3, 2, 0, 1))               # (out, in/groups, kh, kw)
    y = _nchw_op(b, inputs[0], "Conv", [b.constant(kernel, layer.name + "_kernel")],
                 kernel_shape=list(config["kernel_size"]), strides=list(config["strides"]),
                 dilations=list(config["dilation_rate"]), group=groups, **_padding(config))
    return _bias_and_activation(b, layer, config, y, weights[1] if config.get("use_bias", True) else None)


def depthwise_conv_2d(b, layer, inputs, node):
    config = _channels_last_2d(layer)
    weights = layer.get_weights()
    kh, kw, channels, multiplier = weights[0].shape
    kernel = numpy.transpose(weights[0], (2, 3, 0, 1)).reshape(channels * multiplier, 1, kh, kw)
    y = _nchw_op(b, inputs[0], "Conv", [b.constant(kernel, layer.name + "_kernel")],
                 kernel_shape=[kh, kw], strides=list(config["strides"]),
                 dilations=list(config["dilation_rate"]), group=channels, **_padding(config))
    return _bias_and_activation(b, layer, config, y, weights[1] if config.get("use_bias", True) else None)


def conv_2d_transpose(b, layer, inputs, node):
    config = _channels_last_2d(layer)
    if config.get("output_padding") is not None or tuple(config["dilation_rate"]) != (1, 1):
        raise OnnxExportError(f"export.onnx: Conv2DTranspose '{layer.name}' with output_padding or dilation "
                              "has no export")
    weights = layer.get_weights()
    kernel = numpy.transpose(weights[0], (3, 2, 0, 1))               # (in, out, kh, kw)
    out_shape = node.output_tensors[0].shape
    attributes = dict(kernel_shape=list(config["kernel_size"]), strides=list(config["strides"]))
    if config["padding"] == "same":
        attributes["output_shape"] = [int(out_shape[1]), int(out_shape[2])]
        attributes["auto_pad"] = "SAME_UPPER"
    y = _nchw_op(b, inputs[0], "ConvTranspose", [b.constant(kernel, layer.name + "_kernel")], **attributes)
    return _bias_and_activation(b, layer, config, y, weights[1] if config.get("use_bias", True) else None)


def _pool(op_type):
    def convert(b, layer, inputs, node):
        config = _channels_last_2d(layer)
        return _nchw_op(b, inputs[0], op_type, [], kernel_shape=list(config["pool_size"]),
                        strides=list(config["strides"]), **_padding(config))
    return convert


def _reduce_attr(op_type):
    """Global pooling as a reduction over the spatial axes (an attribute until opset 18)."""
    def convert(b, layer, inputs, node):
        config = _channels_last_2d(layer)
        axes = list(range(1, len(node.input_tensors[0].shape) - 1))
        return b.node(op_type, [inputs[0]], axes=axes, keepdims=1 if config.get("keepdims", False) else 0)
    return convert


# ---- normalization ----------------------------------------------------------------------------
def batch_normalization(b, layer, inputs, node):
    """Inference: y = γ·(x − μ)/√(σ² + ε) + β folded into one scale and one shift per channel."""
    config = layer.get_config()
    axis = config["axis"]
    rank = len(node.input_tensors[0].shape)
    if (axis if isinstance(axis, int) else axis[0]) % rank != rank - 1:
        raise OnnxExportError(f"export.onnx: BatchNormalization '{layer.name}' over axis {axis} has no export; "
                              "only the last (channels) axis")
    weights = list(layer.get_weights())
    gamma = weights.pop(0) if config["scale"] else None
    beta = weights.pop(0) if config["center"] else None
    mean, variance = weights
    scale = 1.0 / numpy.sqrt(variance.astype(numpy.float64) + config["epsilon"])
    if gamma is not None:
        scale = scale * gamma
    shift = -mean * scale + (beta if beta is not None else 0.0)
    dtype = variance.dtype
    y = b.node("Mul", [inputs[0], b.constant(scale.astype(dtype), layer.name + "_scale")])
    return b.node("Add", [y, b.constant(shift.astype(dtype), layer.name + "_shift")])


def layer_normalization(b, layer, inputs, node):
    config = layer.get_config()
    rank = len(node.input_tensors[0].shape)
    axis = config["axis"]
    if config.get("rms_scaling") or (axis if isinstance(axis, int) else axis[-1]) % rank != rank - 1 or (
            not isinstance(axis, int) and len(axis) != 1):
        raise OnnxExportError(f"export.onnx: LayerNormalization '{layer.name}' over axis {axis} or with "
                              "rms_scaling has no export; only the last axis")
    weights = list(layer.get_weights())
    channels = node.input_tensors[0].shape[-1]
    gamma = weights.pop(0) if config["scale"] else numpy.ones(channels, numpy.float32)
    beta = weights.pop(0) if config["center"] else numpy.zeros(channels, numpy.float32)
    return b.node("LayerNormalization", [inputs[0], b.constant(gamma, layer.name + "_gamma"),
                                         b.constant(beta, layer.name + "_beta")],
                  axis=-1, epsilon=float(config["epsilon"]))


CONVERTERS = {
    "Dense": dense, "Activation": activation_layer, "ReLU": relu_layer, "LeakyReLU": leaky_relu_layer,
    "ELU": elu_layer, "Softmax": softmax_layer, "Rescaling": rescaling, "Embedding": embedding,
    "Dropout": identity, "SpatialDropout1D": identity, "SpatialDropout2D": identity, "GaussianNoise": identity,
    "GaussianDropout": identity, "AlphaDropout": identity, "ActivityRegularization": identity, "Identity": identity,
    "Flatten": flatten, "Reshape": reshape, "ZeroPadding2D": zero_padding_2d, "ShortcutA": shortcut_a,
    "Add": _fold("Add"), "Subtract": _fold("Sub"), "Multiply": _fold("Mul"), "Maximum": _fold("Max"),
    "Minimum": _fold("Min"), "Average": average, "Concatenate": concatenate,
    "Conv2D": conv_2d, "DepthwiseConv2D": depthwise_conv_2d, "Conv2DTranspose": conv_2d_transpose,
    "MaxPooling2D": _pool("MaxPool"), "AveragePooling2D": _pool("AveragePool"),
    "GlobalAveragePooling2D": _reduce_attr("ReduceMean"), "GlobalMaxPooling2D": _reduce_attr("ReduceMax"),
    "BatchNormalization": batch_normalization, "LayerNormalization": layer_normalization,
}

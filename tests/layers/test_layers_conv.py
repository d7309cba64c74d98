"""Convolution layers: shapes, Keras weight layouts, values against the plain NumPy reference
(tests/numpy_reference.py) and PyTorch on the same layers, gradients, errors."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import layers as L

CLOSE = dict(rtol=1e-5, atol=1e-5)      # float32 layers against the float64 reference


def grouped_conv(x, kernel, bias, strides=1, padding="valid", dilation=1, groups=1):
    """Keras's grouped convolution by the plain reference: group g maps input channels
    [g·C/G, (g+1)·C/G) to filters [g·F/G, (g+1)·F/G); kernel (*K, C/G, F)."""
    rank = x.ndim - 2
    strides, dilation = (strides,) * rank, (dilation,) * rank
    c, f = kernel.shape[-2], kernel.shape[-1] // groups
    y = np.concatenate([ref.conv(x[..., g * c:(g + 1) * c], kernel[..., g * f:(g + 1) * f], strides, padding,
                                 dilation) for g in range(groups)], axis=-1)
    return y if bias is None else y + bias


def torch_conv(torch, x, kernel, bias, stride=1, dilation=1, groups=1, padding=0):
    """Reference: channels_last x and Keras kernel (*k, in, out) through torch's channels_first conv."""
    rank = x.ndim - 2
    perm_x = (0, rank + 1) + tuple(range(1, rank + 1))
    weight = torch.from_numpy(kernel).permute(rank + 1, rank, *range(rank))
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[rank]
    y = conv(torch.from_numpy(x).permute(*perm_x), weight, torch.from_numpy(bias) if bias is not None else None,
             stride=stride, dilation=dilation, groups=groups, padding=padding)
    return y.permute(0, *range(2, rank + 2), 1).numpy()


# ---- shapes -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, shape, expected", [
    (lambda: L.Conv1D(4, 3), (2, 9, 3), (2, 7, 4)),
    (lambda: L.Conv1D(4, 3, strides=2, padding="same"), (2, 9, 3), (2, 5, 4)),
    (lambda: L.Conv1D(4, 3, padding="causal", dilation_rate=2), (1, 9, 3), (1, 9, 4)),
    (lambda: L.Conv2D(5, (3, 2), strides=(2, 1)), (2, 9, 8, 3), (2, 4, 7, 5)),
    (lambda: L.Conv2D(5, 3, strides=3, padding="same"), (1, 10, 7, 2), (1, 4, 3, 5)),
    (lambda: L.Conv2D(2, 3, dilation_rate=2), (2, 7, 8, 1), (2, 3, 4, 2)),
    (lambda: L.Conv2D(4, 1, data_format="channels_first"), (2, 3, 5, 6), (2, 4, 5, 6)),
    (lambda: L.Conv3D(2, (2, 3, 1)), (1, 4, 5, 3, 2), (1, 3, 3, 3, 2)),
    (lambda: L.Conv2DTranspose(3, 3), (2, 4, 5, 2), (2, 6, 7, 3)),
    (lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same"), (2, 4, 5, 2), (2, 8, 10, 3)),
    (lambda: L.Conv2DTranspose(3, 3, strides=2, output_padding=1), (2, 4, 5, 2), (2, 10, 12, 3)),
    (lambda: L.Conv2DTranspose(3, 4, strides=2, padding="same", output_padding=0), (1, 3, 3, 2), (1, 4, 4, 3)),
    (lambda: L.Conv1DTranspose(2, 4, strides=3), (2, 4, 2), (2, 13, 2)),
    (lambda: L.Conv3DTranspose(2, 2, strides=2), (1, 2, 3, 2, 2), (1, 4, 6, 4, 2)),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, strides=2), (2, 7, 7, 3), (2, 3, 3, 6)),
    (lambda: L.DepthwiseConv1D(3, padding="same"), (2, 6, 3), (2, 6, 3)),
    (lambda: L.SeparableConv2D(5, 3, padding="same", depth_multiplier=2), (2, 6, 5, 3), (2, 6, 5, 5)),
    (lambda: L.SeparableConv1D(4, 2), (2, 6, 3), (2, 5, 4)),
], ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_output_shapes_symbolic_and_eager(check, make, shape, expected):
    out = check.shapes(make, shape)
    assert out.shape == expected
    assert make().compute_output_shape((None,) + shape[1:]) == (None,) + expected[1:]


def test_unknown_spatial_sizes_stay_unknown():
    out = L.Conv2D(4, 3, padding="same", strides=2)(L.Input((None, None, 3)))
    assert out.shape == (None, None, None, 4)
    assert L.Conv2DTranspose(2, 3, strides=2)(L.Input((None, 5, 3))).shape == (None, None, 11, 2)


@pytest.mark.parametrize("layer, shapes", [
    (L.Conv2D(4, (3, 2), groups=2), [(3, 2, 3, 4), (4,)]),
    (L.Conv1D(4, 3, use_bias=False), [(3, 6, 4)]),
    (L.Conv3D(2, 2), [(2, 2, 2, 6, 2), (2,)]),
    (L.Conv2DTranspose(5, 3), [(3, 3, 5, 6), (5,)]),
    (L.DepthwiseConv2D(3, depth_multiplier=2), [(3, 3, 6, 2), (12,)]),
    (L.SeparableConv2D(4, 3, depth_multiplier=2), [(3, 3, 6, 2), (1, 1, 12, 4), (4,)]),
], ids=lambda v: type(v).__name__ if isinstance(v, L.Layer) else None)
def test_weights_keras_layout_order_and_config(check, layer, shapes):
    rank = len(shapes[0]) - 2
    layer.build((2,) + (7,) * rank + (6,))
    check.weights_round_trip(layer, shapes)
    check.config_round_trip(layer)


# ---- PyTorch agreement ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"strides": 2}, {"dilation_rate": 2}, {"padding": "same"}, {"groups": 3}])
def test_conv2d_matches_numpy_reference(check, kwargs):
    x = check.data((2, 9, 8, 6))
    layer = L.Conv2D(6, 3, bias_initializer="random_normal", **kwargs)
    y = layer(x).numpy()
    expected = grouped_conv(x, layer.kernel.numpy(), layer.bias.numpy(), kwargs.get("strides", 1),
                            kwargs.get("padding", "valid"), kwargs.get("dilation_rate", 1), kwargs.get("groups", 1))
    np.testing.assert_allclose(y, expected, **CLOSE)


def test_conv1d_causal_matches_left_padded_numpy_reference(check):
    x = check.data((2, 7, 3))
    layer = L.Conv1D(4, 3, padding="causal", dilation_rate=2, bias_initializer="random_normal")
    y = layer(x).numpy()
    padded = np.pad(x, [(0, 0), (4, 0), (0, 0)])        # (kernel − 1)·dilation zeros before: no future
    np.testing.assert_allclose(y, grouped_conv(padded, layer.kernel.numpy(), layer.bias.numpy(), dilation=2),
                               **CLOSE)
    x2 = x.copy()
    x2[:, 5:] = 100.0                                   # the future must not leak into earlier steps
    np.testing.assert_allclose(layer(x2).numpy()[:, :5], y[:, :5], rtol=1e-5)


def test_conv3d_and_channels_first_match_numpy_reference(check):
    x = check.data((1, 4, 5, 3, 2))
    layer = L.Conv3D(3, 2, bias_initializer="random_normal")
    np.testing.assert_allclose(layer(x).numpy(), grouped_conv(x, layer.kernel.numpy(), layer.bias.numpy()), **CLOSE)
    xf = check.data((2, 3, 6, 5))
    first = L.Conv2D(4, 3, data_format="channels_first", bias_initializer="random_normal")
    yf = first(xf).numpy()
    expected = grouped_conv(xf.transpose(0, 2, 3, 1), first.kernel.numpy(), first.bias.numpy())
    np.testing.assert_allclose(yf, expected.transpose(0, 3, 1, 2), **CLOSE)


@pytest.mark.parametrize("strides, output_padding", [(1, None), (2, None), (2, 1), (3, 2)])
def test_conv2d_transpose_matches_numpy_reference(check, strides, output_padding):
    x = check.data((2, 4, 5, 3))
    layer = L.Conv2DTranspose(2, 3, strides=strides, output_padding=output_padding,
                              bias_initializer="random_normal")
    y = layer(x).numpy()
    expected = ref.conv_transpose(x, layer.kernel.numpy(), (strides,) * 2, "valid",
                                  None if output_padding is None else (output_padding,) * 2) + layer.bias.numpy()
    np.testing.assert_allclose(y, expected, **CLOSE)


def test_depthwise_and_separable_match_numpy_reference(check):
    x = check.data((2, 6, 7, 3))
    depthwise = L.DepthwiseConv2D(3, depth_multiplier=2, bias_initializer="random_normal")
    y = depthwise(x).numpy()
    expected = ref.depthwise_conv(x, depthwise.kernel.numpy(), (1, 1)) + depthwise.bias.numpy()
    np.testing.assert_allclose(y, expected, **CLOSE)
    separable = L.SeparableConv2D(4, 3, depth_multiplier=2, bias_initializer="random_normal")
    z = separable(x).numpy()
    dw = ref.depthwise_conv(x, separable.depthwise_kernel.numpy(), (1, 1))
    expected = ref.conv(dw, separable.pointwise_kernel.numpy(), (1, 1)) + separable.bias.numpy()
    np.testing.assert_allclose(z, expected, **CLOSE)


@pytest.mark.parametrize("kwargs, torch_kwargs", [
    ({}, {}),
    ({"strides": 2}, {"stride": 2}),
    ({"dilation_rate": 2}, {"dilation": 2}),
    ({"padding": "same"}, {"padding": 1}),
    ({"groups": 3}, {"groups": 3}),
])
def test_conv2d_matches_torch(check, torch, kwargs, torch_kwargs):
    x = check.data((2, 9, 8, 6))
    layer = L.Conv2D(6, 3, bias_initializer="random_normal", **kwargs)
    y = layer(x)
    expected = torch_conv(torch, x, layer.kernel.numpy(), layer.bias.numpy(), **torch_kwargs)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_conv1d_causal_matches_left_padded_torch(check, torch):
    x = check.data((2, 7, 3))
    layer = L.Conv1D(4, 3, padding="causal", dilation_rate=2)
    y = layer(x).numpy()
    padded = np.pad(x, [(0, 0), (4, 0), (0, 0)])
    np.testing.assert_allclose(y, torch_conv(torch, padded, layer.kernel.numpy(), layer.bias.numpy(), dilation=2),
                               rtol=1e-4, atol=1e-5)
    x2 = x.copy()
    x2[:, 5:] = 100.0                                   # the future must not leak into earlier steps
    np.testing.assert_allclose(layer(x2).numpy()[:, :5], y[:, :5], rtol=1e-5)


def test_conv3d_and_channels_first_match_torch(check, torch):
    x = check.data((1, 4, 5, 3, 2))
    layer = L.Conv3D(3, 2)
    np.testing.assert_allclose(layer(x).numpy(), torch_conv(torch, x, layer.kernel.numpy(), layer.bias.numpy()),
                               rtol=1e-4, atol=1e-5)
    xf = check.data((2, 3, 6, 5))
    first = L.Conv2D(4, 3, data_format="channels_first")
    yf = first(xf).numpy()
    expected = torch_conv(torch, xf.transpose(0, 2, 3, 1), first.kernel.numpy(), first.bias.numpy())
    np.testing.assert_allclose(yf, expected.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("strides, output_padding", [(1, None), (2, None), (2, 1), (3, 2)])
def test_conv2d_transpose_matches_torch(check, torch, strides, output_padding):
    x = check.data((2, 4, 5, 3))
    layer = L.Conv2DTranspose(2, 3, strides=strides, output_padding=output_padding,
                              bias_initializer="random_normal")
    y = layer(x)
    kernel = layer.kernel.numpy()                        # (kh, kw, out, in) -> torch (in, out, kh, kw)
    weight = torch.from_numpy(kernel).permute(3, 2, 0, 1)
    pad = output_padding or 0           # valid, no output_padding: I·S + max(K − S, 0) = torch's with 0
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x).permute(0, 3, 1, 2), weight,
                                                    torch.from_numpy(layer.bias.numpy()), stride=strides,
                                                    output_padding=pad)
    np.testing.assert_allclose(y.numpy(), expected.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-5)


def test_depthwise_and_separable_match_torch_groups(check, torch):
    x = check.data((2, 6, 7, 3))
    depthwise = L.DepthwiseConv2D(3, depth_multiplier=2, bias_initializer="random_normal")
    y = depthwise(x).numpy()
    kernel = depthwise.kernel.numpy()                    # (kh, kw, C, M) -> torch (C·M, 1, kh, kw)
    weight = torch.from_numpy(kernel.reshape(3, 3, 1, 6).copy())
    expected = torch_conv(torch, x, weight.numpy(), depthwise.bias.numpy(), groups=3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)

    separable = L.SeparableConv2D(4, 3, depth_multiplier=2)
    z = separable(x).numpy()
    dw = torch_conv(torch, x, separable.depthwise_kernel.numpy().reshape(3, 3, 1, 6).copy(), None, groups=3)
    expected = torch_conv(torch, dw, separable.pointwise_kernel.numpy(), separable.bias.numpy())
    np.testing.assert_allclose(z, expected, rtol=1e-4, atol=1e-5)


# ---- gradients ----------------------------------------------------------------------------

@pytest.mark.parametrize("make, shape", [
    (lambda: L.Conv2D(2, 2, strides=(1, 2), padding="same", activation="tanh"), (1, 3, 4, 2)),
    (lambda: L.Conv1D(2, 2, padding="causal", groups=2), (2, 4, 2)),
    (lambda: L.Conv2DTranspose(2, 2, strides=2), (1, 2, 2, 2)),
    (lambda: L.DepthwiseConv2D(2, depth_multiplier=2), (1, 3, 3, 2)),
    (lambda: L.SeparableConv1D(2, 2), (1, 4, 2)),
    (lambda: L.Conv2D(2, 2, data_format="channels_first"), (1, 2, 3, 3)),
], ids=["conv2d", "conv1d_causal_groups", "conv2d_transpose", "depthwise", "separable1d", "channels_first"])
def test_gradients_of_inputs_and_weights(check, make, shape):
    check.gradients(make, shape)


def test_frozen_conv_gets_no_weight_gradient(check):
    layer = L.Conv2D(2, 3)
    layer(check.data((1, 5, 5, 1)))
    layer.trainable = False
    x = nerve.Tensor(check.data((1, 5, 5, 1)), requires_grad=True)
    layer(x).sum().backward()
    assert layer.kernel.grad is None and x.grad is not None
    assert layer.trainable_weights == []


# ---- errors -------------------------------------------------------------------------------

def test_wrong_rank_error_names_layer_shape_and_layout(check):
    layer = L.Conv2D(4, 3, name="conv2d_1")
    with pytest.raises(ValueError, match=r"^Conv2D 'conv2d_1': expected input of rank 4 \(batch, height, width, "
                                         r"channels\), received shape \(28, 28\)"):
        layer(check.data((28, 28)))
    layer(check.data((1, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_1': expected axis -1 of the input to have size 3, "
                                         r"received shape \(1, 8, 8, 1\)"):
        layer(check.data((1, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"Conv1D .*rank 3 \(batch, steps, channels\)"):
        L.Conv1D(2, 3)(L.Input((5, 5, 1)))


def test_argument_errors(check):
    with pytest.raises(ValueError, match=r"Conv2D .*kernel_size \(5, 5\) does not fit inputs of shape \(1, 3, 3, 1\)"):
        L.Conv2D(1, 5)(check.data((1, 3, 3, 1)))
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="multiple of `groups`"):
        L.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="multiple of groups=2"):
        L.Conv2D(4, 3, groups=2)(check.data((1, 5, 5, 3)))
    with pytest.raises(ValueError, match="output_padding must be smaller than its stride"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="data_format"):
        L.Conv2D(2, 3, data_format="NHWC")

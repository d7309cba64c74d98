"""Forward values of the fused and optimized ops against plain NumPy (tests/numpy_reference.py).

These need no optional package: convolution, pooling, normalization, activations and the
fused losses are checked against loops anyone can read, in float64 and float32. The PyTorch
comparisons in the other files stay as a second oracle; gradients are gradchecked there.
"""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import ops

R = np.random.default_rng(7)
F64 = dict(rtol=1e-10, atol=1e-12)
F32 = dict(rtol=2e-5, atol=2e-6)


def data(*shape):
    return R.standard_normal(shape)


# (input shape, kernel size, strides, padding, dilation)
CONV_CASES = [
    ((2, 7, 3), (3,), (1,), "valid", (1,)),
    ((1, 8, 2), (3,), (2,), "same", (1,)),
    ((2, 6, 7, 3), (3, 2), (1, 1), "valid", (1, 1)),
    ((1, 7, 6, 2), (3, 3), (2, 2), "same", (1, 1)),
    ((1, 9, 9, 2), (3, 3), (1, 1), "same", (2, 2)),
    ((1, 4, 5, 4, 2), (2, 3, 2), (1, 2, 1), "same", (1, 1, 1)),
]


@pytest.mark.parametrize("shape,kernel,strides,padding,dilation", CONV_CASES)
def test_conv(shape, kernel, strides, padding, dilation):
    x, w = data(*shape), data(*kernel, shape[-1], 4)
    y = ops.conv(x, w, strides, padding, dilation_rate=dilation).numpy()
    np.testing.assert_allclose(y, ref.conv(x, w, strides, padding, dilation), **F64)
    y32 = ops.conv(x.astype("float32"), w.astype("float32"), strides, padding, dilation_rate=dilation)
    assert y32.dtype == "float32"
    np.testing.assert_allclose(y32.numpy(), ref.conv(x, w, strides, padding, dilation), **F32)


@pytest.mark.parametrize("shape,kernel,strides,padding,dilation", CONV_CASES[:5])
def test_depthwise_conv(shape, kernel, strides, padding, dilation):
    x, w = data(*shape), data(*kernel, shape[-1], 2)
    y = ops.depthwise_conv(x, w, strides, padding, dilation_rate=dilation).numpy()
    np.testing.assert_allclose(y, ref.depthwise_conv(x, w, strides, padding, dilation), **F64)


@pytest.mark.parametrize("shape,kernel,strides,padding,output_padding,dilation", [
    ((2, 5, 3), (3,), (2,), "valid", None, (1,)),
    ((1, 4, 2), (4,), (2,), "same", None, (1,)),
    ((1, 3, 4, 2), (3, 3), (2, 2), "same", None, (1, 1)),
    ((1, 3, 3, 2), (3, 2), (2, 3), "valid", (1, 2), (1, 1)),
    ((1, 4, 4, 2), (3, 3), (1, 1), "same", None, (2, 2)),
])
def test_conv_transpose(shape, kernel, strides, padding, output_padding, dilation):
    x, w = data(*shape), data(*kernel, 3, shape[-1])
    y = ops.conv_transpose(x, w, strides, padding, output_padding, dilation_rate=dilation).numpy()
    np.testing.assert_allclose(y, ref.conv_transpose(x, w, strides, padding, output_padding, dilation), **F64)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("shape,pool,strides,padding", [
    ((2, 7, 3), (2,), (2,), "valid"),
    ((1, 7, 6, 2), (2, 2), (2, 2), "valid"),
    ((1, 7, 6, 2), (3, 3), (2, 2), "same"),
    ((1, 5, 5, 1), (2, 3), (1, 2), "same"),
    ((1, 4, 5, 4, 2), (2, 2, 2), (2, 2, 2), "same"),
])
def test_pooling(kind, shape, pool, strides, padding):
    x = data(*shape)
    op = ops.max_pool if kind == "max" else ops.average_pool
    np.testing.assert_allclose(op(x, pool, strides, padding).numpy(), ref.pool(x, kind, pool, strides, padding),
                               **F64)
    np.testing.assert_allclose(op(x.astype("float32"), pool, strides, padding).numpy(),
                               ref.pool(x, kind, pool, strides, padding), **F32)


@pytest.mark.parametrize("dtype,tol", [("float64", F64), ("float32", F32)])
def test_normalizations(dtype, tol):
    x, gamma, beta = data(3, 4, 5, 6), data(6), data(6)
    cast = [a.astype(dtype) for a in (x, gamma, beta)]
    y, mean, var = ops.fused_batch_normalization(*cast, axis=-1, epsilon=1e-3)
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, (0, 1, 2), gamma, beta), **tol)
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=(0, 1, 2)), **tol)
    np.testing.assert_allclose(var.numpy(), x.var(axis=(0, 1, 2)), **tol)
    moving_mean, moving_var = data(6), R.uniform(0.5, 2, 6)
    y = ops.batch_normalization(cast[0], moving_mean.astype(dtype), moving_var.astype(dtype), axis=-1,
                                offset=cast[2], scale=cast[1], epsilon=1e-3)
    np.testing.assert_allclose(y.numpy(), (x - moving_mean) / np.sqrt(moving_var + 1e-3) * gamma + beta, **tol)
    y = ops.layer_normalization(*cast, axis=-1, epsilon=1e-3)
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, (-1,), gamma, beta), **tol)
    y = ops.group_normalization(cast[0], 3, cast[1], cast[2], epsilon=1e-3)
    np.testing.assert_allclose(y.numpy(), ref.group_norm(x, 3, gamma, beta), **tol)
    y = ops.instance_normalization(*cast, epsilon=1e-3)
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, (1, 2), gamma, beta), **tol)


@pytest.mark.parametrize("name", sorted(ref.ACTIVATIONS))
def test_activations(name):
    x = np.concatenate([np.linspace(-8, 8, 41), [-40.0, -1e-3, 0.0, 1e-3, 3.0, -3.0, 6.0, 40.0]])
    op = (lambda v: ops.gelu(v, approximate=False)) if name == "gelu_exact" else getattr(ops, name)
    np.testing.assert_allclose(op(x).numpy(), ref.activation(name, x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(op(x.astype("float32")).numpy(), ref.activation(name, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax(axis):
    x = data(4, 5) * 10
    np.testing.assert_allclose(ops.log_softmax(x, axis).numpy(), ref.log_softmax(x, axis), **F64)
    np.testing.assert_allclose(ops.softmax(x, axis).numpy(), np.exp(ref.log_softmax(x, axis)), **F64)


@pytest.mark.parametrize("from_logits", [True, False])
def test_fused_losses(from_logits):
    logits = data(6, 4) * 3
    output = logits if from_logits else np.exp(ref.log_softmax(logits)) * 2     # unnormalized probabilities
    labels = R.integers(0, 4, 6)
    target = np.eye(4)[labels]
    np.testing.assert_allclose(ops.categorical_crossentropy(target, output, from_logits).numpy(),
                               ref.categorical_crossentropy(target, output, from_logits), **F64)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, output, from_logits).numpy(),
                               ref.sparse_categorical_crossentropy(labels, output, from_logits), **F64)
    binary_out = logits if from_logits else 1 / (1 + np.exp(-logits))
    binary_target = R.uniform(0, 1, (6, 4))
    np.testing.assert_allclose(ops.binary_crossentropy(binary_target, binary_out, from_logits).numpy(),
                               ref.binary_crossentropy(binary_target, binary_out, from_logits), **F64)

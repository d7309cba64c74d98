"""conv, depthwise_conv, separable_conv, conv_transpose: values against the plain NumPy loops of
tests/numpy_reference.py and, on the same cases, values and gradients against PyTorch; float64
gradient checks, and the argument errors."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import Tensor, ops
from nerve.ops import conv_utils
from nerve.testing import gradcheck

R = np.random.default_rng(3)


def rnd(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def channels_first(torch, x):
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))


def channels_last(y):
    return np.moveaxis(y.detach().numpy(), 1, -1)


def torch_pad(torch, x, pads):
    """x (N, C, *S) zero-padded by per-axis (before, after): torch wants the last axis first."""
    flat = [p for before_after in reversed(pads) for p in before_after]
    return torch.nn.functional.pad(x, flat)


def nerve_and_grads(fn, *arrays, seed=0):
    """fn's output and the gradients of Σ fn(*arrays)·g (g random) w.r.t. every array."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    y = fn(*tensors)
    g = np.random.default_rng(seed).standard_normal(y.shape).astype(y.dtype)
    grads = nerve.grad((y * Tensor(g)).sum(), tensors)
    return y.numpy(), g, [t.numpy() for t in grads]


def torch_and_grads(torch, fn, g, *arrays):
    """The same for a PyTorch function of channels_last-converted tensors."""
    tensors = [torch.from_numpy(a.astype(np.float64)).requires_grad_() for a in arrays]
    y = fn(*tensors)
    (y * torch.from_numpy(g.astype(np.float64))).sum().backward()
    return y.detach().numpy(), [t.grad.numpy() for t in tensors]


def assert_close(actual, expected, tol=2e-4):
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale)


def torch_conv(torch, x, w, strides, padding, dilation, groups=1):
    """Keras-semantics convolution in PyTorch: x (N, *S, C), w already (F, C/groups, *K)."""
    ndim = x.ndim - 2
    kernel = tuple(w.shape[2:])
    pads = conv_utils.padding_amounts(tuple(x.shape[1:-1]), kernel, strides, padding, dilation)
    xt = torch_pad(torch, x.movedim(-1, 1), pads)
    fn = getattr(torch.nn.functional, f"conv{ndim}d")
    return fn(xt, w, stride=strides, dilation=dilation, groups=groups).movedim(1, -1)


# (input shape, kernel size, out channels, strides, padding, dilation)
CONV_CASES = [
    ((2, 9, 4), (3,), 5, (1,), "valid", (1,)),
    ((1, 10, 3), (4,), 2, (2,), "same", (1,)),
    ((2, 11, 2), (3,), 3, (1,), "same", (2,)),
    ((2, 7, 9, 3), (3, 3), 4, (1, 1), "valid", (1, 1)),
    ((1, 8, 8, 1), (5, 5), 6, (1, 1), "same", (1, 1)),
    ((3, 9, 7, 2), (4, 2), 3, (1, 2), "same", (1, 1)),          # even kernels: asymmetric pad
    ((2, 11, 10, 3), (2, 2), 4, (3, 3), "valid", (1, 1)),       # stride larger than the kernel
    ((2, 11, 10, 3), (2, 3), 4, (3, 2), "same", (1, 1)),
    ((2, 12, 11, 2), (3, 3), 3, (1, 1), "same", (2, 2)),        # dilation 2
    ((1, 12, 10, 2), (3, 2), 2, (1, 1), "valid", (2, 3)),
    ((2, 13, 12, 2), (3, 2), 3, (2, 3), "same", (2, 2)),        # strides and dilation together
    ((2, 8, 6, 3), (2, 2), 5, (2, 2), "valid", (1, 1)),         # windows tile the input
    ((2, 7, 7, 4), (1, 1), 3, (2, 2), "same", (1, 1)),          # strided 1x1
    ((1, 5, 6, 7, 2), (3, 2, 3), 3, (1, 2, 1), "same", (1, 1, 1)),
    ((2, 6, 5, 6, 1), (2, 3, 2), 2, (2, 1, 3), "valid", (1, 1, 2)),
]


@pytest.mark.parametrize("shape,kernel,filters,strides,padding,dilation", CONV_CASES)
def test_conv_matches_torch(torch, shape, kernel, filters, strides, padding, dilation):
    x, w = rnd(*shape), rnd(*kernel, shape[-1], filters)

    def ours(x, w):
        return ops.conv(x, w, strides, padding, dilation_rate=dilation)

    def theirs(x, w):
        weight = w.permute(-1, -2, *range(len(kernel)))
        return torch_conv(torch, x, weight, strides, padding, dilation)

    y, g, grads = nerve_and_grads(ours, x, w)
    assert y.dtype == np.float32 and all(gr.dtype == np.float32 for gr in grads)
    assert y.shape == conv_utils.conv_output_shape(shape, kernel, strides, padding, dilation, filters)
    y_ref, grads_ref = torch_and_grads(torch, theirs, g, x, w)
    assert_close(y, y_ref)
    for got, expected in zip(grads, grads_ref):
        assert_close(got, expected)


DEPTHWISE_CASES = [
    ((2, 9, 3), (3,), 2, (2,), "same", (1,)),
    ((2, 7, 8, 3), (3, 3), 1, (1, 1), "same", (1, 1)),
    ((1, 9, 9, 2), (4, 3), 3, (2, 3), "valid", (1, 1)),
    ((2, 10, 9, 2), (3, 3), 2, (1, 1), "same", (2, 2)),
    ((1, 4, 5, 4, 2), (2, 2, 2), 2, (1, 1, 1), "same", (1, 1, 1)),
]


@pytest.mark.parametrize("shape,kernel,mult,strides,padding,dilation", DEPTHWISE_CASES)
def test_depthwise_conv_matches_torch(torch, shape, kernel, mult, strides, padding, dilation):
    channels = shape[-1]
    x, w = rnd(*shape), rnd(*kernel, channels, mult)

    def ours(x, w):
        return ops.depthwise_conv(x, w, strides, padding, dilation_rate=dilation)

    def theirs(x, w):   # output channel c·M + m is group c's m-th filter, as in Keras
        weight = w.permute(-2, -1, *range(len(kernel))).reshape(channels * mult, 1, *kernel)
        return torch_conv(torch, x, weight, strides, padding, dilation, groups=channels)

    y, g, grads = nerve_and_grads(ours, x, w)
    assert y.shape == (*conv_utils.conv_output_shape(shape, kernel, strides, padding, dilation)[:-1],
                       channels * mult)
    y_ref, grads_ref = torch_and_grads(torch, theirs, g, x, w)
    assert_close(y, y_ref)
    for got, expected in zip(grads, grads_ref):
        assert_close(got, expected)


@pytest.mark.parametrize("shape,kernel,mult,strides,padding", [
    ((2, 8, 7, 3), (3, 3), 2, (1, 1), "same"),
    ((1, 9, 3), (2,), 1, (2,), "valid"),
])
def test_separable_conv_matches_torch(torch, shape, kernel, mult, strides, padding):
    channels, filters, ndim = shape[-1], 4, len(kernel)
    x, dw, pw = rnd(*shape), rnd(*kernel, channels, mult), rnd(*(1,) * ndim, channels * mult, filters)

    def ours(x, dw, pw):
        return ops.separable_conv(x, dw, pw, strides, padding)

    def theirs(x, dw, pw):
        weight = dw.permute(-2, -1, *range(ndim)).reshape(channels * mult, 1, *kernel)
        depthwise = torch_conv(torch, x, weight, strides, padding, (1,) * ndim, groups=channels)
        return torch_conv(torch, depthwise, pw.permute(-1, -2, *range(ndim)), (1,) * ndim, "valid",
                          (1,) * ndim)

    y, g, grads = nerve_and_grads(ours, x, dw, pw)
    y_ref, grads_ref = torch_and_grads(torch, theirs, g, x, dw, pw)
    assert_close(y, y_ref)
    for got, expected in zip(grads, grads_ref):
        assert_close(got, expected)


# (input shape, kernel size, out channels, strides, padding, output_padding, dilation)
TRANSPOSE_CASES = [
    ((2, 5, 3), (3,), 2, (2,), "valid", None, (1,)),
    ((1, 6, 2), (4,), 3, (2,), "same", None, (1,)),
    ((2, 4, 5, 3), (3, 3), 4, (2, 2), "same", None, (1, 1)),
    ((1, 5, 4, 2), (4, 4), 3, (2, 2), "same", None, (1, 1)),
    ((2, 3, 4, 2), (3, 2), 2, (1, 1), "valid", None, (1, 1)),
    ((2, 3, 3, 2), (2, 2), 3, (3, 3), "valid", None, (1, 1)),       # stride larger than the kernel
    ((2, 3, 4, 2), (3, 3), 2, (2, 2), "valid", (1, 0), (1, 1)),
    ((1, 4, 4, 3), (4, 3), 2, (2, 2), "same", (1, 1), (1, 1)),
    ((2, 4, 3, 2), (3, 3), 2, (1, 1), "same", None, (2, 2)),
    ((1, 3, 4, 2), (3, 2), 2, (2, 2), "valid", None, (2, 1)),
    ((2, 3, 3, 3, 2), (2, 3, 2), 2, (2, 1, 2), "same", None, (1, 1, 1)),
]


@pytest.mark.parametrize("shape,kernel,filters,strides,padding,output_padding,dilation", TRANSPOSE_CASES)
def test_conv_transpose_matches_torch(torch, shape, kernel, filters, strides, padding, output_padding,
                                      dilation):
    ndim = len(kernel)
    x, w = rnd(*shape), rnd(*kernel, filters, shape[-1])
    ops_ = [None if output_padding is None else output_padding[i] for i in range(ndim)]
    lengths = [conv_utils.deconv_output_length(n, k, s, padding, op, d)
               for n, k, s, op, d in zip(shape[1:-1], kernel, strides, ops_, dilation)]

    def ours(x, w):
        return ops.conv_transpose(x, w, strides, padding, output_padding, dilation_rate=dilation)

    def theirs(x, w):
        # the full transposed convolution, then Keras/TensorFlow's crop: what a "same" convolution
        # of the output would pad before, ⌊max(reach − L, 0)/2⌋; zeros where the output runs past it
        fn = getattr(torch.nn.functional, f"conv_transpose{ndim}d")
        full = fn(x.movedim(-1, 1), w.permute(-1, -2, *range(ndim)), stride=strides, dilation=dilation)
        pads = []
        for n, k, s, d, length in zip(shape[1:-1], kernel, strides, dilation, lengths):
            reach = (n - 1) * s + d * (k - 1) + 1
            before = max(reach - length, 0) // 2 if padding == "same" else 0
            pads.append((-before, length + before - reach))
        return torch_pad(torch, full, pads).movedim(1, -1)

    y, g, grads = nerve_and_grads(ours, x, w)
    assert y.shape == (shape[0], *lengths, filters) and y.dtype == np.float32
    y_ref, grads_ref = torch_and_grads(torch, theirs, g, x, w)
    assert_close(y, y_ref)
    for got, expected in zip(grads, grads_ref):
        assert_close(got, expected)


# ---- the same cases against the plain NumPy loops (no optional package needed) ----------------

def _against_reference(op, want, *arrays):
    """op in float64 (tight) and float32 (dtype kept, float32 rounding) against the float64 reference."""
    np.testing.assert_allclose(op(*arrays).numpy(), want, rtol=1e-10, atol=1e-10)
    y32 = op(*[a.astype(np.float32) for a in arrays])
    assert y32.dtype == np.float32
    assert_close(y32.numpy(), want, 1e-5)


@pytest.mark.parametrize("shape,kernel,filters,strides,padding,dilation", CONV_CASES)
def test_conv_matches_numpy_reference(shape, kernel, filters, strides, padding, dilation):
    x, w = rnd(*shape, dtype=np.float64), rnd(*kernel, shape[-1], filters, dtype=np.float64)
    _against_reference(lambda x, w: ops.conv(x, w, strides, padding, dilation_rate=dilation),
                       ref.conv(x, w, strides, padding, dilation), x, w)


@pytest.mark.parametrize("shape,kernel,mult,strides,padding,dilation", DEPTHWISE_CASES)
def test_depthwise_conv_matches_numpy_reference(shape, kernel, mult, strides, padding, dilation):
    x, w = rnd(*shape, dtype=np.float64), rnd(*kernel, shape[-1], mult, dtype=np.float64)
    _against_reference(lambda x, w: ops.depthwise_conv(x, w, strides, padding, dilation_rate=dilation),
                       ref.depthwise_conv(x, w, strides, padding, dilation), x, w)


@pytest.mark.parametrize("shape,kernel,mult,strides,padding", [
    ((2, 8, 7, 3), (3, 3), 2, (1, 1), "same"),
    ((1, 9, 3), (2,), 1, (2,), "valid"),
])
def test_separable_conv_matches_numpy_reference(shape, kernel, mult, strides, padding):
    ones = (1,) * len(kernel)
    x, dw = rnd(*shape, dtype=np.float64), rnd(*kernel, shape[-1], mult, dtype=np.float64)
    pw = rnd(*ones, shape[-1] * mult, 4, dtype=np.float64)
    want = ref.conv(ref.depthwise_conv(x, dw, strides, padding), pw, ones)      # depthwise, then 1x1
    _against_reference(lambda x, dw, pw: ops.separable_conv(x, dw, pw, strides, padding), want, x, dw, pw)


@pytest.mark.parametrize("shape,kernel,filters,strides,padding,output_padding,dilation", TRANSPOSE_CASES)
def test_conv_transpose_matches_numpy_reference(shape, kernel, filters, strides, padding, output_padding,
                                                dilation):
    x, w = rnd(*shape, dtype=np.float64), rnd(*kernel, filters, shape[-1], dtype=np.float64)
    op = lambda x, w: ops.conv_transpose(x, w, strides, padding, output_padding, dilation_rate=dilation)  # noqa: E731
    _against_reference(op, ref.conv_transpose(x, w, strides, padding, output_padding, dilation), x, w)


@pytest.mark.parametrize("shape,kernel,strides,padding", [
    ((2, 4, 5, 3), (3, 3), (2, 2), "same"),
    ((2, 4, 4, 3), (4, 4), (2, 2), "same"),
    ((1, 4, 3, 2), (3, 2), (3, 1), "valid"),
    ((2, 5, 2), (5,), (1,), "same"),
])
def test_conv_transpose_is_the_input_gradient_of_conv(shape, kernel, strides, padding):
    x, w = rnd(*shape, dtype=np.float64), rnd(*kernel, 3, shape[-1], dtype=np.float64)
    y = ops.conv_transpose(x, w, strides, padding).numpy()
    z = Tensor(np.zeros((*y.shape[:-1], 3)), requires_grad=True)      # conv maps z back to x's shape
    forward = ops.conv(z, Tensor(w), strides, padding)
    assert forward.shape == x.shape
    (gz,) = nerve.grad(forward, [z], grad_output=x)
    np.testing.assert_allclose(y, gz.numpy(), rtol=1e-12, atol=1e-12)


GRADCHECK_CASES = [
    ("conv1d", lambda x, w: ops.conv(x, w, 2, "same"), (2, 5, 2), (3, 2, 2)),
    ("conv2d", lambda x, w: ops.conv(x, w, (1, 2), "same", dilation_rate=1), (1, 5, 4, 2), (2, 3, 2, 2)),
    ("conv2d_dilated", lambda x, w: ops.conv(x, w, 1, "valid", dilation_rate=2), (2, 5, 5, 1), (2, 2, 1, 2)),
    ("conv3d", lambda x, w: ops.conv(x, w, 1, "same"), (1, 3, 3, 3, 1), (2, 2, 2, 1, 2)),
    ("depthwise", lambda x, w: ops.depthwise_conv(x, w, 2, "same"), (1, 5, 4, 2), (3, 2, 2, 2)),
    ("transpose1d", lambda x, w: ops.conv_transpose(x, w, 2, "valid"), (2, 3, 2), (3, 2, 2)),
    ("transpose2d", lambda x, w: ops.conv_transpose(x, w, 2, "same"), (1, 3, 2, 2), (3, 2, 2, 2)),
    ("transpose3d", lambda x, w: ops.conv_transpose(x, w, 1, "same", dilation_rate=2),
     (1, 2, 3, 2, 1), (2, 2, 1, 2, 1)),
]


@pytest.mark.parametrize("name,fn,x_shape,w_shape", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_gradcheck(name, fn, x_shape, w_shape):
    assert gradcheck(fn, rnd(*x_shape, dtype=np.float64), rnd(*w_shape, dtype=np.float64))


def test_gradcheck_separable_conv():
    def fn(x, dw, pw):
        return ops.separable_conv(x, dw, pw, 1, "same")

    assert gradcheck(fn, rnd(1, 4, 3, 2, dtype=np.float64), rnd(2, 2, 2, 2, dtype=np.float64),
                     rnd(1, 1, 4, 3, dtype=np.float64))


def test_input_gradient_is_skipped_for_data_inputs():
    x, w = Tensor(rnd(2, 6, 6, 1)), Tensor(rnd(3, 3, 1, 2), requires_grad=True)
    y = ops.conv(x, w, padding="same")
    assert y.creator.needs_grad == (False, True)
    assert y.creator.backward(np.ones(y.shape, np.float32))[0] is None
    (y * y).sum().backward()
    assert x.grad is None and w.grad.shape == w.shape and w.grad.dtype == np.float32


def test_wrong_in_channels_names_op_and_shapes():
    x, w = rnd(2, 8, 8, 3), rnd(3, 3, 4, 5)
    for name, call in [
        ("conv", lambda: ops.conv(x, w)),
        ("depthwise_conv", lambda: ops.depthwise_conv(x, w)),
        ("conv_transpose", lambda: ops.conv_transpose(x, w, 2)),
    ]:
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert message.startswith(name + ":") and "(2, 8, 8, 3)" in message and "(3, 3, 4, 5)" in message


def test_argument_errors():
    x, w = rnd(2, 8, 8, 3), rnd(3, 3, 3, 4)
    with pytest.raises(ValueError, match="data_format"):
        ops.conv(x, w, data_format="channels_first")
    with pytest.raises(ValueError, match="rank"):
        ops.conv(rnd(8, 8), w)
    with pytest.raises(ValueError, match="kernel of rank 4"):
        ops.conv(x, rnd(3, 3, 4))
    with pytest.raises(ValueError, match="does not fit"):
        ops.conv(rnd(1, 2, 2, 3), w)
    with pytest.raises(ValueError, match="padding"):
        ops.conv(x, w, padding="full")
    with pytest.raises(ValueError, match="strides"):
        ops.conv(x, w, strides=(1, 2, 3))
    with pytest.raises(TypeError, match="dtype"):
        ops.conv(x.astype(np.float64), w)
    assert ops.conv(x, w, data_format="channels_last").shape == (2, 6, 6, 4)

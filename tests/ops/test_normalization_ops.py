"""Normalization ops: values against the plain NumPy formulas of tests/numpy_reference.py (on both
kernel paths) and, on the same cases, values and gradients against PyTorch; float64 gradient
checks, dtypes and errors."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import Tensor, ops
from nerve.testing import gradcheck

R = np.random.default_rng(11)


def rnd(*shape):
    return R.standard_normal(shape)


def run(fn, arrays, upstream):
    """Values of fn and the gradients of every array, with nerve."""
    tensors = [None if a is None else Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(upstream)
    return out.numpy(), [None if t is None else t.grad.numpy() for t in tensors]


def run_torch(torch, fn, arrays, upstream):
    tensors = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), [None if t is None else t.grad.numpy() for t in tensors]


def assert_close(ours, theirs, tol):
    values, grads = ours
    ref_values, ref_grads = theirs
    np.testing.assert_allclose(values, ref_values, rtol=tol, atol=tol)
    for i, (g, ref) in enumerate(zip(grads, ref_grads)):
        if g is not None:
            np.testing.assert_allclose(g, ref, rtol=tol, atol=tol, err_msg=f"gradient of input {i}")


@pytest.fixture(params=["compiled", "numpy"])
def kernels(request, monkeypatch):
    """Run a test on both paths of batch and layer norm: numba-compiled (when numba is there) and NumPy."""
    if request.param == "compiled":
        pytest.importorskip("numba", reason="numba is not installed: compiled kernels not tested")
    monkeypatch.setenv("NERVE_NUMBA", "1" if request.param == "compiled" else "0")
    return request.param


def to_channels_first(torch, x):
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def to_channels_last(torch, x):
    return x.permute(0, *range(2, x.ndim), 1)


# ---- fused_batch_normalization (training) ------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((5, 3), -1), ((2, 3, 3, 4), -1), ((1, 3, 2, 5), 3),
                                        ((2, 3, 4), 1), ((3, 2, 2), (1, 2))])
@pytest.mark.parametrize("affine", [True, False])
def test_fused_batch_norm_gradients(kernels, shape, axis, affine):
    kept = [shape[a] for a in ((axis,) if isinstance(axis, int) else axis)]
    params = [R.uniform(0.5, 2, kept), rnd(*kept)] if affine else [None, None]
    fn = lambda x, *p: ops.fused_batch_normalization(x, *(p if affine else (None, None)), axis=axis, epsilon=1e-3)[0]
    assert gradcheck(fn, rnd(*shape), *[p for p in params if p is not None])


def test_fused_batch_norm_scale_only_and_offset_only(kernels):
    x = rnd(4, 3)
    assert gradcheck(lambda x, s: ops.fused_batch_normalization(x, s, None)[0], x, R.uniform(0.5, 2, 3))
    assert gradcheck(lambda x, b: ops.fused_batch_normalization(x, None, b)[0], x, rnd(3))


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 5, 4), (1, 4, 3, 6)])
@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-5), (np.float64, 1e-10)])
def test_fused_batch_norm_against_torch(torch, kernels, shape, dtype, tol):
    x, gamma, beta = rnd(*shape).astype(dtype) * 3 + 1, R.uniform(0.5, 2, shape[-1]).astype(dtype), rnd(shape[-1]).astype(dtype)
    g = rnd(*shape).astype(dtype)
    y, mean, var = ops.fused_batch_normalization(x, gamma, beta, epsilon=1e-3)
    assert y.dtype == mean.dtype == var.dtype == dtype
    assert not mean.requires_grad and not var.requires_grad and mean.shape == (shape[-1],)
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(mean.numpy(), x.mean(axes), rtol=tol, atol=tol)
    np.testing.assert_allclose(var.numpy(), x.var(axes), rtol=tol, atol=tol)   # biased

    def reference(x, w, b):
        out = torch.nn.functional.batch_norm(to_channels_first(torch, x), None, None, w, b, training=True, eps=1e-3)
        return to_channels_last(torch, out)

    ours = run(lambda *t: ops.fused_batch_normalization(*t, epsilon=1e-3)[0], [x, gamma, beta], g)
    assert all(grad.dtype == dtype for grad in ours[1])
    assert_close(ours, run_torch(torch, reference, [x, gamma, beta], g), tol)


def test_fused_batch_norm_channels_first_axis():
    x = rnd(3, 4, 2, 2)
    y = ops.fused_batch_normalization(x, None, None, axis=1, epsilon=0.0)[0].numpy()
    expected = (x - x.mean((0, 2, 3), keepdims=True)) / x.std((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_fused_batch_norm_rejects_wrong_parameter_shape():
    with pytest.raises(ValueError, match=r"fused_batch_normalization: scale must have shape \(4,\)"):
        ops.fused_batch_normalization(rnd(2, 4), np.ones(3), None)


# ---- batch_normalization (given statistics) -----------------------------------------------

@pytest.mark.parametrize("shape,axis", [((4, 3), -1), ((2, 3, 2, 3), 3), ((2, 3, 4), 1), ((1, 5), 1)])
def test_batch_normalization_gradients(shape, axis):
    c = shape[axis]
    inputs = [rnd(*shape), rnd(c), R.uniform(0.5, 2, c), rnd(c), R.uniform(0.5, 2, c)]
    assert gradcheck(lambda x, m, v, b, s: ops.batch_normalization(x, m, v, axis, b, s, epsilon=1e-3), *inputs)
    assert gradcheck(lambda x, m, v: ops.batch_normalization(x, m, v, axis), *inputs[:3])


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_batch_normalization_against_torch(torch, dtype, tol):
    c = 4
    arrays = [rnd(3, 2, 2, c), rnd(c), R.uniform(0.5, 2, c), rnd(c), R.uniform(0.5, 2, c)]
    arrays = [a.astype(dtype) for a in arrays]
    g = rnd(3, 2, 2, c).astype(dtype)

    def reference(x, m, v, b, s):
        return (x - m) / torch.sqrt(v + 1e-3) * s + b

    ours = run(lambda x, m, v, b, s: ops.batch_normalization(x, m, v, -1, offset=b, scale=s), arrays, g)
    assert ours[0].dtype == dtype
    assert_close(ours, run_torch(torch, reference, arrays, g), tol)
    y = torch.nn.functional.batch_norm(to_channels_first(torch, torch.tensor(arrays[0])), torch.tensor(arrays[1]),
                                       torch.tensor(arrays[2]), torch.tensor(arrays[4]), torch.tensor(arrays[3]),
                                       training=False, eps=1e-3)
    np.testing.assert_allclose(ours[0], to_channels_last(torch, y).numpy(), rtol=tol, atol=tol)


def test_batch_normalization_rejects_wrong_statistics_shape():
    with pytest.raises(ValueError, match="batch_normalization: variance must have shape"):
        ops.batch_normalization(rnd(2, 3), np.zeros(3), np.ones(2), axis=-1)


# ---- moments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("axes,keepdims", [((0,), False), ((0, 2), True), ([1], False), ((0, 1, 2), False)])
def test_moments(axes, keepdims):
    x = rnd(3, 4, 5)
    mean, var = ops.moments(x, axes, keepdims=keepdims)
    np.testing.assert_allclose(mean.numpy(), x.mean(tuple(axes), keepdims=keepdims))
    np.testing.assert_allclose(var.numpy(), x.var(tuple(axes), keepdims=keepdims))
    small = rnd(2, 3, 2)
    assert gradcheck(lambda t: ops.moments(t, axes, keepdims)[0], small)
    assert gradcheck(lambda t: ops.moments(t, axes, keepdims)[1], small)


# ---- layer, group, instance normalization ----------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((3, 5), -1), ((1, 4), -1), ((2, 3, 4), (1, 2)), ((2, 3, 4), 1)])
def test_layer_norm_gradients(kernels, shape, axis):
    axes = (axis,) if isinstance(axis, int) else axis
    kept = [shape[a] for a in axes]
    fn = lambda x, s, b: ops.layer_normalization(x, s, b, axis=axis, epsilon=1e-3)
    assert gradcheck(fn, rnd(*shape), R.uniform(0.5, 2, kept), rnd(*kept))
    assert gradcheck(lambda x: ops.layer_normalization(x, axis=axis), rnd(*shape))


@pytest.mark.parametrize("shape,axis", [((4, 7), -1), ((2, 5, 6), -1), ((2, 3, 4), (1, 2))])
@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-5), (np.float64, 1e-10)])
def test_layer_norm_against_torch(torch, kernels, shape, axis, dtype, tol):
    axes = (axis % len(shape),) if isinstance(axis, int) else axis
    kept = tuple(shape[a] for a in axes)
    arrays = [(rnd(*shape) * 2 + 1).astype(dtype), R.uniform(0.5, 2, kept).astype(dtype), rnd(*kept).astype(dtype)]
    g = rnd(*shape).astype(dtype)
    ours = run(lambda x, s, b: ops.layer_normalization(x, s, b, axis=axis, epsilon=1e-3), arrays, g)
    assert ours[0].dtype == dtype and all(grad.dtype == dtype for grad in ours[1])
    theirs = run_torch(torch, lambda x, s, b: torch.nn.functional.layer_norm(x, kept, s, b, eps=1e-3), arrays, g)
    assert_close(ours, theirs, tol)


@pytest.mark.parametrize("shape,groups", [((2, 3, 3, 6), 3), ((1, 5, 4), 2), ((3, 4), 2), ((2, 2, 3), 3), ((2, 2, 2), 1)])
def test_group_norm_gradients(shape, groups):
    c = shape[-1]
    fn = lambda x, s, b: ops.group_normalization(x, groups, s, b)
    assert gradcheck(fn, rnd(*shape), R.uniform(0.5, 2, c), rnd(c))
    assert gradcheck(lambda x: ops.group_normalization(x, groups), rnd(*shape))


@pytest.mark.parametrize("shape,groups", [((2, 5, 4, 6), 3), ((1, 7, 4), 2), ((3, 3, 4), 4)])
@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-5), (np.float64, 1e-10)])
def test_group_norm_against_torch(torch, shape, groups, dtype, tol):
    c = shape[-1]
    arrays = [(rnd(*shape) * 2 - 1).astype(dtype), R.uniform(0.5, 2, c).astype(dtype), rnd(c).astype(dtype)]
    g = rnd(*shape).astype(dtype)
    ours = run(lambda x, s, b: ops.group_normalization(x, groups, s, b, epsilon=1e-3), arrays, g)
    assert ours[0].dtype == dtype

    def reference(x, s, b):
        out = torch.nn.functional.group_norm(to_channels_first(torch, x), groups, s, b, eps=1e-3)
        return to_channels_last(torch, out)

    assert_close(ours, run_torch(torch, reference, arrays, g), tol)


def test_group_norm_rejects_groups_that_do_not_divide_channels():
    with pytest.raises(ValueError, match="group_normalization: groups must be a positive divisor of the number of channels 6"):
        ops.group_normalization(rnd(2, 3, 6), 4)


@pytest.mark.parametrize("shape", [(2, 3, 3, 2), (1, 5, 3), (2, 2, 2, 2, 1)])
def test_instance_norm_gradients(shape):
    c = shape[-1]
    assert gradcheck(lambda x, s, b: ops.instance_normalization(x, s, b), rnd(*shape), R.uniform(0.5, 2, c), rnd(c))


@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-5), (np.float64, 1e-10)])
def test_instance_norm_against_torch_and_group_norm(torch, dtype, tol):
    shape = (3, 5, 4, 3)
    arrays = [(rnd(*shape) * 2).astype(dtype), R.uniform(0.5, 2, 3).astype(dtype), rnd(3).astype(dtype)]
    g = rnd(*shape).astype(dtype)
    ours = run(lambda x, s, b: ops.instance_normalization(x, s, b, epsilon=1e-3), arrays, g)

    def reference(x, s, b):
        out = torch.nn.functional.instance_norm(to_channels_first(torch, x), weight=s, bias=b, eps=1e-3)
        return to_channels_last(torch, out)

    assert_close(ours, run_torch(torch, reference, arrays, g), tol)
    as_groups = ops.group_normalization(arrays[0], 3, arrays[1], arrays[2]).numpy()
    np.testing.assert_allclose(ours[0], as_groups, rtol=tol, atol=tol)


# ---- the same cases against the plain NumPy formulas (no optional package needed) ---------------

DTYPES = [(np.float32, 2e-5), (np.float64, 1e-10)]


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 5, 4), (1, 4, 3, 6)])
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_fused_batch_norm_matches_numpy_reference(kernels, shape, dtype, tol):
    x, gamma, beta = rnd(*shape) * 3 + 1, R.uniform(0.5, 2, shape[-1]), rnd(shape[-1])
    y, mean, var = ops.fused_batch_normalization(*(a.astype(dtype) for a in (x, gamma, beta)), epsilon=1e-3)
    axes = tuple(range(len(shape) - 1))
    assert y.dtype == mean.dtype == var.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, axes, gamma, beta), rtol=tol, atol=tol)
    np.testing.assert_allclose(mean.numpy(), x.mean(axes), rtol=tol, atol=tol)
    np.testing.assert_allclose(var.numpy(), ((x - x.mean(axes)) ** 2).mean(axes), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,axis", [((4, 7), -1), ((2, 5, 6), -1), ((2, 3, 4), (1, 2))])
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_layer_norm_matches_numpy_reference(kernels, shape, axis, dtype, tol):
    axes = (axis % len(shape),) if isinstance(axis, int) else axis
    kept = tuple(shape[a] for a in axes)
    x, gamma, beta = rnd(*shape) * 2 + 1, R.uniform(0.5, 2, kept), rnd(*kept)
    y = ops.layer_normalization(*(a.astype(dtype) for a in (x, gamma, beta)), axis=axis, epsilon=1e-3)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, axes, gamma, beta), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape,groups", [((2, 5, 4, 6), 3), ((1, 7, 4), 2), ((3, 3, 4), 4)])
@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_group_norm_matches_numpy_reference(shape, groups, dtype, tol):
    x, gamma, beta = rnd(*shape) * 2 - 1, R.uniform(0.5, 2, shape[-1]), rnd(shape[-1])
    y = ops.group_normalization(x.astype(dtype), groups, gamma.astype(dtype), beta.astype(dtype), epsilon=1e-3)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ref.group_norm(x, groups, gamma, beta), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_instance_norm_matches_numpy_reference(dtype, tol):
    x, gamma, beta = rnd(3, 5, 4, 3) * 2, R.uniform(0.5, 2, 3), rnd(3)
    y = ops.instance_normalization(*(a.astype(dtype) for a in (x, gamma, beta)), epsilon=1e-3)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ref.normalize(x, (1, 2), gamma, beta), rtol=tol, atol=tol)


def test_compiled_kernels_are_used_for_channels_last_batch_norm_and_layer_norm(monkeypatch):
    pytest.importorskip("numba", reason="numba is not installed: compiled kernels not tested")
    from nerve.ops import compiled
    monkeypatch.setenv("NERVE_NUMBA", "1")
    real, calls = compiled.kernels("normalization_numba"), []

    class Spy:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    monkeypatch.setitem(compiled._loaded, "normalization_numba", Spy())
    x = Tensor(rnd(2, 3, 4).astype(np.float32), requires_grad=True)
    ops.fused_batch_normalization(x, np.ones(4, np.float32), None)[0].sum().backward()
    ops.layer_normalization(x, None, np.zeros((3, 4), np.float32), axis=(1, 2)).sum().backward()
    ops.fused_batch_normalization(x, None, None, axis=1)[0].sum().backward()     # channels not last: NumPy
    assert [c for c in calls if "_" in c] == ["columns_moments", "columns_finish", "columns_apply",
                                              "columns_grad_sums", "columns_grad_finish", "columns_grad_apply",
                                              "rows_forward", "rows_backward"]


@pytest.mark.parametrize("threads", ["2", "3"])
def test_compiled_batch_norm_on_threads_equals_one_thread(monkeypatch, threads):
    """Batch norm's compiled passes on ranges of rows at once (moments merged across ranges, gradient
    sums added) give the one-thread values to float32 rounding, and the float64 reference."""
    pytest.importorskip("numba", reason="numba is not installed: compiled kernels not tested")
    from nerve.ops import cpu_threads
    monkeypatch.setenv("NERVE_NUMBA", "1")
    monkeypatch.setattr(cpu_threads, "ELEMENTS", 1)
    x = (rnd(7, 9, 11, 5) * 3 + 50).astype(np.float32)      # 693 rows: ranges across 256-row blocks
    gamma, beta = rnd(5).astype(np.float32), rnd(5).astype(np.float32)
    gy = rnd(7, 9, 11, 5).astype(np.float32)

    def run():
        ts = [Tensor(v, requires_grad=True) for v in (x, gamma, beta)]
        y, mean, var = ops.fused_batch_normalization(*ts, epsilon=1e-3)
        (y * Tensor(gy)).sum().backward()
        return [y.numpy(), mean.numpy(), var.numpy()] + [t.grad.numpy() for t in ts]

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = run()
    monkeypatch.setenv("OMP_NUM_THREADS", threads)
    many = run()
    for got, want in zip(many, one):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(many[1].reshape(-1), x64.mean(axis=(0, 1, 2)), rtol=1e-6)
    np.testing.assert_allclose(many[2].reshape(-1), x64.var(axis=(0, 1, 2)), rtol=1e-4)


def test_batch_norm_of_a_large_mean_keeps_its_precision(kernels):
    x = (rnd(300, 3) + 1e4).astype(np.float32)
    y, mean, var = ops.fused_batch_normalization(x, None, None, epsilon=0.0)
    x64 = x.astype(np.float64)
    # float32 holds 1e4 to ~1e-3, so the mean can be off by that much; E[x²] − E[x]² would lose σ² entirely
    np.testing.assert_allclose(mean.numpy(), x64.mean(0), rtol=1e-6)
    np.testing.assert_allclose(var.numpy(), x64.var(0), rtol=2e-2)
    np.testing.assert_allclose(y.numpy(), (x64 - x64.mean(0)) / x64.std(0), atol=2e-2)


def test_normalizations_keep_float32(kernels):
    x = Tensor(rnd(2, 3, 3, 4).astype(np.float32), requires_grad=True)
    s = Tensor(np.ones(4, np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    for fn in (lambda: ops.fused_batch_normalization(x, s, b)[0], lambda: ops.layer_normalization(x, s, b),
               lambda: ops.group_normalization(x, 2, s, b), lambda: ops.instance_normalization(x, s, b),
               lambda: ops.batch_normalization(x, b, s, -1, b, s), lambda: ops.moments(x, (0, 1))[1]):
        x.grad = s.grad = b.grad = None
        y = fn()
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32
        assert s.grad is None or s.grad.dtype == np.float32

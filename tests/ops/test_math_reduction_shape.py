"""Gradient checks (float64 central differences) of the arithmetic, reduction and shape ops,
and value checks against NumPy (and Python's math.erf; PyTorch's erf as a second oracle)."""

import math

import numpy as np
import pytest

import nerve
from nerve import Tensor, ops
from nerve.testing import gradcheck

R = np.random.default_rng(1)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def rnd(*shape):
    return R.standard_normal(shape)


BINARY = [
    ("add", ops.add), ("subtract", ops.subtract), ("multiply", ops.multiply),
    ("divide", ops.divide), ("power", ops.power), ("maximum", ops.maximum), ("minimum", ops.minimum),
]
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1,), (5,)), ((), (2, 2))]


@pytest.mark.parametrize("name,op", BINARY)
@pytest.mark.parametrize("s1,s2", SHAPE_PAIRS)
def test_binary_gradients_with_broadcasting(name, op, s1, s2):
    assert gradcheck(op, pos(*s1), pos(*s2))


UNARY = [
    (ops.exp, rnd), (ops.log, pos), (ops.log1p, pos), (ops.sqrt, pos), (ops.square, rnd),
    (ops.abs, rnd), (ops.negative, rnd), (lambda x: ops.clip(x, -0.5, 0.5), rnd), (ops.erf, rnd),
]


@pytest.mark.parametrize("op,make", UNARY)
@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 4)])
def test_unary_gradients(op, make, shape):
    assert gradcheck(op, make(*shape))


def test_erf_matches_math_erf_and_keeps_float32():
    x = np.concatenate([rnd(50) * 3, [0.0, -6.0, 6.0, 1e-8]])
    np.testing.assert_allclose(ops.erf(x).numpy(), [math.erf(v) for v in x], rtol=1e-14, atol=1e-15)
    assert ops.erf(np.ones(3, np.float32)).dtype == np.float32 and ops.erf([0, 1]).dtype == nerve.config.floatx()


def test_erf_against_torch(torch):
    x = np.concatenate([rnd(50) * 3, [0.0, -6.0, 6.0, 1e-8]])
    g = rnd(len(x))
    ours = Tensor(x, requires_grad=True)
    (ops.erf(ours) * Tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    (torch.erf(theirs) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ops.erf(x).numpy(), torch.erf(torch.tensor(x)).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-13, atol=1e-15)
    assert ops.erf(np.ones(3, np.float32)).dtype == np.float32 and ops.erf([0, 1]).dtype == nerve.config.floatx()


@pytest.mark.parametrize("fn", ["sum", "mean", "max", "min", "var", "std", "logsumexp"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, False)])
def test_reductions(fn, axis, keepdims):
    x = rnd(3, 4, 5)
    op = getattr(ops, fn)
    assert gradcheck(lambda t: op(t, axis=axis, keepdims=keepdims), x)
    if fn == "logsumexp":
        expected = np.log(np.exp(x).sum(axis=axis, keepdims=keepdims))
    else:
        expected = getattr(np, fn)(x, axis=axis, keepdims=keepdims)
    assert np.allclose(op(Tensor(x), axis=axis, keepdims=keepdims).numpy(), expected)


def test_max_splits_gradient_over_ties():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    ops.max(x).backward()
    assert np.allclose(x.grad.numpy(), [0, 0.5, 0.5])


def test_logsumexp_is_stable():
    x = Tensor(np.array([1000.0, 1000.0]))
    assert np.isclose(ops.logsumexp(x).item(), 1000 + np.log(2))


@pytest.mark.parametrize("a,b", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
                                 ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4,))])
def test_matmul(a, b):
    x, y = rnd(*a), rnd(*b)
    assert np.allclose(ops.matmul(x, y).numpy(), x @ y)
    assert gradcheck(ops.matmul, x, y)


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(3, 4\).*\(5, 2\)"):
        ops.matmul(np.ones((3, 4)), np.ones((5, 2)))


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(3, 4\).*\(5,\)"):
        ops.add(np.ones((3, 4)), np.ones(5))


@pytest.mark.parametrize("spec,shapes", [("ij,jk->ik", [(3, 4), (4, 2)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
                                         ("ij->j", [(3, 4)]), ("i,j->ij", [(3,), (4,)]), ("ijk,k->i", [(2, 3, 4), (4,)])])
def test_einsum(spec, shapes):
    arrays = [rnd(*s) for s in shapes]
    assert np.allclose(ops.einsum(spec, *arrays).numpy(), np.einsum(spec, *arrays))
    assert gradcheck(lambda *t: ops.einsum(spec, *t), *arrays)


def test_where_gradients():
    cond = R.standard_normal((3, 4)) > 0
    assert gradcheck(lambda a, b: ops.where(cond, a, b), rnd(3, 4), rnd(4))


SHAPE_OPS = [
    (lambda x: ops.reshape(x, (4, -1)), (2, 3, 4)),
    (lambda x: ops.transpose(x, (2, 0, 1)), (2, 3, 4)),
    (lambda x: x.T, (3, 4)),
    (lambda x: ops.expand_dims(x, 1), (3, 4)),
    (lambda x: ops.squeeze(x, 1), (3, 1, 4)),
    (lambda x: ops.concatenate([x, x * 2], axis=1), (2, 3)),
    (lambda x: ops.stack([x, x * 3], axis=-1), (2, 3)),
    (lambda x: ops.split(x, 3, axis=1)[1] * ops.split(x, [1], axis=0)[0][:, :2], (2, 6)),
    (lambda x: ops.pad(x, [(1, 2), (0, 1)]), (2, 3)),
    (lambda x: ops.tile(x, (2, 3)), (2, 3)),
    (lambda x: ops.repeat(x, 3, axis=1), (2, 3)),
    (lambda x: ops.repeat(x, [1, 0, 2], axis=1), (2, 3)),
    (lambda x: ops.take(x, np.array([0, 2, 2]), axis=1), (2, 3)),
    (lambda x: ops.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1), (2, 3)),
    (lambda x: x[1:, ::2], (3, 4)),
    (lambda x: x[np.array([0, 0, 2])], (3, 4)),
    (lambda x: x[x.numpy() > 0], (3, 4)),
    (lambda x: x[:, None, 1], (3, 4)),
    (lambda x: ops.broadcast_to(x, (2, 3, 4)), (3, 1)),
    (lambda x: ops.moveaxis(x, 0, -1), (2, 3, 4)),
]


@pytest.mark.parametrize("op,shape", SHAPE_OPS)
def test_shape_op_gradients(op, shape):
    assert gradcheck(op, rnd(*shape))


def test_scatter_adds_duplicates():
    indices = np.array([[0, 1], [0, 1], [2, 0]])
    values = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = ops.scatter(indices, values, (3, 2))
    assert np.allclose(out.numpy(), [[0, 3], [0, 0], [3, 0]])
    assert gradcheck(lambda v: ops.scatter(indices, v, (3, 2)), np.array([1.0, 2.0, 3.0]))


def test_one_hot_and_values():
    assert np.array_equal(ops.one_hot(np.array([0, 2]), 3).numpy(), [[1, 0, 0], [0, 0, 1]])
    x = rnd(2, 3)
    assert np.allclose(ops.tile(x, 2).numpy(), np.tile(x, 2))
    assert np.allclose(ops.pad(x, [(1, 1), (2, 0)]).numpy(), np.pad(x, [(1, 1), (2, 0)]))


def test_reshape_error():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4, 2\)"):
        ops.reshape(np.ones((2, 3)), (4, 2))


def test_indexing_gradient_scatter_adds():
    x = Tensor(np.zeros(3), requires_grad=True)
    x[np.array([0, 0, 1])].sum().backward()
    assert np.allclose(x.grad.numpy(), [2, 1, 0])


# ---- fast paths: a short vector broadcast over a large array, sums over leading axes ----------

BIAS_SHAPES = [((64, 28, 28, 6), (6,)), ((6,), (64, 28, 28, 6)), ((32, 16, 16, 32), (1, 1, 32)),
               ((40, 30, 20), (30, 20)), ((20000, 1), (1,)), ((64, 28, 28, 6), (1, 28, 1, 6))]


@pytest.mark.parametrize("name", ["add", "subtract", "multiply"])
@pytest.mark.parametrize("s1,s2", BIAS_SHAPES)
def test_short_vector_broadcast_matches_numpy(name, s1, s2):
    a, b = rnd(*s1).astype(np.float32), rnd(*s2).astype(np.float32)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    y = getattr(ops, name)(ta, tb)
    assert y.dtype == np.float32 and np.array_equal(y.numpy(), getattr(np, name)(a, b))
    gy = rnd(*y.shape).astype(np.float32)
    y.backward(gy)
    sign = -1 if name == "subtract" else 1
    ga = gy * b if name == "multiply" else gy
    gb = gy * a if name == "multiply" else sign * gy
    expect_a, expect_b = _unbroadcast(ga, a.shape), _unbroadcast(gb, b.shape)
    assert ta.grad.dtype == tb.grad.dtype == np.float32
    assert np.allclose(ta.grad.numpy(), expect_a, rtol=1e-4, atol=1e-3)
    assert np.allclose(tb.grad.numpy(), expect_b, rtol=1e-4, atol=1e-3)


def _unbroadcast(g, shape):
    """NumPy reference of autodiff.sum_to: sum g over the axes broadcasting added or stretched."""
    lead = g.ndim - len(shape)
    stretched = [i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1]
    return g.sum(axis=tuple(range(lead)) + tuple(stretched), keepdims=True).reshape(shape)


def test_short_vector_broadcast_gradcheck(monkeypatch):
    from nerve.ops import math
    monkeypatch.setattr(math, "_WORTH_TILING", 8)      # take the tiled path on gradcheck-sized arrays
    monkeypatch.setattr(math, "_SHORT_ROW", 6)
    for s1, s2 in [((2, 3, 2, 2), (2,)), ((2,), (3, 2, 3, 2)), ((3, 2, 2), (2, 2))]:
        for op in (ops.add, ops.subtract, ops.multiply):
            assert gradcheck(op, rnd(*s1), rnd(*s2))


@pytest.mark.parametrize("shape,count", [((64, 28, 28, 6), 3), ((128, 10), 1), ((7, 5, 3), 2), ((4, 0, 3), 2)])
def test_sum_over_leading_axes(shape, count):
    from nerve.autodiff import sum_leading_axes
    x = rnd(*shape).astype(np.float32)
    expected = x.astype(np.float64).sum(axis=tuple(range(count)))
    for array in (x, np.broadcast_to(x[:1], x.shape), x.astype(np.int64), x.astype(np.float16)):
        got = sum_leading_axes(array, count)
        assert got.shape == shape[count:] and got.dtype == array.sum(axis=0).dtype
    got = sum_leading_axes(x, count)
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-3)
    y = ops.sum(Tensor(x), axis=tuple(range(count)), keepdims=True)
    assert y.shape == (1,) * count + shape[count:] and np.allclose(y.numpy(), expected.reshape(y.shape), atol=1e-3)
    assert np.allclose(ops.mean(Tensor(x), axis=0).numpy(), x.mean(axis=0), atol=1e-5)


def test_mean_of_float16_accumulates_in_float32():
    x = np.full(100000, 1.0, dtype=np.float16)        # its float16 sum would overflow to inf
    y = ops.mean(Tensor(x))
    assert y.dtype == np.float16 and float(y.numpy()) == 1.0


def test_cast_passes_the_gradient_back_in_the_source_dtype():
    # linear, so a large step is exact: it keeps float32 rounding out of the central differences
    assert gradcheck(lambda t: ops.cast(ops.cast(t, "float32"), "float64") * 2.0, rnd(3, 4), eps=1e-2)
    x = Tensor(rnd(2, 3), requires_grad=True)
    (ops.cast(x, "float32") * 3).sum().backward()
    assert x.grad.dtype == np.float64 and np.allclose(x.grad.numpy(), 3)


def test_dot_is_matmul_with_its_gradients():
    a, b = rnd(3, 4), rnd(4, 2)
    assert np.allclose(ops.dot(a, b).numpy(), a @ b)
    assert gradcheck(ops.dot, a, b) and gradcheck(ops.dot, rnd(4), rnd(4, 2))


def test_sign_eye_and_ones_like_values():
    x = np.array([-2.0, 0.0, 3.5])
    np.testing.assert_array_equal(ops.sign(x).numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, k=1))
    assert ops.eye(2).dtype == np.float32
    ones = ops.ones_like(Tensor(np.zeros((2, 3), np.int32)))
    assert ones.dtype == np.int32 and ones.numpy().tolist() == [[1, 1, 1], [1, 1, 1]]

"""Gradient checks (float64 central differences) of the arithmetic, reduction and shape ops,
and value checks against NumPy."""

import numpy as np
import pytest

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
    (ops.abs, rnd), (ops.negative, rnd), (lambda x: ops.clip(x, -0.5, 0.5), rnd),
]


@pytest.mark.parametrize("op,make", UNARY)
@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 4)])
def test_unary_gradients(op, make, shape):
    assert gradcheck(op, make(*shape))


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

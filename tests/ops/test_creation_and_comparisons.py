"""Ops without gradients (comparisons, arg-reductions, creation) and the keras.ops aliases."""

import numpy as np
import pytest

from nerve import Tensor, ops


@pytest.mark.parametrize("name", ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"])
def test_comparisons_match_numpy(name):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    out = getattr(ops, name)(a, b)
    assert out.dtype == bool and np.array_equal(out.numpy(), getattr(np, name)(a, b))
    assert not out.requires_grad


def test_logical_ops_and_arg_reductions():
    a, b = np.array([True, False, True]), np.array([True, True, False])
    assert np.array_equal(ops.logical_and(a, b).numpy(), [True, False, False])
    assert np.array_equal(ops.logical_or(a, b).numpy(), [True, True, True])
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    assert np.array_equal(ops.argmin(x, axis=1).numpy(), [1, 0])
    assert np.array_equal(ops.argmax(x, axis=1).numpy(), [0, 1])


def test_aliases_are_the_same_ops():
    x = np.array([-1.0, 2.0])
    assert np.array_equal(ops.absolute(x).numpy(), ops.abs(x).numpy())
    assert ops.amax(x).item() == 2.0 and ops.amin(x).item() == -1.0
    assert np.allclose(ops.true_divide(x, 2.0).numpy(), [-0.5, 1.0])
    assert ops.scatter_add is ops.scatter


def test_stop_gradient_cuts_the_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (ops.stop_gradient(x * 3) * x).sum()
    y.backward()
    assert np.allclose(x.grad.numpy(), [3.0, 6.0])   # only the un-stopped factor


def test_creation_and_conversion():
    assert ops.zeros((2, 3)).dtype == np.float32
    assert np.array_equal(ops.zeros_like(np.ones((2, 2), dtype=np.int64)).numpy(), np.zeros((2, 2)))
    t = ops.convert_to_tensor([1, 2], dtype="float32")
    assert isinstance(t, Tensor) and t.dtype == np.float32
    assert isinstance(ops.convert_to_numpy(t), np.ndarray)


def test_arange_dtypes_follow_keras():
    assert ops.arange(5).dtype == np.int32 and ops.arange(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert ops.arange(16.0).dtype == np.float32                   # floatx, not NumPy's float64
    np.testing.assert_array_equal(ops.arange(0, 1, 0.25).numpy(), [0, 0.25, 0.5, 0.75])
    assert ops.arange(3, dtype="float64").dtype == np.float64
    assert ops.arange(1, 7, 2).numpy().tolist() == [1, 3, 5]

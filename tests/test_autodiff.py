import math

import numpy as np
import pytest

import nerve
from nerve import Tensor, ops


def test_chain_rule_through_shared_subexpression():
    x = Tensor(3.0, requires_grad=True)
    y = x * x          # used twice below: gradients must add up
    z = y + y * x      # z = x² + x³
    z.backward()
    assert x.grad.item() == pytest.approx(2 * 3 + 3 * 9)


def test_broadcast_gradient_is_summed_to_input_shape():
    a = Tensor(np.ones((4, 3)), requires_grad=True)
    b = Tensor(np.ones((3,)), requires_grad=True)
    c = Tensor(np.ones((4, 1)), requires_grad=True)
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and np.allclose(b.grad.numpy(), 4)
    assert c.grad.shape == (4, 1) and np.allclose(c.grad.numpy(), 3)


def test_long_chain_does_not_recurse():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_second_backward_needs_retain_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    x2 = Tensor([1.0, 2.0], requires_grad=True)
    y2 = (x2 * x2).sum()
    y2.backward(retain_graph=True)
    y2.backward()
    assert np.allclose(x2.grad.numpy(), [4.0, 8.0])   # accumulated twice


def test_grad_function_leaves_dot_grad_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    gx, gh = nerve.grad(y, [x, h])
    assert np.allclose(gx.numpy(), 18 * np.array([1.0, 2.0]))
    assert np.allclose(gh.numpy(), 2 * 3 * np.array([1.0, 2.0]))
    assert x.grad is None


def test_grad_of_unused_input_is_none():
    x = Tensor([1.0], requires_grad=True)
    unused = Tensor([1.0], requires_grad=True)
    assert nerve.grad((x * 2).sum(), [x, unused])[1] is None


def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with nerve.no_grad():
        y = x * 2
    assert not y.requires_grad and y.creator is None


def test_non_scalar_backward_needs_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    (x * 2).backward(grad=np.array([1.0, 10.0], dtype=np.float32))
    assert np.allclose(x.grad.numpy(), [2.0, 20.0])


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="int"):
        Tensor([1, 2, 3], requires_grad=True)


def test_float32_stays_float32():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (x * 2 + 1.5) / 3 - 1
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_check_numerics_names_the_op():
    nerve.config.check_numerics(True)
    try:
        with pytest.raises(FloatingPointError, match="Log"):
            with np.errstate(all="ignore"):
                ops.log(Tensor([-1.0]))
    finally:
        nerve.config.check_numerics(False)


def test_seed_makes_draws_reproducible():
    nerve.utils.set_random_seed(7)
    a = nerve.backend.rng().standard_normal(3)
    nerve.utils.set_random_seed(7)
    assert np.array_equal(a, nerve.backend.rng().standard_normal(3))


def test_tensor_attributes():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.dtype == np.float64    # arrays keep their dtype
    assert Tensor([1.0]).dtype == np.float32   # Python floats become floatx
    assert x.sum().item() == 15.0
    assert isinstance(x.numpy(), np.ndarray)
    assert (x > 2).dtype == bool


def test_variable_assign_and_trainable():
    v = nerve.Variable(np.zeros((2, 2), dtype=np.float32), name="w")
    assert v.requires_grad
    v.assign(np.ones((2, 2)))
    assert v.numpy().sum() == 4
    with pytest.raises(ValueError, match="shape"):
        v.assign(np.ones(3))
    v.trainable = False
    assert not v.requires_grad


def test_gradcheck_reports_a_wrong_gradient():
    from nerve.autodiff import Function
    from nerve.testing import gradcheck

    class WrongSquare(Function):
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, gy):
            return (gy * self.x,)     # missing factor 2

    with pytest.raises(AssertionError, match="worst mismatch"):
        gradcheck(lambda x: WrongSquare()(x), np.array([1.0, 2.0]))


def test_gradients_handed_out_own_their_buffers():
    # Add hands the same gy to both inputs; each .grad / grad() result must be its own array
    a, b, c = (nerve.Variable(np.ones(3, "float32")) for _ in range(3))
    ops.sum((a + b) * c).backward()
    assert a.grad.data is not b.grad.data
    a.grad.data[...] += 5                       # an in-place update of one leaves the other alone
    np.testing.assert_array_equal(b.grad.data, np.ones(3, "float32"))
    ga, gb = nerve.grad(ops.sum(a + b), [a, b])
    assert ga.data is not gb.data and not np.shares_memory(ga.data, gb.data)
    seed = np.ones(3, "float32")
    x = nerve.Variable(np.zeros(3, "float32"))
    (x + 0.0).backward(seed)                    # a caller's seed passing straight through
    assert not np.shares_memory(x.grad.data, seed)
    y = nerve.Variable(np.ones((2, 3), "float32"))
    (gy,) = nerve.grad(ops.sum(y), [y])          # Sum's backward is a broadcast (read-only) view
    gy.data[...] *= 2
    np.testing.assert_array_equal(gy.data, np.full((2, 3), 2, "float32"))


@pytest.mark.parametrize("shape,count", [((128, 28, 28, 6), 3), ((5, 3), 1), ((7, 5, 3), 1), ((6, 4, 600), 2),
                                         ((12,), 1), ((3, 0, 2), 1)])
def test_sum_leading_axes_is_the_sum(shape, count):
    """The folded sum (rows paired up before summing) equals the float64 sum, to float32 rounding."""
    from nerve.autodiff import sum_leading_axes
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    got = sum_leading_axes(x, count)
    want = x.astype(np.float64).sum(axis=tuple(range(count)))
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=2e-6)
    ints = np.arange(math.prod(shape)).reshape(shape)
    np.testing.assert_array_equal(sum_leading_axes(ints, count), ints.sum(axis=tuple(range(count))))

"""Activations: float64 gradient checks, values and gradients against PyTorch, stability and dtypes.
(Every elementwise activation's values against its textbook formula: tests/ops/test_against_numpy_reference.py.)"""

import math

import numpy as np
import pytest

import numpy_reference as ref
from nerve import Tensor, ops
from nerve.ops.activations import _erf
from nerve.testing import gradcheck

R = np.random.default_rng(7)
KINKS = {"relu": [0], "relu6": [0, 6], "leaky_relu": [0], "elu": [0], "selu": [0],
         "hard_sigmoid": [-3, 3], "hard_silu": [-3, 3]}


def away_from(x, kinks, gap=1e-2):
    """Move points within ``gap`` of a kink out of its neighbourhood (finite differences straddle it)."""
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + gap * np.where(x[near] >= k, 1, -1) * 2
    return x


def sample(name, *shape):
    return away_from(R.uniform(-5, 8, shape), KINKS.get(name, []))


# name -> (nerve op, torch reference as a function of (torch, tensor))
ELEMENTWISE = {
    "sigmoid": (ops.sigmoid, lambda t, x: t.sigmoid(x)),
    "log_sigmoid": (ops.log_sigmoid, lambda t, x: t.nn.functional.logsigmoid(x)),
    "tanh": (ops.tanh, lambda t, x: t.tanh(x)),
    "relu": (ops.relu, lambda t, x: t.relu(x)),
    "relu6": (ops.relu6, lambda t, x: t.nn.functional.relu6(x)),
    "leaky_relu": (ops.leaky_relu, lambda t, x: t.nn.functional.leaky_relu(x, 0.2)),
    "elu": (ops.elu, lambda t, x: t.nn.functional.elu(x)),
    "selu": (ops.selu, lambda t, x: t.selu(x)),
    "gelu": (ops.gelu, lambda t, x: t.nn.functional.gelu(x, approximate="tanh")),
    "gelu_exact": (lambda x: ops.gelu(x, approximate=False), lambda t, x: t.nn.functional.gelu(x)),
    "softplus": (ops.softplus, lambda t, x: t.nn.functional.softplus(x, threshold=1000)),
    "softsign": (ops.softsign, lambda t, x: t.nn.functional.softsign(x)),
    "silu": (ops.silu, lambda t, x: t.nn.functional.silu(x)),
    "hard_sigmoid": (ops.hard_sigmoid, lambda t, x: t.nn.functional.hardsigmoid(x)),
    "hard_silu": (ops.hard_silu, lambda t, x: t.nn.functional.hardswish(x)),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 1, 3)])
def test_elementwise_gradients(name, shape):
    assert gradcheck(ELEMENTWISE[name][0], sample(name, *shape))


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-6), (np.float64, 1e-12)])
def test_elementwise_against_torch(torch, name, dtype, tol):
    op, reference = ELEMENTWISE[name]
    if name == "hard_sigmoid":
        tol = max(tol, 1e-7)      # PyTorch's backward multiplies by 1/6 rounded to float32
    x = np.concatenate([sample(name, 60), [0.0, -3.0, 3.0, 6.0, -40.0, 40.0]]).astype(dtype)
    g = R.standard_normal(x.shape).astype(dtype)
    xn = Tensor(x, requires_grad=True)
    y = op(xn)
    y.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = reference(torch, xt)
    yt.backward(torch.tensor(g))
    assert y.dtype == dtype and xn.grad.dtype == dtype
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


def test_kink_conventions():
    x = Tensor(np.array([0.0, 6.0, -3.0, 3.0]), requires_grad=True)
    for op, expected in [(ops.relu, [0, 1, 0, 1]), (ops.relu6, [0, 0, 0, 1]),
                         (ops.leaky_relu, [0.2, 1, 0.2, 1]), (ops.hard_sigmoid, [1 / 6, 0, 0, 0])]:
        x.grad = None
        op(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected, err_msg=op.__name__)


def test_keras_defaults_and_formulas():
    x = np.array([-7.0, -2.0, -0.5, 0.0, 1.5, 4.0])
    np.testing.assert_allclose(ops.leaky_relu(x).numpy(), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(ops.hard_sigmoid(x).numpy(), np.clip(x + 3, 0, 6) / 6)
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(ops.gelu(x).numpy(), tanh_form)
    np.testing.assert_allclose(ops.swish(x).numpy(), ops.silu(x).numpy())
    np.testing.assert_allclose(ops.elu(x, alpha=0.5).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)))


def test_erf_matches_math_erf():
    x = np.linspace(-8, 8, 4001)
    np.testing.assert_allclose(_erf(x), [math.erf(v) for v in x], rtol=0, atol=5e-16)
    assert _erf(x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("name", ["sigmoid", "log_sigmoid", "softplus", "silu", "elu", "selu", "gelu_exact"])
def test_large_inputs_give_finite_values_without_warnings(name):
    for dtype in (np.float32, np.float64):
        x = Tensor(np.array([-1000.0, -100.0, 100.0, 1000.0], dtype=dtype), requires_grad=True)
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            y = ELEMENTWISE[name][0](x)
            y.sum().backward()
        assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(ops.sigmoid(np.array([-1000.0, 1000.0])).numpy(), [0, 1], atol=1e-300)


@pytest.mark.parametrize("op_name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,axis", [((1, 4), -1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), (0, 2))])
def test_softmax_gradients(op_name, shape, axis):
    op = getattr(ops, op_name)
    assert gradcheck(lambda t: op(t, axis=axis), R.standard_normal(shape) * 2)


@pytest.mark.parametrize("op_name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_softmax_matches_numpy_reference(op_name, axis, dtype, tol):
    x = (R.standard_normal((4, 7, 5)) * 3).astype(dtype)
    log_p = ref.log_softmax(x, axis)
    y = getattr(ops, op_name)(x, axis=axis)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), log_p if op_name == "log_softmax" else np.exp(log_p), rtol=tol, atol=tol)


@pytest.mark.parametrize("op_name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-12)])
def test_softmax_against_torch(torch, op_name, axis, dtype, tol):
    x = (R.standard_normal((4, 7, 5)) * 3).astype(dtype)
    g = R.standard_normal(x.shape).astype(dtype)
    xn = Tensor(x, requires_grad=True)
    y = getattr(ops, op_name)(xn, axis=axis)
    y.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(torch, op_name)(xt, dim=axis)
    yt.backward(torch.tensor(g))
    assert y.dtype == dtype and xn.grad.dtype == dtype
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol * 10)


def test_softmax_over_several_axes():
    x = R.standard_normal((2, 3, 4))
    e = np.exp(x)
    np.testing.assert_allclose(ops.softmax(x, axis=(0, 2)).numpy(), e / e.sum(axis=(0, 2), keepdims=True))


@pytest.mark.parametrize("op_name", ["softmax", "log_softmax"])
def test_softmax_is_stable_on_huge_logits(op_name):
    x = Tensor(np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, 999.0]], dtype=np.float32), requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = getattr(ops, op_name)(x)
        (y * Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))).sum().backward()
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad.numpy()).all()
    expected = np.array([[0.0, -2000.0, -1000.0], [-np.log(2 + np.exp(-1))] * 2 + [-1 - np.log(2 + np.exp(-1))]])
    if op_name == "log_softmax":
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    else:
        np.testing.assert_allclose(y.numpy(), np.exp(expected), rtol=1e-6, atol=1e-30)


def test_step_is_heaviside_with_step_0_equal_1_and_no_gradient():
    x = Tensor(np.array([-2.0, -1e-9, 0.0, 3.0], dtype=np.float32), requires_grad=True)
    y = ops.step(x)
    np.testing.assert_array_equal(y.numpy(), [0, 0, 1, 1])
    assert y.dtype == np.float32 and not y.requires_grad
    assert ops.step(np.array([-1, 0, 2])).dtype == np.float32


def test_maxout_values_gradient_and_errors():
    x = R.standard_normal((3, 2, 6))
    expected = x.reshape(3, 2, 2, 3).max(axis=-1)
    np.testing.assert_allclose(ops.maxout(x, 2).numpy(), expected)
    np.testing.assert_allclose(ops.maxout(x, 3, axis=-1).numpy(), x.reshape(3, 2, 3, 2).max(axis=-1))
    np.testing.assert_allclose(ops.maxout(x, 1, axis=1).numpy(), x.max(axis=1, keepdims=True))
    assert gradcheck(lambda t: ops.maxout(t, 3), R.standard_normal((1, 9)))
    assert gradcheck(lambda t: ops.maxout(t, 2, axis=1), R.standard_normal((2, 4, 3)))
    tie = Tensor(np.array([[1.0, 1.0, 0.0, 2.0]]), requires_grad=True)
    ops.maxout(tie, 2).sum().backward()
    np.testing.assert_array_equal(tie.grad.numpy(), [[1, 0, 0, 1]])   # the first argmax wins ties
    with pytest.raises(ValueError, match="maxout: num_units"):
        ops.maxout(x, 4)


def test_float32_stays_float32_and_integers_become_floats():
    x = Tensor(R.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    for name, (op, _) in ELEMENTWISE.items():
        x.grad = None
        y = op(x)
        y.sum().backward()
        assert y.dtype == np.float32 and x.grad.dtype == np.float32, name
    for op in (ops.softmax, ops.log_softmax, lambda t: ops.maxout(t, 2)):
        assert op(x).dtype == np.float32
    assert ops.relu(np.array([-1, 2])).dtype == np.float32

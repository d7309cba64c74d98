"""Gradient checking: analytic gradients against central differences, in float64.

    ∂f/∂xᵢ ≈ (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε

``f`` may return a non-scalar tensor: it is reduced against a fixed random
projection ``Σ f(x)·r``, which tests every output element at once.
"""

import numpy as np

from . import backend
from .autodiff import grad as _grad
from .autodiff import no_grad
from .tensor import Tensor


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check ``fn``'s gradient with respect to every floating-point input.

    Args:
        fn: a function of Tensors returning a Tensor.
        *inputs: arrays or Tensors; float ones are checked (converted to float64),
            others are passed through unchanged.
    Returns:
        True when every analytic gradient matches the numerical one.
    Raises:
        AssertionError naming the input, the element with the worst mismatch and both values.
    """
    previous = backend.floatx()
    backend.set_floatx("float64")
    try:
        tensors = [_prepare(x) for x in inputs]
        checked = [t for t in tensors if t.requires_grad]
        if not checked:
            raise ValueError("gradcheck: no floating-point input to check")
        probe = fn(*tensors)
        projection = np.random.default_rng(seed).standard_normal(probe.shape)

        def objective():
            return (fn(*tensors) * Tensor(projection)).sum()

        analytic = _grad(objective(), checked)
        for position, (t, g) in enumerate(zip(checked, analytic)):
            numeric = _numerical_gradient(objective, t, eps)
            g = np.zeros(t.shape) if g is None else g.numpy()
            _compare(g, numeric, atol, rtol, position)
        return True
    finally:
        backend.set_floatx(previous)


def _prepare(x):
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if backend.is_float_dtype(t.dtype):
        # C order: the numerical gradient perturbs a flat view, which a Fortran-order array has not
        return Tensor(np.ascontiguousarray(t.numpy(), dtype=np.float64), requires_grad=True)
    return t


def _numerical_gradient(objective, t, eps):
    flat = t.data.reshape(-1)
    numeric = np.zeros(flat.shape)
    with no_grad():
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = objective().item()
            flat[i] = original - eps
            minus = objective().item()
            flat[i] = original
            numeric[i] = (plus - minus) / (2 * eps)
    return numeric.reshape(t.shape)


def _compare(analytic, numeric, atol, rtol, position):
    error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if analytic.shape != numeric.shape or (error > 0).any():
        worst = np.unravel_index(np.argmax(error), error.shape) if error.size else ()
        raise AssertionError(
            f"gradcheck: input {position} (shape {numeric.shape}): worst mismatch at index "
            f"{tuple(int(i) for i in worst)}: analytic {analytic[worst]:.8g}, "
            f"numerical {numeric[worst]:.8g} (atol={atol}, rtol={rtol})"
        )

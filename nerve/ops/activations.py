"""Elementwise activation functions, named and called as ``keras.ops`` (plus nerve's ``step``).

Each is a Function with an analytic backward, computed without overflow for
any finite input and without leaving the input's float dtype. Where the
derivative has a kink, the convention is stated in the docstring (as PyTorch:
relu'(0) = 0, leaky_relu'(0) = negative_slope, relu6'(0) = relu6'(6) = 0).
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_tensor
from . import cpu_threads
from .unary import _erf

__all__ = [
    "elu", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu", "log_sigmoid", "relu", "relu6",
    "selu", "sigmoid", "silu", "softplus", "softsign", "step", "swish", "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _sigmoid(x):
    """σ(x) = 1/(1 + e^(−x)) on a raw array in 4 passes; −x is capped just below
    log(dtype max) so that e^(−x) never overflows (σ is then below 1/max anyway)."""
    xp = backend.array_module(x)
    cap = 0.999 * math.log(float(xp.finfo(x.dtype).max))
    y = xp.negative(x)
    xp.minimum(y, cap, out=y)
    xp.exp(y, out=y)
    y += 1
    return xp.reciprocal(y, out=y)


def _softplus(x):
    """log(1 + eˣ) = max(x, 0) + log(1 + e^(−|x|)) on a raw array (no overflow)."""
    xp = backend.array_module(x)
    y = xp.abs(x)
    xp.negative(y, out=y)
    xp.exp(y, out=y)
    xp.log1p(y, out=y)
    y += xp.maximum(x, 0)
    return y


# ---- elementwise activations --------------------------------------------------------

class Sigmoid(Function):
    """y = σ(x) = 1/(1 + e^(−x));  dy/dx = y(1 − y)"""

    def forward(self, x):
        self.y = _sigmoid(x)
        return self.y

    def backward(self, gy):
        g = 1 - self.y
        g *= self.y
        g *= gy
        return (g,)


class LogSigmoid(Function):
    """y = log σ(x) = −softplus(−x);  dy/dx = σ(−x) = 1 − σ(x)

    A primitive because it pays: composed as −softplus(−x) (the same gradient conventions), forward +
    backward measured 1.2x slower on a (32, 128) tensor and 1.2x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def forward(self, x):
        self.x = x
        return -_softplus(-x)

    def backward(self, gy):
        return (gy * _sigmoid(-self.x),)


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 − y²"""

    def forward(self, x):
        self.y = backend.array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        g = self.y * self.y
        backend.array_module(g).subtract(1, g, out=g)
        g *= gy
        return (g,)


class ReLU(Function):
    """y = max(x, 0);  dy/dx = 1 for x > 0, 0 for x <= 0 (relu'(0) = 0)"""

    def forward(self, x):
        xp = backend.array_module(x)
        self.y = cpu_threads.map_flat(lambda a, out: xp.maximum(a, 0, out=out), xp.empty_like(x), x)
        return self.y

    def backward(self, gy):
        xp = backend.array_module(gy)
        relu_grad = lambda g, y, out: xp.multiply(g, y > 0, out=out)   # noqa: E731
        return (cpu_threads.map_flat(relu_grad, xp.empty(gy.shape, gy.dtype), gy, self.y),)


class ReLU6(Function):
    """y = min(max(x, 0), 6);  dy/dx = 1 for 0 < x < 6, else 0

    A primitive because it pays: composed as where(x < 6, relu(x), 6) (the same gradient conventions), forward +
    backward measured 1.8x slower on a (32, 128) tensor and 6.7x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def forward(self, x):
        self.y = backend.array_module(x).clip(x, 0, 6)
        return self.y

    def backward(self, gy):
        return (gy * ((self.y > 0) & (self.y < 6)),)


class LeakyReLU(Function):
    """y = x for x > 0, negative_slope·x otherwise;  dy/dx = 1 for x > 0, negative_slope for x <= 0

    A primitive because it pays: composed as where(x > 0, x, negative_slope·x) (the same gradient
    conventions), forward + backward measured 1.5x slower on a (32, 128) tensor and 1.4x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def __init__(self, negative_slope):
        self.slope = negative_slope

    def forward(self, x):
        self.positive = x > 0
        return backend.array_module(x).where(self.positive, x, x * self.slope)

    def backward(self, gy):
        return (backend.array_module(gy).where(self.positive, gy, gy * self.slope),)


class ELU(Function):
    """y = scale·(x for x > 0, α(eˣ − 1) otherwise);  dy/dx = scale·(1 for x > 0, α·eˣ otherwise)

    ELU is scale = 1; SELU is α = 1.67326…, scale = 1.05070…
    """

    def __init__(self, alpha, scale=1.0):
        self.alpha, self.scale = alpha, scale

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        negative = xp.expm1(xp.minimum(x, 0)) * self.alpha
        y = xp.where(x > 0, x, negative)
        return y * self.scale if self.scale != 1.0 else y

    def backward(self, gy):
        xp = backend.array_module(gy)
        x = self.x
        local = xp.where(x > 0, 1, xp.exp(xp.minimum(x, 0)) * self.alpha).astype(gy.dtype, copy=False)
        if self.scale != 1.0:
            local *= self.scale
        return (gy * local,)


class GELU(Function):
    """Gaussian error linear unit.

    exact:        y = x·Φ(x) = x·(1 + erf(x/√2))/2;   dy/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    approximate:  y = x·c(x), c = (1 + tanh u)/2, u = √(2/π)·(x + 0.044715x³);
                  dy/dx = c + x·(1 − tanh²u)/2 · √(2/π)·(1 + 0.134145x²)
    """

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        if self.approximate:
            self.t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            cdf = 0.5 * (1 + self.t)
        else:
            cdf = 0.5 * (1 + _erf(x * _INV_SQRT_2))
        self.cdf = cdf
        return x * cdf

    def backward(self, gy):
        xp = backend.array_module(gy)
        x = self.x
        if self.approximate:
            du = _SQRT_2_OVER_PI * (1 + 0.134145 * x * x)
            local = self.cdf + 0.5 * x * (1 - self.t * self.t) * du
        else:
            local = self.cdf + x * xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return (gy * local,)


class Softplus(Function):
    """y = log(1 + eˣ), as max(x, 0) + log(1 + e^(−|x|));  dy/dx = σ(x)"""

    def forward(self, x):
        self.x = x
        return _softplus(x)

    def backward(self, gy):
        return (gy * _sigmoid(self.x),)


class Softsign(Function):
    """y = x/(1 + |x|);  dy/dx = 1/(1 + |x|)²

    A primitive because it pays: composed as x / (1 + abs(x)) (the same gradient conventions), forward +
    backward measured 1.9x slower on a (32, 128) tensor and 2.5x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def forward(self, x):
        self.d = 1 + backend.array_module(x).abs(x)
        return x / self.d

    def backward(self, gy):
        return (gy / (self.d * self.d),)


class SiLU(Function):
    """y = x·σ(x) (swish);  dy/dx = σ(x)·(1 + x·(1 − σ(x)))"""

    def forward(self, x):
        self.x = x
        self.s = _sigmoid(x)
        return x * self.s

    def backward(self, gy):
        s = self.s
        return (gy * s * (1 + self.x * (1 - s)),)


class HardSigmoid(Function):
    """y = relu6(x + 3)/6 = clip(x/6 + 1/2, 0, 1) (Keras 3, PyTorch);  dy/dx = 1/6 for −3 < x < 3, else 0

    A primitive because it pays: composed as relu6(x + 3) / 6 (the same gradient conventions), forward +
    backward measured 1.5x slower on a (32, 128) tensor and 1.4x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def forward(self, x):
        self.y = backend.array_module(x).clip(x / 6 + 0.5, 0, 1)
        return self.y

    def backward(self, gy):
        return (gy * ((self.y > 0) & (self.y < 1)) / 6,)


class HardSiLU(Function):
    """y = x·hard_sigmoid(x);  dy/dx = 0 for x <= −3, x/3 + 1/2 for −3 < x < 3, 1 for x >= 3 (as PyTorch)

    A primitive because it pays: composed as x · (relu6(x + 3) / 6) (the same gradient conventions),
    forward + backward measured 1.7x slower on a (32, 128) tensor and 1.2x on (32, 28, 28, 6)
    (``python benchmarks/compose_activations.py``, 2026-11-30).
    """

    def forward(self, x):
        self.x = x
        self.h = backend.array_module(x).clip(x / 6 + 0.5, 0, 1)       # hard_sigmoid(x)
        return x * self.h

    def backward(self, gy):
        # dy/dx = h + x·h' = h + x/6 inside (−3, 3): one mask and three passes over the data, where the
        # former nested xp.where took ~4x longer on a LeNet-sized tensor (benchmarks/compose_activations.py)
        inside = (self.h > 0) & (self.h < 1)
        local = self.x / 6
        local *= inside
        local += self.h
        return (gy * local,)


def _unary(function_class, x, *args):
    x = as_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        x = as_tensor(x, backend.floatx())
    return function_class(*args)(x)


def sigmoid(x):
    """σ(x) = 1/(1 + e^(−x)), without overflow for large |x|;  σ' = σ(1 − σ)."""
    return _unary(Sigmoid, x)


def log_sigmoid(x):
    """log σ(x) = −softplus(−x), stable for large |x|;  derivative σ(−x)."""
    return _unary(LogSigmoid, x)


def tanh(x):
    """Hyperbolic tangent;  tanh' = 1 − tanh²."""
    return _unary(Tanh, x)


def relu(x):
    """max(x, 0);  gradient 1 where x > 0, 0 where x <= 0 (relu'(0) = 0).

    Example:
        >>> relu(Tensor([-1.0, 0.0, 2.0])).numpy()
        array([0., 0., 2.], dtype=float32)
    """
    return _unary(ReLU, x)


def relu6(x):
    """min(max(x, 0), 6);  gradient 1 on 0 < x < 6, 0 elsewhere (also at 0 and 6)."""
    return _unary(ReLU6, x)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope·x otherwise (Keras's default slope 0.2);
    gradient 1 for x > 0, negative_slope for x <= 0."""
    return _unary(LeakyReLU, x, negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, α(eˣ − 1) otherwise;  gradient 1 for x > 0, α·eˣ otherwise."""
    return _unary(ELU, x, alpha)


def selu(x):
    """scale·elu(x, α) with α = 1.6732632…, scale = 1.0507009… (self-normalizing)."""
    return _unary(ELU, x, _SELU_ALPHA, _SELU_SCALE)


def gelu(x, approximate=True):
    """x·Φ(x), Φ the standard normal CDF; with ``approximate`` (Keras's default) the tanh form
    x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2, as PyTorch's gelu(approximate='tanh')."""
    return _unary(GELU, x, bool(approximate))


def softplus(x):
    """log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|));  softplus' = σ."""
    return _unary(Softplus, x)


def softsign(x):
    """x/(1 + |x|);  derivative 1/(1 + |x|)²."""
    return _unary(Softsign, x)


def silu(x):
    """x·σ(x) (also called swish);  derivative σ(x)(1 + x(1 − σ(x)))."""
    return _unary(SiLU, x)


swish = silu


def hard_sigmoid(x):
    """relu6(x + 3)/6 (Keras 3 and PyTorch's hardsigmoid);  gradient 1/6 on −3 < x < 3, else 0."""
    return _unary(HardSigmoid, x)


def hard_silu(x):
    """x·hard_sigmoid(x) (hard swish, MobileNetV3)."""
    return _unary(HardSiLU, x)


hard_swish = hard_silu


def step(x):
    """Heaviside step: 1 where x >= 0, 0 where x < 0 (step(0) = 1; the perceptron fires only above 0).

    Piecewise constant, so it carries no gradient: the result never requires grad.
    The result has x's float dtype (floatx() for integer input).
    """
    x = as_tensor(x)
    dtype = x.dtype if backend.is_float_dtype(x.dtype) else backend.floatx()
    return Tensor.wrap((x.data >= 0).astype(dtype))

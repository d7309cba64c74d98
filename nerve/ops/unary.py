"""Elementwise functions of one tensor: exp, log, erf, sqrt, abs, clip, cast...
(two tensors, broadcast: ``math.py``).

Each op is a Function: ``forward`` on raw arrays, ``backward`` returning the
gradient of its input; the public function below it carries the formula.
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_float_tensor, as_tensor

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


# erfc(z) = t·exp(−z² + Σₖ cₖ Tₖ(2t − 1)) with t = 2/(2 + z), z >= 0: a Chebyshev fit of the
# smooth remainder (as in Numerical Recipes, 3rd ed. §6.2.2), computed here with mpmath;
# relative error of erfc below 2e-16 on the whole half-line.
_ERFC_CHEB = (
    -0.65132685989085472, 0.64196979235649026, 0.019476473204185836, -0.0095615147868086316,
    -0.00094659534448203687, 0.00036683949785276145, 4.2523324806907772e-5, -2.0278578112534243e-5,
    -1.6242900046470255e-6, 1.3036558355805232e-6, 1.5626441722066143e-8, -8.5238095914926543e-8,
    6.5290544390988515e-9, 5.0593434955514689e-9, -9.9136415649303309e-10, -2.2736512229318359e-10,
    9.6467911020155268e-11, 2.3940380830391147e-12, -6.8860275264975534e-12, 8.9448792730907257e-13,
    3.1309213993429581e-13, -1.1270822361367252e-13, 3.8109052551892321e-16, 7.106097613609237e-15,
    -1.5230282014571043e-15, -9.457494571291234e-17, 1.210237189224279e-16, -2.816663087747177e-17,
)


def _erf(x):
    """erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt on a raw array (NumPy has none), accurate to ~1e-16."""
    xp = backend.array_module(x)
    z = xp.abs(x)
    t = 2 / (2 + z)
    y = 2 * t - 1
    b1 = xp.zeros_like(t)      # Clenshaw's recurrence for Σ cₖ Tₖ(y)
    b2 = xp.zeros_like(t)
    for c in reversed(_ERFC_CHEB[1:]):
        b1, b2 = 2 * y * b1 - b2 + c, b1
    series = y * b1 - b2 + _ERFC_CHEB[0]
    erfc = t * xp.exp(series - z * z)
    return xp.sign(x) * (1 - erfc)


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return (-gy,)


class Exp(Function):
    """y = eˣ;  dy/dx = y"""

    def forward(self, x):
        self.y = backend.array_module(x).exp(x)
        return self.y

    def backward(self, gy):
        return (gy * self.y,)


class Log(Function):
    """y = ln x;  dy/dx = 1/x"""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).log(x)

    def backward(self, gy):
        return (gy / self.x,)


class Log1p(Function):
    """y = ln(1 + x);  dy/dx = 1/(1 + x)"""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).log1p(x)

    def backward(self, gy):
        return (gy / (1 + self.x),)


class Erf(Function):
    """y = erf(x);  dy/dx = (2/√π)·e^(−x²)"""

    def forward(self, x):
        self.x = x
        return _erf(x)

    def backward(self, gy):
        xp = backend.array_module(gy)
        return (gy * (_TWO_OVER_SQRT_PI * xp.exp(-self.x * self.x)).astype(gy.dtype, copy=False),)


class Sqrt(Function):
    """y = √x;  dy/dx = 1/(2y)"""

    def forward(self, x):
        self.y = backend.array_module(x).sqrt(x)
        return self.y

    def backward(self, gy):
        return (gy / (2 * self.y),)


class Square(Function):
    """y = x²;  dy/dx = 2x"""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return (gy * 2 * self.x,)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at 0)"""

    def forward(self, x):
        self.x = x
        return backend.array_module(x).abs(x)

    def backward(self, gy):
        return (gy * backend.array_module(self.x).sign(self.x),)


class Clip(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 inside [lo, hi], 0 outside"""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        self.mask = (x >= self.lo) & (x <= self.hi)
        return backend.array_module(x).clip(x, self.lo, self.hi)

    def backward(self, gy):
        return (gy * self.mask,)


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.source = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        if not backend.is_float_dtype(self.source):
            return (None,)
        return (gy.astype(self.source),)


# ---- the public functions (keras.ops names) -------------------------------------------

def negative(x):
    """y = −x;  dx = −dy."""
    return Negative()(x)


def exp(x):
    """y = eˣ elementwise;  dx = dy · y."""
    return Exp()(x)


def log(x):
    """Natural logarithm y = ln x elementwise;  dx = dy / x."""
    return Log()(x)


def log1p(x):
    """y = ln(1 + x) elementwise, accurate for small x;  dx = dy / (1 + x)."""
    return Log1p()(x)


def erf(x):
    """The error function, erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt (keras.ops.erf), elementwise."""
    return Erf()(as_float_tensor(x))


def sqrt(x):
    """y = √x elementwise;  dx = dy / (2y)."""
    return Sqrt()(x)


def square(x):
    """y = x² elementwise;  dx = 2x · dy."""
    return Square()(x)


def abs(x):
    """y = |x| elementwise;  dx = sign(x) · dy (0 at x = 0)."""
    return Abs()(x)


absolute = abs


def sign(x):
    """sign(x) ∈ {−1, 0, 1}; piecewise constant, so no gradient flows."""
    x = as_tensor(x)
    return Tensor.wrap(backend.array_module(x.data).sign(x.data))


def clip(x, x_min, x_max):
    """y = min(max(x, x_min), x_max) elementwise;  dx = dy inside [x_min, x_max], 0 outside."""
    return Clip(x_min, x_max)(x)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (returned unchanged when it already has it).

    The gradient is cast back to x's dtype; an integer ``x`` gets none.
    """
    dtype = backend.standardize_dtype(dtype)
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    return Cast(dtype)(x)

"""Elementwise arithmetic and comparisons (matrix products: ``linalg.py``).

Each op is a Function: ``forward`` on raw arrays, ``backward`` returning the
gradient of each input. Broadcasting is undone centrally (``autodiff.sum_to``),
so the backward rules below are written for equal shapes.
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_float_tensor, as_tensor

_SCALARS = (int, float, bool)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _pair(x1, x2, op_name):
    """Both operands as Tensors; a Python number takes the dtype of the other operand."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor):    # the common case, tested first
        pass
    elif isinstance(x1, _SCALARS) and not isinstance(x2, _SCALARS):
        x2 = as_tensor(x2)
        x1 = Tensor.wrap(backend.array_module(x2.data).asarray(x1, dtype=_scalar_dtype(x1, x2)))
    elif isinstance(x2, _SCALARS) and not isinstance(x1, _SCALARS):
        x1 = as_tensor(x1)
        x2 = Tensor.wrap(backend.array_module(x1.data).asarray(x2, dtype=_scalar_dtype(x2, x1)))
    else:
        x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.shape != x2.shape and x1.ndim and x2.ndim:
        _check_broadcast(x1.shape, x2.shape, op_name)
    return x1, x2


def _scalar_dtype(scalar, tensor):
    if isinstance(scalar, float) and not backend.is_float_dtype(tensor.dtype):
        return backend.floatx()
    return tensor.dtype


def _check_broadcast(s1, s2, op_name):
    for a, b in zip(reversed(s1), reversed(s2)):
        if a != b and a != 1 and b != 1:
            raise ValueError(
                f"{op_name}: shapes {tuple(s1)} and {tuple(s2)} cannot be broadcast together"
            )


# NumPy's inner loop runs along the innermost broadcast axis: adding a bias of 6 channels to
# an (N, H, W, 6) array loops over rows of 6 elements, 3-8x slower than rows of a few hundred
# (measured on LeNet's and VGG's bias adds). So when one operand is such a short vector, it is
# tiled along a trailing block of the other's shape and both are seen as rows of that block.
_SHORT_ROW = 256          # elements: shorter broadcast rows are tiled
_WORTH_TILING = 16384     # elements of the large operand below which the plain broadcast is as fast


def _broadcast_apply(ufunc, a, b):
    """``ufunc(a, b)`` with NumPy broadcasting, fast for a short vector against a large array."""
    if a.size >= _WORTH_TILING and b.size < _SHORT_ROW:
        block = _tiling_block(a, b)
        if block:
            tiled = backend.array_module(a).tile(b.reshape(-1), block // b.size)
            return ufunc(a.reshape(-1, block), tiled).reshape(a.shape)
    elif b.size >= _WORTH_TILING and a.size < _SHORT_ROW:
        block = _tiling_block(b, a)
        if block:
            tiled = backend.array_module(b).tile(a.reshape(-1), block // a.size)
            return ufunc(tiled, b.reshape(-1, block)).reshape(b.shape)
    return ufunc(a, b)


def _tiling_block(large, short):
    """The size of the trailing block of ``large`` (at least _SHORT_ROW elements when it can be)
    over which ``short`` repeats, or None when ``short`` is not a vector along large's last axes."""
    trailing = short.shape
    while trailing and trailing[0] == 1:
        trailing = trailing[1:]
    n = len(trailing)
    if not n or n >= large.ndim or large.shape[-n:] != trailing or not large.flags.c_contiguous:
        return None
    block = short.size
    for size in reversed(large.shape[1:-n]):
        if block >= _SHORT_ROW:
            break
        block *= size
    return block if block > short.size else None


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


class Add(Function):
    """y = a + b"""

    def forward(self, a, b):
        return _broadcast_apply(backend.array_module(a).add, a, b)

    def backward(self, gy):
        return gy, gy


class Subtract(Function):
    """y = a - b"""

    def forward(self, a, b):
        return _broadcast_apply(backend.array_module(a).subtract, a, b)

    def backward(self, gy):
        return gy, -gy


class Multiply(Function):
    """y = a * b;  dy/da = b, dy/db = a"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return _broadcast_apply(backend.array_module(a).multiply, a, b)

    def backward(self, gy):
        multiply = backend.array_module(gy).multiply
        ga = _broadcast_apply(multiply, gy, self.b) if self.needs_grad[0] else None
        gb = _broadcast_apply(multiply, gy, self.a) if self.needs_grad[1] else None
        return ga, gb


class Divide(Function):
    """y = a / b;  dy/da = 1/b, dy/db = -a/b² = -y/b"""

    def forward(self, a, b):
        self.b = b
        self.y = a / b
        return self.y

    def backward(self, gy):
        ga = gy / self.b if self.needs_grad[0] else None
        gb = -gy * self.y / self.b if self.needs_grad[1] else None
        return ga, gb


class Power(Function):
    """y = a ** b;  dy/da = b·a^(b−1), dy/db = y·ln a"""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, gy):
        ga = gy * self.b * self.a ** (self.b - 1) if self.needs_grad[0] else None
        gb = None
        if self.needs_grad[1]:
            xp = backend.array_module(self.a)
            gb = gy * self.y * xp.log(xp.where(self.a > 0, self.a, 1))
        return ga, gb


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


class Maximum(Function):
    """y = max(a, b); the gradient goes to a where a >= b, else to b"""

    def forward(self, a, b):
        self.a_wins = a >= b
        return backend.array_module(a).maximum(a, b)

    def backward(self, gy):
        return gy * self.a_wins, gy * ~self.a_wins


class Minimum(Function):
    """y = min(a, b); the gradient goes to a where a <= b, else to b"""

    def forward(self, a, b):
        self.a_wins = a <= b
        return backend.array_module(a).minimum(a, b)

    def backward(self, gy):
        return gy * self.a_wins, gy * ~self.a_wins


class Where(Function):
    """y = condition ? a : b (condition gets no gradient)"""

    def forward(self, condition, a, b):
        self.condition = condition.astype(bool, copy=False)
        return backend.array_module(a).where(self.condition, a, b)

    def backward(self, gy):
        xp = backend.array_module(gy)
        zero = xp.zeros((), dtype=gy.dtype)
        return None, xp.where(self.condition, gy, zero), xp.where(self.condition, zero, gy)


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

def add(x1, x2):
    """Elementwise sum with broadcasting: y = x1 + x2.

    Gradients: dx1 = dy, dx2 = dy, each summed back to its input's shape (``sum_to``).

    Example:
        >>> nerve.ops.add([1.0, 2.0], 3.0).numpy()
        array([4., 5.], dtype=float32)
    """
    return Add()(*_pair(x1, x2, "add"))


def subtract(x1, x2):
    """Elementwise difference with broadcasting: y = x1 − x2;  dx1 = dy, dx2 = −dy."""
    return Subtract()(*_pair(x1, x2, "subtract"))


def multiply(x1, x2):
    """Elementwise product with broadcasting: y = x1 · x2;  dx1 = dy · x2, dx2 = dy · x1."""
    return Multiply()(*_pair(x1, x2, "multiply"))


def divide(x1, x2):
    """Elementwise quotient with broadcasting: y = x1 / x2;  dx1 = dy / x2, dx2 = −dy · y / x2.

    Two integer inputs are divided in ``floatx()`` (true division, as Keras).
    """
    x1, x2 = _pair(x1, x2, "divide")
    if not backend.is_float_dtype(x1.dtype) and not backend.is_float_dtype(x2.dtype):
        x1 = as_tensor(x1, backend.floatx())
    return Divide()(x1, x2)


true_divide = divide


def power(x1, x2):
    """Elementwise power with broadcasting: y = x1 ** x2.

    dx1 = dy · x2 · x1^(x2 − 1),  dx2 = dy · y · ln x1.
    """
    return Power()(*_pair(x1, x2, "power"))


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


def maximum(x1, x2):
    """Elementwise maximum with broadcasting: y = max(x1, x2).

    Ties: the gradient goes to x1 where x1 >= x2, else to x2 (never split).
    """
    return Maximum()(*_pair(x1, x2, "maximum"))


def minimum(x1, x2):
    """Elementwise minimum with broadcasting: y = min(x1, x2).

    Ties: the gradient goes to x1 where x1 <= x2, else to x2.
    """
    return Minimum()(*_pair(x1, x2, "minimum"))


def where(condition, x1, x2):
    """y = x1 where ``condition`` is true, else x2 (broadcast together).

    dx1 = dy where the condition holds (0 elsewhere), dx2 = dy elsewhere; the condition gets none.
    """
    x1, x2 = _pair(x1, x2, "where")
    return Where()(condition, x1, x2)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (returned unchanged when it already has it).

    The gradient is cast back to x's dtype; an integer ``x`` gets none.
    """
    dtype = backend.standardize_dtype(dtype)
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    return Cast(dtype)(x)


def _compare(name):
    def compare(x1, x2):
        x1, x2 = _pair(x1, x2, name)
        xp = backend.array_module(x1.data)
        return Tensor.wrap(getattr(xp, name)(x1.data, x2.data))
    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name} (a boolean Tensor; no gradient)."
    return compare


equal = _compare("equal")
not_equal = _compare("not_equal")
less = _compare("less")
less_equal = _compare("less_equal")
greater = _compare("greater")
greater_equal = _compare("greater_equal")
logical_and = _compare("logical_and")
logical_or = _compare("logical_or")

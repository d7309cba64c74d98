"""Elementwise arithmetic of two tensors with broadcasting, and comparisons
(functions of one tensor: ``unary.py``; matrix products: ``linalg.py``).

Each op is a Function: ``forward`` on raw arrays, ``backward`` returning the
gradient of each input. Broadcasting is undone centrally (``autodiff.sum_to``),
so the backward rules below are written for equal shapes.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_tensor

_SCALARS = (int, float, bool)


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

"""Linear algebra: matrix products (matmul, dot, einsum), det, inv, solve, norm; ``keras.ops.linalg``.

Each product is a Function whose backward is again a product: for Y = A @ B,
dA = dY @ Bᵀ and dB = Aᵀ @ dY; for einsum, the gradient of each operand is the
einsum of the output gradient with the other operands. The inverse-based rules:

    Y = A⁻¹:        Ā = −Yᵀ Ȳ Yᵀ
    X = A⁻¹ B:      B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ
    d = det A:      Ā = d̄ · d · A⁻ᵀ

The decompositions (cholesky, qr, eigh, svd) live in :mod:`nerve.ops.decompositions` and are
re-exported here, so ``ops.linalg.svd`` is Keras's ``keras.ops.linalg.svd``.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from . import cpu_products
from .decompositions import cholesky, eigh, qr, svd
from .norms import norm

__all__ = ["cholesky", "det", "dot", "eigh", "einsum", "inv", "matmul", "norm", "qr", "solve", "svd"]


class MatMul(Function):
    """Y = A @ B (batched over leading axes);  dA = dY @ Bᵀ, dB = Aᵀ @ dY"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return cpu_products.matmul(a, b) if a.ndim == b.ndim == 2 else a @ b

    def backward(self, gy):
        a, b = self.a, self.b
        xp = backend.array_module(gy)
        if a.ndim == 1 and b.ndim == 1:
            return gy * b, gy * a
        if a.ndim == 1:        # (k) @ (..., k, n) -> (..., n)
            ga = (xp.expand_dims(gy, -2) @ xp.swapaxes(b, -1, -2))[..., 0, :] if self.needs_grad[0] else None
            gb = xp.expand_dims(a, -1) * xp.expand_dims(gy, -2) if self.needs_grad[1] else None
            return ga, gb
        if b.ndim == 1:        # (..., m, k) @ (k) -> (..., m)
            ga = xp.expand_dims(gy, -1) * b if self.needs_grad[0] else None
            gb = (xp.swapaxes(a, -1, -2) @ xp.expand_dims(gy, -1))[..., 0] if self.needs_grad[1] else None
            return ga, gb
        if a.ndim == b.ndim == 2:
            ga = cpu_products.matmul(gy, b.T) if self.needs_grad[0] else None
            gb = cpu_products.matmul(a.T, gy) if self.needs_grad[1] else None
            return ga, gb
        ga = gy @ xp.swapaxes(b, -1, -2) if self.needs_grad[0] else None
        gb = xp.swapaxes(a, -1, -2) @ gy if self.needs_grad[1] else None
        return ga, gb


class Einsum(Function):
    """Einstein summation; the gradient of each operand is itself an einsum of the others."""

    def __init__(self, subscripts):
        if "..." in subscripts:
            raise ValueError("einsum: ellipsis ('...') subscripts are not supported; name every axis")
        inputs, self.output = subscripts.replace(" ", "").split("->")
        self.inputs_subs = inputs.split(",")
        for subs in self.inputs_subs:
            if len(set(subs)) != len(subs):
                raise ValueError(f"einsum: repeated subscripts in {subs!r} (diagonals) are not supported")
        self.spec = subscripts

    def forward(self, *operands):
        self.operands = operands
        return backend.array_module(operands[0]).einsum(self.spec, *operands, optimize=True)

    def backward(self, gy):
        xp = backend.array_module(gy)
        grads = []
        for i, (subs, x) in enumerate(zip(self.inputs_subs, self.operands)):
            if not self.needs_grad[i]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(self.inputs_subs) if j != i]
            arrays = [a for j, a in enumerate(self.operands) if j != i]
            # letters of x found nowhere else were summed away: broadcast them back after
            kept = "".join(c for c in subs if c in self.output or any(c in s for s in others))
            g = xp.einsum(",".join([self.output] + others) + "->" + kept, gy, *arrays, optimize=True)
            for axis, c in enumerate(subs):
                if c not in kept:
                    g = xp.expand_dims(g, axis)
            grads.append(xp.broadcast_to(g, x.shape))
        return tuple(grads)


def matmul(x1, x2):
    """Matrix product, batched over leading axes (NumPy's ``matmul`` rules): Y = A @ B.

        Y[..., i, j] = Σ_k A[..., i, k] · B[..., k, j];   dA = dY @ Bᵀ,  dB = Aᵀ @ dY

    1-D operands are a vector on that side (its axis removed from the result).

    Example:
        >>> nerve.ops.matmul(nerve.ops.ones((2, 3)), nerve.ops.ones((3, 4))).shape
        (2, 4)
    """
    x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, received shapes {x1.shape} and {x2.shape}")
    k1 = x1.shape[-1]
    k2 = x2.shape[-2] if x2.ndim > 1 else x2.shape[0]
    if k1 != k2:
        raise ValueError(
            f"matmul: shapes {x1.shape} and {x2.shape} are incompatible "
            f"(inner dimensions {k1} and {k2} differ)"
        )
    return MatMul()(x1, x2)


def dot(x1, x2):
    """The dot product; for nerve's operands (rank >= 1) the same as :func:`matmul`."""
    return matmul(x1, x2)


def einsum(subscripts, *operands):
    """Einstein summation over the operands, e.g. ``einsum("ij,jk->ik", a, b)`` = a @ b.

    Each operand's gradient is the einsum of dy with the other operands; ellipses and repeated
    indices in one operand (diagonals) are not supported.
    """
    return Einsum(subscripts)(*operands)


def _square(name, x):
    x = as_tensor(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: expected square matrices in the last two axes (..., N, N), "
                         f"received shape {x.shape}")
    if not backend.is_float_dtype(x.dtype):
        raise TypeError(f"{name}: expected a floating-point input, received dtype {x.dtype}")
    return x


class Det(Function):
    """d = det A;  Ā = d̄ · d · A⁻ᵀ"""

    def forward(self, a):
        self.a = a
        self.d = backend.array_module(a).linalg.det(a)
        return self.d

    def backward(self, gd):
        xp = backend.array_module(gd)
        inv_t = xp.swapaxes(xp.linalg.inv(self.a), -1, -2)
        return ((gd * self.d)[..., None, None] * inv_t,)


def det(x):
    """The determinant of each square matrix in the last two axes of ``x``: shape (...)."""
    return Det()(_square("det", x))


class Inv(Function):
    """Y = A⁻¹;  Ā = −Yᵀ Ȳ Yᵀ"""

    def forward(self, a):
        self.y = backend.array_module(a).linalg.inv(a)
        return self.y

    def backward(self, gy):
        yt = backend.array_module(gy).swapaxes(self.y, -1, -2)
        return (-(yt @ gy @ yt),)


def inv(x):
    """The inverse of each square matrix in the last two axes of ``x``."""
    return Inv()(_square("inv", x))


class Solve(Function):
    """X = A⁻¹ B;  B̄ = A⁻ᵀ X̄,  Ā = −B̄ Xᵀ  (B a matrix (..., N, K) or a vector (..., N))"""

    def forward(self, a, b):
        xp = backend.array_module(a)
        self.vector = b.ndim == a.ndim - 1
        self.a = a
        self.x = xp.linalg.solve(a, b[..., None] if self.vector else b)
        return self.x[..., 0] if self.vector else self.x

    def backward(self, gx):
        xp = backend.array_module(gx)
        gx = gx[..., None] if self.vector else gx
        gb = xp.linalg.solve(xp.swapaxes(self.a, -1, -2), gx)
        ga = -(gb @ xp.swapaxes(self.x, -1, -2)) if self.needs_grad[0] else None
        return ga, (gb[..., 0] if self.vector else gb)


def solve(a, b):
    """X with A X = B, for square A (..., N, N) and B (..., N, K) or (..., N)."""
    a, b = _square("solve", a), as_tensor(b)
    n = a.shape[-1]
    if b.ndim not in (a.ndim, a.ndim - 1) or b.shape[-1 if b.ndim == a.ndim - 1 else -2] != n:
        raise ValueError(f"solve: b must have shape (..., {a.shape[-1]}, K) or (..., {a.shape[-1]}) for a of "
                         f"shape {a.shape}, received {b.shape}")
    return Solve()(a, b)


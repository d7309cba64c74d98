"""Matrix products: matmul (batched), dot and einsum.

Each is a Function whose backward is again a product: for Y = A @ B,
dA = dY @ Bᵀ and dB = Aᵀ @ dY; for einsum, the gradient of each operand is the
einsum of the output gradient with the other operands.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor

__all__ = ["dot", "einsum", "matmul"]


class MatMul(Function):
    """Y = A @ B (batched over leading axes);  dA = dY @ Bᵀ, dB = Aᵀ @ dY"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

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
    return matmul(x1, x2)


def einsum(subscripts, *operands):
    return Einsum(subscripts)(*operands)

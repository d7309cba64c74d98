"""Neural-network ops (keras.ops.nn): the fused affine map of Dense here; the convolution
family lives in :mod:`convolution`."""

from ..autodiff import Function, sum_leading_axes
from ..tensor import as_tensor
from . import cpu_products
from .convolution import conv, conv_transpose, depthwise_conv, separable_conv
from .linalg import matmul

__all__ = ["affine", "conv", "conv_transpose", "depthwise_conv", "separable_conv"]


class Affine(Function):
    """Y = X·W + b in one op (X of any rank, multiplied along its last axis).

        dX = dY·Wᵀ,  dW = X₂ᵀ·dY₂,  db = Σ dY over every axis but the last

    (X₂, dY₂: the leading axes flattened, so a sequence input costs one GEMM per
    gradient, not one per sample; the products are :func:`cpu_products.matmul`.) Fusing
    saves a Function call and a temporary per layer: measured 1.3–2.5× faster forward +
    backward than matmul then add on small layers (32×64→32, 128×128→10), where Python
    overhead dominates.
    """

    def forward(self, x, kernel, bias):
        self.x, self.kernel = x, kernel
        y = cpu_products.matmul(x.reshape(-1, x.shape[-1]), kernel).reshape(*x.shape[:-1], kernel.shape[1])
        y += bias
        return y

    def backward(self, gy):
        x, kernel = self.x, self.kernel
        gy2 = gy.reshape(-1, gy.shape[-1])
        gx = cpu_products.matmul(gy2, kernel.T).reshape(x.shape) if self.needs_grad[0] else None
        gw = cpu_products.matmul(x.reshape(-1, x.shape[-1]).T, gy2) if self.needs_grad[1] else None
        gb = sum_leading_axes(gy2, 1) if self.needs_grad[2] else None
        return gx, gw, gb


def affine(x, kernel, bias=None):
    """The affine map of a Dense layer: ``y = x @ kernel + bias``, along the last axis of ``x``.

        y[..., j] = Σ_i x[..., i] · kernel[i, j] + bias[j]
        dx = dy · kernelᵀ,   dkernel = Σ_batch xᵀ · dy,   dbias = Σ_batch dy

    Args:
        x: (..., in_features), rank >= 1.
        kernel: (in_features, out_features).
        bias: (out_features,) or None (then this is ``matmul(x, kernel)``).
    Returns:
        (..., out_features), one fused op (forward and backward; see :class:`Affine`).

    Example:
        >>> import nerve
        >>> nerve.ops.affine(nerve.ops.ones((2, 3)), nerve.ops.ones((3, 4)), nerve.ops.ones((4,))).shape
        (2, 4)
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    if kernel.ndim != 2 or x.ndim < 1 or x.shape[-1] != kernel.shape[0]:
        raise ValueError(f"affine: expected x (..., n) and kernel (n, m), received x of shape {x.shape} "
                         f"and kernel of shape {kernel.shape}")
    if bias is None:
        return matmul(x, kernel)
    bias = as_tensor(bias)
    if bias.shape != (kernel.shape[1],):
        raise ValueError(f"affine: expected a bias of shape ({kernel.shape[1]},) for a kernel of shape "
                         f"{kernel.shape}, received {bias.shape}")
    return Affine()(x, kernel, bias)

"""Normalization ops: batch, layer, group and instance normalization, and moments.

One fused Function, :class:`Normalize`, does the training-time work of all of
them: statistics over some axes S, then an affine map whose scale γ and offset β
vary along other axes,

    μ = mean_S(x),  σ² = mean_S((x − μ)²)  (biased, as Keras),
    x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β,

with the analytic backward (ĝ = γ·g, means over S, n = |S|)

    dx = (ĝ − mean_S(ĝ) − x̂·mean_S(ĝ·x̂)) / √(σ² + ε),
    dγ = Σ g·x̂,  dβ = Σ g  (summed over the axes γ and β are broadcast along).

Batch norm takes S = every axis but the channel axis; layer norm S = the
normalized axes; group norm S = the spatial axes and the channels of a group.
Everything stays in the input's dtype. In NumPy the forward makes two full-size
arrays (x − μ, kept for backward, and y) in five passes over the data, the
backward of batch norm one more (gx) in six. On the CPU with numba, batch norm
with the channels last and layer norm over the last axes run compiled
(:class:`CompiledNormalize` in :mod:`normalization_compiled` over the kernels of
:mod:`normalization_numba`: two passes each way for batch norm, one for layer norm,
keeping only x and per-channel vectors); ``NERVE_NUMBA=0`` turns that off.
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_float_tensor, as_tensor
from .normalization_compiled import CompiledNormalize, compiled_layout
from .reduction import mean as _mean
from .reduction import normalize_axis
from .reduction import var as _var
from .shape_ops import reshape

__all__ = [
    "batch_normalization", "fused_batch_normalization", "group_normalization",
    "instance_normalization", "layer_normalization", "moments",
]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _sum_of_products(a, b, axes):
    """Σ a·b over ``axes`` (kept as size-1 axes), in one pass without an a·b temporary."""
    xp = backend.array_module(a)
    letters = _LETTERS[:a.ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    out = xp.einsum(f"{letters},{letters}->{kept}", a, b)
    return out.reshape([1 if i in axes else n for i, n in enumerate(a.shape)])


class Normalize(Function):
    """x̂ = (x − μ)/√(σ² + ε) with μ, σ² over ``stat_axes``; y = γ·x̂ + β (see the module docstring).

    Inputs: x, then γ if ``has_scale``, then β if ``has_offset`` (any shape of
    ``param_shape``'s size: they are viewed with ``param_shape``, which is x's rank
    with 1 on the axes they are broadcast along). After the call, ``mean`` and
    ``variance`` hold the batch statistics (kept as size-1 axes).
    """

    def __init__(self, stat_axes, param_shape, epsilon, has_scale, has_offset):
        self.stat_axes = stat_axes
        self.param_shape = tuple(param_shape)
        self.epsilon = epsilon
        self.has_scale, self.has_offset = has_scale, has_offset
        # axes γ, β are broadcast along: what their gradients are summed over
        self.param_axes = tuple(i for i, n in enumerate(self.param_shape) if n == 1)

    def forward(self, x, *params):
        xp = backend.array_module(x)
        S = self.stat_axes
        self.n = math.prod(x.shape[a] for a in S)
        self.mean = x.mean(axis=S, keepdims=True)
        self.centered = x - self.mean                     # x − μ, kept for backward (x̂ = (x − μ)·rstd)
        self.variance = _sum_of_products(self.centered, self.centered, S) / x.dtype.type(self.n)
        self.rstd = xp.reciprocal(xp.sqrt(self.variance + self.epsilon))
        self.shapes = [p.shape for p in params]
        params = [p.reshape(self.param_shape) for p in params]
        self.scale = params[0] if self.has_scale else None
        y = self.centered * (self.rstd if self.scale is None else self.rstd * self.scale)
        if self.has_offset:
            y += params[-1]
        return y

    def backward(self, gy):
        S, P, n = self.stat_axes, self.param_axes, self.n
        centered, rstd, scale = self.centered, self.rstd, self.scale
        needs = self.needs_grad
        if scale is None or set(S) <= set(P):
            # γ is constant over S (batch norm, instance norm): factor it out and reuse Σ_S g, Σ_S g·x̂
            sum_g = gy.sum(axis=S, keepdims=True)
            sum_gxhat = _sum_of_products(gy, centered, S) * rstd
            gx = None
            if needs[0]:
                gx = centered * (-rstd * sum_gxhat / n)       # = −x̂·Σ(g·x̂)/n
                gx += gy
                gx -= sum_g / n
                gx *= rstd if scale is None else rstd * scale
            rest = tuple(a for a in P if a not in S)
            grads = [gx]
            if self.has_scale:
                grads.append(sum_gxhat.sum(axis=rest, keepdims=True) if rest else sum_gxhat)
            if self.has_offset:
                grads.append(sum_g.sum(axis=rest, keepdims=True) if rest else sum_g)
        else:
            # γ varies inside S (layer norm, group norm): work with ĝ = γ·g
            xhat = centered * rstd
            grads = [None]
            if needs[0]:
                ghat = gy * scale
                mean_gxhat = _sum_of_products(ghat, xhat, S) / n
                gx = xhat * -mean_gxhat
                gx += ghat
                gx -= ghat.mean(axis=S, keepdims=True)
                gx *= rstd
                grads[0] = gx
            grads.append(_sum_of_products(gy, xhat, P) if needs[1] else None)
            if self.has_offset:
                grads.append(gy.sum(axis=P, keepdims=True) if needs[2] else None)
        return tuple(g if g is None or i == 0 else g.reshape(self.shapes[i - 1])
                     for i, g in enumerate(grads))


def _normalize(op_name, x, stat_axes, param_axes, scale, offset, epsilon):
    """Run :class:`Normalize` (or, where it applies, :class:`CompiledNormalize`), checking that γ and β
    have one entry per position of ``param_axes``."""
    param_shape = [n if i in param_axes else 1 for i, n in enumerate(x.shape)]
    expected = tuple(x.shape[a] for a in param_axes)
    params = []
    for name, p in (("scale", scale), ("offset", offset)):
        if p is None:
            continue
        p = as_tensor(p)
        if p.size != math.prod(x.shape[a] for a in param_axes):
            raise ValueError(
                f"{op_name}: {name} must have shape {expected} (one value per normalized "
                f"channel of the input of shape {x.shape}), received shape {p.shape}"
            )
        params.append(p)
    layout = compiled_layout(x.data, [p.data for p in params], stat_axes, param_shape)
    if layout:
        fn = CompiledNormalize(layout, stat_axes, param_shape, epsilon, scale is not None, offset is not None)
    else:
        fn = Normalize(stat_axes, param_shape, epsilon, scale is not None, offset is not None)
    return fn(x, *params), fn


def _channels_last_input(op_name, x):
    """x as a float tensor, checked to be (batch, ..., channels)."""
    x = as_float_tensor(x)
    if x.ndim < 2:
        raise ValueError(
            f"{op_name}: expected input of rank >= 2 (batch, ..., channels), received shape {x.shape}"
        )
    return x


def fused_batch_normalization(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Batch normalization with the batch's own statistics (the training path), fused.

        μ = mean(x), σ² = mean((x − μ)²) over every axis but ``axis``,
        y = γ·(x − μ)/√(σ² + ε) + β

    Backward (n values per channel): dβ = Σg, dγ = Σ g·x̂,
    dx = (γ/√(σ² + ε))·(g − Σg/n − x̂·Σ(g·x̂)/n).

    Args:
        x: input tensor, e.g. (N, H, W, C).
        scale: γ of shape (C,) (the sizes of ``axis``), or None for 1.
        offset: β of the same shape, or None for 0.
        axis: the channel axis (int or tuple) that keeps its own statistics.
        epsilon: added to the variance.
    Returns:
        (y, batch_mean, batch_variance): y like x; mean and variance of shape (C,),
        plain tensors that carry no gradient (for the layer's moving averages;
        the variance is the biased one, as Keras uses for both).
    """
    x = as_float_tensor(x)
    channel_axes = normalize_axis(axis, x.ndim, "fused_batch_normalization")
    stat_axes = tuple(a for a in range(x.ndim) if a not in channel_axes)
    y, fn = _normalize("fused_batch_normalization", x, stat_axes, channel_axes, scale, offset, epsilon)
    kept = tuple(x.shape[a] for a in channel_axes)
    return y, Tensor.wrap(fn.mean.reshape(kept)), Tensor.wrap(fn.variance.reshape(kept))


def layer_normalization(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Layer normalization over ``axis`` (an int or a tuple), fused.

        μ = mean(x), σ² = mean((x − μ)²) over ``axis``,  y = γ·(x − μ)/√(σ² + ε) + β

    Backward (ĝ = γ·g, means over ``axis``): dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/√(σ² + ε),
    dγ = Σ g·x̂ and dβ = Σ g over the other axes.

    Args:
        x: input tensor, e.g. (batch, steps, features).
        scale, offset: γ and β with the sizes of ``axis`` (e.g. (features,)), or None.
        axis: the axis or axes to normalize over.
        epsilon: added to the variance.
    Returns:
        Tensor of x's shape.
    """
    x = as_float_tensor(x)
    axes = normalize_axis(axis, x.ndim, "layer_normalization")
    return _normalize("layer_normalization", x, axes, axes, scale, offset, epsilon)[0]


def group_normalization(x, groups, scale=None, offset=None, epsilon=1e-3):
    """Group normalization (Wu & He, 2018), channels last, fused.

    The C channels split into ``groups`` groups of C/groups consecutive channels;
    for each sample and group,
        μ, σ² = mean and (biased) variance over the spatial axes and the group's channels,
        y = γ_c·(x − μ)/√(σ² + ε) + β_c  (γ, β per channel).

    Args:
        x: input of shape (N, ..., C).
        groups: number of groups; must divide C.
        scale, offset: γ and β of shape (C,), or None.
        epsilon: added to the variance.
    Returns:
        Tensor of x's shape.
    """
    x = _channels_last_input("group_normalization", x)
    channels = x.shape[-1]
    if not isinstance(groups, int) or groups < 1 or channels % groups:
        raise ValueError(
            f"group_normalization: groups must be a positive divisor of the number of channels "
            f"{channels} (input shape {x.shape}), received groups={groups!r}"
        )
    grouped = reshape(x, x.shape[:-1] + (groups, channels // groups))
    rank = grouped.ndim
    stat_axes = tuple(range(1, rank - 2)) + (rank - 1,)
    y = _normalize("group_normalization", grouped, stat_axes, (rank - 2, rank - 1), scale, offset, epsilon)[0]
    return reshape(y, x.shape)


def instance_normalization(x, scale=None, offset=None, epsilon=1e-3):
    """Instance normalization (Ulyanov et al., 2016): group normalization with one group per channel.

        μ, σ² over the spatial axes of each sample and channel,  y = γ_c·(x − μ)/√(σ² + ε) + β_c

    Args:
        x: input of shape (N, ..., C).
        scale, offset: γ and β of shape (C,), or None.
        epsilon: added to the variance.
    Returns:
        Tensor of x's shape.
    """
    x = _channels_last_input("instance_normalization", x)
    stat_axes = tuple(range(1, x.ndim - 1))
    return _normalize("instance_normalization", x, stat_axes, (x.ndim - 1,), scale, offset, epsilon)[0]


class AffineNormalize(Function):
    """y = (x − μ)·k + β with k = γ/√(σ² + ε), for given μ, σ² (inference), i.e. y = x·k + (β − μ·k).

    With G = Σ g and H = Σ g·x over the reduced axes and dk = H − μ·G:
    dx = g·k, dμ = −k·G, dσ² = −½·dk·k/(σ² + ε), dγ = dk/√(σ² + ε), dβ = G.
    Inputs: x, μ, σ², then γ and β when present (viewed with ``param_shape``).
    """

    def __init__(self, param_shape, epsilon, has_scale, has_offset):
        self.param_shape = tuple(param_shape)
        self.epsilon = epsilon
        self.has_scale, self.has_offset = has_scale, has_offset

    def forward(self, x, mean, variance, *params):
        xp = backend.array_module(x)
        self.shapes = [mean.shape, variance.shape] + [p.shape for p in params]
        mean, variance, *params = [p.reshape(self.param_shape) for p in (mean, variance, *params)]
        self.rstd = xp.reciprocal(xp.sqrt(variance + self.epsilon))
        self.k = self.rstd * params[0] if self.has_scale else self.rstd
        shift = -mean * self.k
        if self.has_offset:
            shift += params[-1]
        self.x, self.mean = x, mean
        y = x * self.k
        y += shift
        return y

    def backward(self, gy):
        needs = self.needs_grad
        axes = tuple(i for i, n in enumerate(self.param_shape) if n == 1)
        gx = gy * self.k if needs[0] else None
        sum_g = gy.sum(axis=axes, keepdims=True) if any(needs[1:]) else None
        dk = None
        if needs[2] or (self.has_scale and needs[3]):
            dk = _sum_of_products(gy, self.x, axes) - self.mean * sum_g
        grads = [gx, -self.k * sum_g if needs[1] else None,
                 -0.5 * dk * self.k * self.rstd * self.rstd if needs[2] else None]
        if self.has_scale:
            grads.append(dk * self.rstd if needs[3] else None)
        if self.has_offset:
            grads.append(sum_g if needs[-1] else None)
        return tuple(g if g is None or i == 0 else g.reshape(self.shapes[i - 1])
                     for i, g in enumerate(grads))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize with given statistics (keras.ops.batch_normalization: the inference path).

        y = γ·(x − μ)/√(σ² + ε) + β,  μ, σ², γ, β broadcast along ``axis``

    Differentiable with respect to every input (see :class:`AffineNormalize`).

    Args:
        x: input tensor.
        mean, variance: tensors with the sizes of ``axis`` (e.g. (C,)).
        axis: the channel axis (int or tuple).
        offset, scale: β and γ of the same shape, or None.
        epsilon: added to the variance.
    Returns:
        Tensor of x's shape.
    """
    x = as_float_tensor(x)
    axes = normalize_axis(axis, x.ndim, "batch_normalization")
    param_shape = [n if i in axes else 1 for i, n in enumerate(x.shape)]
    size = math.prod(x.shape[a] for a in axes)
    inputs = []
    for name, p in (("mean", mean), ("variance", variance), ("scale", scale), ("offset", offset)):
        if p is None:
            continue
        p = as_tensor(p)
        if p.size != size:
            raise ValueError(
                f"batch_normalization: {name} must have shape {tuple(x.shape[a] for a in axes)} "
                f"(the sizes of axis {axis} of the input of shape {x.shape}), received shape {p.shape}"
            )
        inputs.append(p)
    return AffineNormalize(param_shape, epsilon, scale is not None, offset is not None)(x, *inputs)


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance of x over ``axes``, as keras.ops.moments.

        μ = mean(x),  σ² = mean((x − μ)²)

    Both are differentiable. ``synchronized`` (cross-replica statistics) has no effect
    on a single device.

    Returns:
        (mean, variance), each with ``axes`` removed (or kept as size 1 with ``keepdims``).
    """
    x = as_float_tensor(x)
    return _mean(x, axes, keepdims), _var(x, axes, keepdims)

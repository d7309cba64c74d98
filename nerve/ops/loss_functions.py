"""Keras's loss functions (``keras.losses.mean_squared_error`` and friends), composed from ops.

Each returns per-sample losses, reduced over the last axis (the focal losses over ``axis``);
reducing over the batch is nerve.losses's job. They need no Function of their own: their
gradients come from the ops they are built of. The fused cross-entropies are in ``losses.py``.
"""

from .. import backend
from ..tensor import as_float_tensor
from .activations import sigmoid, softplus
from .axis_activations import softmax
from .losses import _epsilon, _same_dtype, binary_crossentropy
from .math import divide, maximum, multiply, power, subtract, where
from .unary import abs, clip, log, square
from .reduction import max, mean, sum

__all__ = [
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "squared_hinge",
]


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Match ranks differing by one through a trailing axis of size 1 (Keras's rule).

    The array of higher rank loses its trailing 1, unless the other is rank 1 and
    ``expand_rank_1``: then that one gains a trailing 1. Works on Tensors and raw arrays.
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2.reshape(tuple(x2.shape) + (1,))
        else:
            x1 = x1.reshape(tuple(x1.shape[:-1]))
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1.reshape(tuple(x1.shape) + (1,))
        else:
            x2 = x2.reshape(tuple(x2.shape[:-1]))
    return x1, x2


def _pair(y_true, y_pred):
    """y_pred as floats, y_true cast to its dtype, ranks matched (squeeze_or_expand_to_same_rank)."""
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """mean((y_true − y_pred)², axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    return mean(square(subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true − y_pred|, axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    return mean(abs(subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100·mean(|(y_true − y_pred)/max(|y_true|, ε)|, axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    ratio = divide(subtract(y_true, y_pred), maximum(abs(y_true), _epsilon()))
    return multiply(mean(abs(ratio), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, ε) + 1) − log(max(y_true, ε) + 1))², axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _epsilon()
    first = log(maximum(y_pred, eps) + 1.0)
    second = log(maximum(y_true, eps) + 1.0)
    return mean(square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean(½x² if |x| <= δ else δ·|x| − ½δ², axis=−1) with x = y_pred − y_true"""
    y_true, y_pred = _pair(y_true, y_pred)
    error = subtract(y_pred, y_true)
    abs_error = abs(error)
    quadratic = multiply(square(error), 0.5)
    linear = multiply(abs_error, float(delta)) - 0.5 * float(delta) ** 2
    return mean(where(abs_error.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log cosh(x), axis=−1) with x = y_pred − y_true, as x + softplus(−2x) − log 2"""
    y_true, y_pred = _pair(y_true, y_pred)
    x = subtract(y_pred, y_true)
    return mean(x + softplus(multiply(x, -2.0)) - 0.6931471805599453, axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred − y_true·log(y_pred + ε), axis=−1)"""
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    return mean(y_pred - y_true * log(y_pred + _epsilon()), axis=-1)


def _hinge_labels(y_true):
    """Keras converts labels that are all 0 or 1 to −1/1 (2t − 1); other labels pass unchanged."""
    xp = backend.array_module(y_true.data)
    if bool(xp.all((y_true.data == 0) | (y_true.data == 1))):
        return multiply(y_true, 2.0) - 1.0
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 − t·y_pred, 0), axis=−1), labels t in {−1, 1} (0/1 labels are converted)"""
    y_pred = as_float_tensor(y_pred)
    t = _hinge_labels(_same_dtype(y_true, y_pred))
    return mean(maximum(1.0 - t * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 − t·y_pred, 0)², axis=−1), labels t in {−1, 1} (0/1 labels are converted)"""
    y_pred = as_float_tensor(y_pred)
    t = _hinge_labels(_same_dtype(y_true, y_pred))
    return mean(square(maximum(1.0 - t * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 − t)·y_pred) − Σ t·y_pred + 1, 0), both reductions over the last axis"""
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    positive = sum(y_true * y_pred, axis=-1)
    negative = max((1.0 - y_true) * y_pred, axis=-1)
    return maximum(negative - positive + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """Σ t·log(t/p) over the last axis, with t and p clipped to [ε, 1]"""
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    eps = _epsilon()
    t, p = clip(y_true, eps, 1.0), clip(y_pred, eps, 1.0)
    return sum(t * log(t / p), axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal loss (Lin et al., 2017) on binary labels, as keras.losses.binary_focal_crossentropy.

        t ← t·(1 − s) + s/2 (label smoothing s);  p ← σ(p) with from_logits
        bce = binary_crossentropy(t, p),  p_t = t·p + (1 − t)(1 − p)
        L = mean((1 − p_t)^γ · bce · w, axis),  w = t·α + (1 − t)(1 − α) with class balancing, else 1
    """
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = sigmoid(y_pred)
    bce = binary_crossentropy(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = power(1.0 - p_t, float(gamma)) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal loss on one-hot labels, as keras.losses.categorical_focal_crossentropy.

        t ← t·(1 − s) + s/C (label smoothing s, C classes);  p ← softmax(p) with from_logits
        q = clip(p/Σp, ε, 1 − ε),  L = Σ α·(1 − q)^γ · (−t·log q)  over ``axis``
    """
    y_pred = as_float_tensor(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = softmax(y_pred, axis=axis)
    eps = _epsilon()
    q = clip(y_pred / sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    cross_entropy = -(y_true * log(q))
    return sum(power(1.0 - q, float(gamma)) * alpha * cross_entropy, axis=axis)

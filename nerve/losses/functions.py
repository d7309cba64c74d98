"""keras.losses's functions: per-sample losses, reduced over the last axis, not over the batch.

Most are nerve.ops's loss functions as they are. The cross-entropies here add what
keras.losses adds on top of keras.ops: label smoothing, ``ignore_class``, and for
binary cross-entropy the mean over ``axis``.
"""

import warnings

from .. import backend, ops
from ..ops.loss_functions import (  # noqa: F401  (re-exported: keras.losses's names)
    binary_focal_crossentropy, categorical_focal_crossentropy, categorical_hinge, hinge, huber,
    kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, squared_hinge,
)
from ..tensor import Tensor, as_tensor
from .loss import convert, squeeze_or_expand_to_same_rank


def _float_pair(y_true, y_pred):
    """y_pred as a float Tensor, y_true cast to its dtype (graph kept for Tensors)."""
    y_pred = as_tensor(y_pred)
    if not backend.is_float_dtype(y_pred.dtype):
        y_pred = convert(y_pred, backend.floatx())
    return convert(y_true, y_pred.dtype), y_pred


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy of one-hot (or soft) labels, per sample.

        t ← t·(1 − s) + s/C   (label smoothing s, C = y_true.shape[-1])
        L = −Σ t·log p  over ``axis``   (see ``nerve.ops.categorical_crossentropy``)

    Args:
        y_true: labels, shape (batch, ..., classes).
        y_pred: probabilities, or logits with ``from_logits=True``.
        label_smoothing: s in [0, 1].
        axis: the class axis.
    Returns:
        Tensor of shape (batch, ...).
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_crossentropy: `axis` must be of type int. Received: axis={axis}")
    y_true, y_pred = _float_pair(y_true, y_pred)
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy of integer labels, per sample: −log p[label] along ``axis``.

    Labels equal to ``ignore_class`` give a loss of 0 (and the ``SparseCategoricalCrossentropy``
    class leaves them out of the mean).

    Args:
        y_true: integer labels, shape (batch, ...) or (batch, ..., 1); floats holding integers work.
        y_pred: probabilities, or logits with ``from_logits=True``, shape (batch, ..., classes).
        ignore_class: a label value to ignore (e.g. −1 or a padding class).
    Returns:
        Tensor of shape (batch, ...).
    """
    y_true = y_true if isinstance(y_true, Tensor) else as_tensor(y_true)
    y_pred = y_pred if isinstance(y_pred, Tensor) else as_tensor(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ops.reshape(y_true, y_true.shape[:-1])
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    valid = ignore_mask(y_true, ignore_class)
    xp = backend.array_module(valid)
    labels = xp.where(valid, y_true.data, 0)
    values = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits, axis=axis)
    return ops.where(valid, values, 0.0)


def ignore_mask(y_true, ignore_class):
    """Boolean array: True where the label is not ``ignore_class``."""
    data = y_true.data if isinstance(y_true, Tensor) else y_true
    return data != ignore_class


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged over ``axis``, per sample.

        t ← t·(1 − s) + s/2   (label smoothing s)
        L = mean(−(t·log p + (1 − t)·log(1 − p)), axis)   (see ``nerve.ops.binary_crossentropy``)

    Returns:
        Tensor of y_pred's shape without ``axis``.
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def cosine_similarity(y_true, y_pred, axis=-1):
    """−Σ normalize(y_true)·normalize(y_pred) over ``axis``, normalize(x) = x/√max(Σx², 1e-12).

    −1 for parallel vectors, 0 for orthogonal ones, 1 for opposite ones.
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _l2_normalize(x, axis):
    squared_norm = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squared_norm, 1e-12))


# keras.losses's short names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy
logcosh = log_cosh

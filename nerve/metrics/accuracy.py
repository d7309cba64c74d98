"""Accuracy metrics: exact match, thresholded binary, categorical (argmax), top-k.

The functions return per-sample 0/1 values as Tensors (Keras's metric functions); the
classes average them over everything seen. All of it is plain array arithmetic.
"""

from .. import backend
from ..tensor import Tensor
from .metric import MeanMetricWrapper, as_array, squeeze_or_expand_to_same_rank


def _matches(condition):
    return Tensor.wrap(condition.astype(backend.floatx()))


def _per_sample(condition):
    """0/1 values averaged over the last axis when there is one besides the batch (Keras)."""
    values = condition.astype(backend.floatx())
    return Tensor.wrap(values.mean(axis=-1) if values.ndim >= 2 else values)


def accuracy(y_true, y_pred):
    """1 where y_true == y_pred, averaged over the last axis of (batch, d) inputs."""
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _per_sample(y_true == y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where (y_pred > threshold) equals the 0/1 label, averaged over the last axis of (batch, d)."""
    y_pred = as_array(y_pred)
    y_true = as_array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _per_sample((y_pred > threshold).astype(y_true.dtype) == y_true)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_true) == argmax(y_pred) along the last axis."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return _matches(y_true.argmax(axis=-1) == y_pred.argmax(axis=-1))


def _sparse_labels(y_true, y_pred):
    """Integer labels of y_pred's rank minus one (a trailing axis of size 1 dropped)."""
    y_true = as_array(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer label equals argmax(y_pred) along the last axis."""
    y_pred = as_array(y_pred)
    y_true = _sparse_labels(y_true, y_pred)
    return _matches(y_true == y_pred.argmax(axis=-1))


def in_top_k(targets, predictions, k):
    """True where predictions[target] is among the k largest of its row (ties count as in)."""
    xp = backend.array_module(predictions)
    classes = predictions.shape[-1]
    if k >= classes:
        return xp.ones(targets.shape, dtype=bool)
    kth_largest = xp.partition(predictions, classes - k, axis=-1)[:, classes - k]
    target_scores = xp.take_along_axis(predictions, targets.astype("int64")[:, None], axis=-1)[:, 0]
    return target_scores >= kth_largest


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot label's class is among the k highest scores of y_pred."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    labels = y_true.argmax(axis=-1)
    hits = in_top_k(labels.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return _matches(hits.reshape(labels.shape))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label is among the k highest scores of y_pred.

    With ``from_sorted_ids``, y_pred holds class ids sorted by score and the first k are checked.
    """
    y_pred = as_array(y_pred)
    y_true = as_array(y_true)
    shape = y_true.shape
    labels = y_true.reshape(-1)
    if from_sorted_ids:
        hits = (y_pred.reshape(-1, y_pred.shape[-1])[:, :k] == labels[:, None]).any(axis=1)
    else:
        hits = in_top_k(labels, y_pred.reshape(-1, y_pred.shape[-1]), k)
    return _matches(hits.reshape(shape))


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly (for class ids, not scores)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 label.

    Args:
        threshold: the probability above which a prediction counts as 1 (default 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < threshold < 1:
            raise ValueError("BinaryAccuracy: invalid value for argument `threshold`. Expected a value "
                             f"in interval (0, 1). Received: threshold={threshold}")
        self.threshold = threshold
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches argmax of the one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the k highest scores (default k = 5)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest scores (default k = 5)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)

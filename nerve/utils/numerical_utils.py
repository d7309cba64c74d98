"""Label encoding and normalization: ``to_categorical`` and ``normalize``, as Keras's."""

import numpy

from .. import backend
from ..tensor import Tensor


def to_categorical(x, num_classes=None):
    """One-hot encode class indices: ``[1, 0, 2]`` -> ``[[0, 1, 0], [1, 0, 0], [0, 0, 1]]``.

    Args:
        x: integer class indices, any shape (a trailing axis of size 1 is dropped).
        num_classes: the number of classes (``max(x) + 1`` by default).

    Returns:
        a ``floatx`` (float32) NumPy array of shape ``x.shape + (num_classes,)`` (a Tensor for
        a Tensor input). Keras returns float64 for NumPy input; nerve keeps float32, its default.
    """
    is_tensor = isinstance(x, Tensor)
    labels = numpy.asarray(x.numpy() if is_tensor else x)
    if labels.size and not numpy.all(numpy.equal(numpy.mod(labels, 1), 0)):
        raise ValueError(
            f"to_categorical: expected integer class indices, received values like {labels.ravel()[:3]}")
    labels = labels.astype("int64")
    shape = labels.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if not num_classes:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"to_categorical: class indices must lie in [0, {num_classes}), received values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    categorical = numpy.zeros((labels.size, num_classes), dtype=backend.floatx())
    categorical[numpy.arange(labels.size), labels] = 1
    categorical = categorical.reshape(shape + (num_classes,))
    return Tensor(categorical) if is_tensor else categorical


def normalize(x, axis=-1, order=2):
    """``x / ‖x‖_order`` along ``axis`` (zero vectors stay zero).

    Args:
        x: a NumPy array or a Tensor (differentiable).
        axis: the axis of the vectors.
        order: the norm's order (2 = Euclidean, 1 = sum of absolute values).
    """
    if isinstance(x, Tensor):
        from .. import ops
        norm = ops.power(ops.sum(ops.power(ops.abs(x), order), axis=axis, keepdims=True), 1.0 / order)
        norm = ops.where(norm == 0, ops.ones_like(norm), norm)
        return x / norm
    x = numpy.asarray(x)
    norm = numpy.atleast_1d(numpy.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    norm = numpy.expand_dims(norm, axis if axis is not None else -1)
    if x.dtype.kind == "f":
        norm = norm.astype(x.dtype, copy=False)
    return x / norm

"""nerve.metrics: Keras 3's metrics, stateful and computed on raw arrays.

``metric.update_state(y_true, y_pred, sample_weight=None)`` accumulates, ``result()``
returns a scalar Tensor, ``reset_state()`` starts over. :func:`get` resolves names,
classes, config dicts and functions to a Metric instance; :func:`resolve_accuracy`
picks the accuracy that fits a loss and an output shape, as ``compile`` needs.
"""

import inspect

from .. import losses as _losses
from ..utils.registry import deserialize_object, get_object, lookup_function, lookup_name, serialize_object
from .accuracy import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy, accuracy, binary_accuracy, categorical_accuracy, in_top_k,  # noqa: F401
    sparse_categorical_accuracy, sparse_top_k_categorical_accuracy, top_k_categorical_accuracy,
)
from .confusion import (
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    confusion_counts,  # noqa: F401
)
from .iou import IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .metric import Mean, MeanMetricWrapper, Metric, Sum
from .probabilistic import (
    BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, Poisson,
    SparseCategoricalCrossentropy, SquaredHinge, binary_crossentropy, categorical_crossentropy,
    categorical_hinge, hinge, kl_divergence, poisson, sparse_categorical_crossentropy, squared_hinge,
)
from .regression import (
    CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, cosine_similarity, log_cosh, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error,
)

_CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError,
    CosineSimilarity, LogCoshError, AUC, Precision, Recall, TruePositives, FalsePositives, TrueNegatives,
    FalseNegatives, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge,
)
_FUNCTIONS = (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_logarithmic_error, cosine_similarity, log_cosh,
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy, "mse": mean_squared_error,
    "MSE": mean_squared_error, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "kld": kl_divergence, "KLD": kl_divergence, "acc": accuracy, "logcosh": log_cosh,
})


def get_function(name):
    """The metric function registered under ``name`` ("mse", "sparse_categorical_accuracy", ...)."""
    return lookup_function(name, ALL_OBJECTS_DICT, "metrics", "metric")


def serialize(metric):
    """A metric as Keras's dict ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_object(metric, Metric, "metrics")


def deserialize(config, custom_objects=None):
    """A Metric from ``serialize``'s dict (or the function registered under a name)."""
    if isinstance(config, str):
        return lookup_name(config, ALL_OBJECTS_DICT, "metrics", "metric", custom_objects)
    return deserialize_object(config, ALL_OBJECTS_DICT, "metrics", "metric", custom_objects)


def get(identifier):
    """A ``Metric`` instance for ``identifier`` (None gives None).

    Accepts a Metric (returned as is), a Metric class (instantiated), a class or function
    name ("mse", "AUC", "sparse_categorical_accuracy", ...), a config dict, or a function
    ``fn(y_true, y_pred)`` returning per-sample values. Functions are wrapped in a
    ``MeanMetricWrapper`` named after the identifier, as Keras's ``compile`` does.
    "accuracy"/"acc" give the exact-match ``Accuracy``; ``compile`` should call
    :func:`resolve_accuracy` instead to pick the accuracy that fits the loss.
    """
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        return Accuracy(name=identifier)
    return get_object(identifier, ALL_OBJECTS_DICT, Metric, deserialize, "metrics", "metric",
                      wrap_function=MeanMetricWrapper)


_SPARSE_LOSSES = {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}
_BINARY_LOSSES = {"binary_crossentropy", "BinaryCrossentropy", "bce", "BCE", "binary_focal_crossentropy",
                  "BinaryFocalCrossentropy"}


def _loss_name(loss):
    if isinstance(loss, str):
        return loss
    if isinstance(loss, _losses.LossFunctionWrapper) and type(loss) is _losses.LossFunctionWrapper:
        return getattr(loss.fn, "__name__", "")
    if isinstance(loss, _losses.Loss) or inspect.isclass(loss):
        return loss.__name__ if inspect.isclass(loss) else type(loss).__name__
    return getattr(loss, "__name__", "")


def resolve_accuracy(loss, output_shape, y_true_shape=None, name="accuracy"):
    """The accuracy metric "accuracy" means for this loss and output (Keras's rule).

    With ``y_true_shape`` (Keras 3's rule, from shapes): output last dim 1 -> BinaryAccuracy;
    labels of rank output−1, or with a trailing 1 -> SparseCategoricalAccuracy;
    otherwise CategoricalAccuracy. Without it (tf.keras's rule, from the loss): a binary
    cross-entropy or an output last dim of 1 -> BinaryAccuracy; a sparse categorical
    cross-entropy -> SparseCategoricalAccuracy; otherwise CategoricalAccuracy.

    Args:
        loss: the compiled loss (name, Loss instance, class or function).
        output_shape: the model output's shape (batch dimension included or not).
        y_true_shape: the labels' shape, when known.
        name: the returned metric's name.
    Returns:
        a new metric instance named ``name``.
    """
    output_shape = tuple(output_shape or ())
    binary_output = bool(output_shape) and output_shape[-1] == 1
    if y_true_shape is not None:
        y_true_shape = tuple(y_true_shape)
        if binary_output:
            return BinaryAccuracy(name=name)
        sparse = len(y_true_shape) == len(output_shape) - 1 or (
            len(y_true_shape) == len(output_shape) and bool(y_true_shape) and y_true_shape[-1] == 1)
        return SparseCategoricalAccuracy(name=name) if sparse else CategoricalAccuracy(name=name)
    loss_name = _loss_name(loss)
    if loss_name in _BINARY_LOSSES or binary_output:
        return BinaryAccuracy(name=name)
    if loss_name in _SPARSE_LOSSES:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


__all__ = sorted(set(ALL_OBJECTS_DICT) - {"acc"} | {
    "get", "serialize", "deserialize", "get_function", "resolve_accuracy"})

"""Regression metrics: running means of squared, absolute, percentage and logarithmic errors.

Per-sample errors are computed on raw arrays (no graph), reduced over the last axis
like Keras's loss functions, then averaged over every sample seen.
"""

from .. import backend
from ..tensor import Tensor
from .metric import Mean, MeanMetricWrapper, as_array, squeeze_or_expand_to_same_rank

_EPSILON = 1e-7


def _pair(y_true, y_pred):
    y_pred = as_array(y_pred)
    if not backend.is_float_dtype(y_pred.dtype):
        y_pred = y_pred.astype(backend.floatx())
    y_true = as_array(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    diff = y_true - y_pred
    return Tensor.wrap((diff * diff).mean(axis=-1))


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return Tensor.wrap(abs(y_true - y_pred).mean(axis=-1))


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    xp = backend.array_module(y_pred)
    ratio = abs((y_true - y_pred) / xp.maximum(abs(y_true), _EPSILON))
    return Tensor.wrap(100.0 * ratio.mean(axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    xp = backend.array_module(y_pred)
    diff = xp.log1p(xp.maximum(y_pred, _EPSILON)) - xp.log1p(xp.maximum(y_true, _EPSILON))
    return Tensor.wrap((diff * diff).mean(axis=-1))


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _pair(y_true, y_pred)
    xp = backend.array_module(y_pred)

    def normalize(x):
        return x / xp.sqrt(xp.maximum((x * x).sum(axis=axis, keepdims=True), 1e-12))

    return Tensor.wrap((normalize(y_true) * normalize(y_pred)).sum(axis=axis))


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    xp = backend.array_module(y_pred)
    x = y_pred - y_true
    return Tensor.wrap((xp.logaddexp(x, -x) - 0.6931471805599453).mean(axis=-1))


class MeanSquaredError(MeanMetricWrapper):
    """Mean of (y_true − y_pred)² over everything seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of |y_true − y_pred| over everything seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of 100·|(y_true − y_pred)/y_true| over everything seen."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of (log(1 + y_pred) − log(1 + y_true))² over everything seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity of y_true and y_pred along ``axis`` (1 is best)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """Mean of log cosh(y_pred − y_true) over everything seen."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """√(mean of (y_true − y_pred)²) over everything seen (weighted per element)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        diff = y_pred - y_true
        super().update_state(diff * diff, sample_weight=sample_weight)

    def result(self):
        return self._scalar(float(super().result()) ** 0.5)


"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine, Poisson.

Each class is its function (``nerve.losses.functions``) wrapped with a reduction;
names and defaults are Keras 3's.
"""

from . import functions as F
from .loss import LossFunctionWrapper


class _Plain(LossFunctionWrapper):
    """A loss with no argument of its own: its function is the class attribute ``fn``."""

    fn = None
    default_name = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self).fn, reduction=reduction, name=name or self.default_name, dtype=dtype)


class MeanSquaredError(_Plain):
    """mean((y_true − y_pred)²) over the last axis, then reduced over the batch."""

    fn = staticmethod(F.mean_squared_error)
    default_name = "mean_squared_error"


class MeanAbsoluteError(_Plain):
    """mean(|y_true − y_pred|) over the last axis, then reduced over the batch."""

    fn = staticmethod(F.mean_absolute_error)
    default_name = "mean_absolute_error"


class MeanAbsolutePercentageError(_Plain):
    """100·mean(|(y_true − y_pred)/y_true|) over the last axis, then reduced over the batch."""

    fn = staticmethod(F.mean_absolute_percentage_error)
    default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_Plain):
    """mean((log(y_pred + 1) − log(y_true + 1))²) over the last axis, then reduced."""

    fn = staticmethod(F.mean_squared_logarithmic_error)
    default_name = "mean_squared_logarithmic_error"


class LogCosh(_Plain):
    """mean(log cosh(y_pred − y_true)) over the last axis, then reduced."""

    fn = staticmethod(F.log_cosh)
    default_name = "log_cosh"


class Poisson(_Plain):
    """mean(y_pred − y_true·log(y_pred + ε)) over the last axis, then reduced."""

    fn = staticmethod(F.poisson)
    default_name = "poisson"


class Huber(LossFunctionWrapper):
    """Huber loss: ½x² for |x| ≤ δ, δ·|x| − ½δ² beyond (x = y_pred − y_true), mean over the last axis.

    Args:
        delta: where the loss turns from quadratic to linear (default 1.0).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(F.huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class CosineSimilarity(LossFunctionWrapper):
    """−cosine similarity of y_true and y_pred along ``axis`` (−1 is best), then reduced.

    Args:
        axis: the axis along which the similarity is computed (default −1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)

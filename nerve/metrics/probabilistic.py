"""Loss-valued metrics: running means of cross-entropies, KL divergence, Poisson and hinge losses.

Each is the matching ``nerve.losses`` function averaged over every sample seen,
computed without recording a graph.
"""

from .. import losses
from ..autodiff import no_grad
from .metric import MeanMetricWrapper


def _no_graph(fn):
    def metric_fn(y_true, y_pred, **kwargs):
        with no_grad():
            return fn(y_true, y_pred, **kwargs)
    metric_fn.__name__ = fn.__name__
    metric_fn.__doc__ = fn.__doc__
    return metric_fn


binary_crossentropy = _no_graph(losses.binary_crossentropy)
categorical_crossentropy = _no_graph(losses.categorical_crossentropy)
sparse_categorical_crossentropy = _no_graph(losses.sparse_categorical_crossentropy)
kl_divergence = _no_graph(losses.kl_divergence)
poisson = _no_graph(losses.poisson)
hinge = _no_graph(losses.hinge)
squared_hinge = _no_graph(losses.squared_hinge)
categorical_hinge = _no_graph(losses.categorical_hinge)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy (``from_logits``, ``label_smoothing`` as the loss)."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy (``from_logits``, ``label_smoothing``, ``axis`` as the loss)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical cross-entropy (``from_logits``, ``axis`` as the loss)."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         axis=axis)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback–Leibler divergence Σ t·log(t/p)."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss y_pred − y_true·log(y_pred)."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """Mean hinge loss."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)

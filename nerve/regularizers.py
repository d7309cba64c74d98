"""nerve.regularizers: weight penalties added to the loss, with Keras 3's names and defaults.

A regularizer is called on a weight and returns a scalar Tensor built from ops,
so the penalty is differentiable; ``Layer.losses`` collects one per regularized
weight and ``Model.fit`` adds them to the loss.

    L1(l1):       l1 · Σ|w|
    L2(l2):       l2 · Σ w²           (no ½: Keras's convention)
    L1L2(l1, l2): l1 · Σ|w| + l2 · Σ w²
    OrthogonalRegularizer(factor, mode): factor · mean |offdiag(ŵ ŵᵀ)|, ŵ the L2-normalized rows
                                         (or columns) of a 2-D weight
"""

import math

from . import ops
from .utils import registry
from .utils.configurable import ConfigValue


class Regularizer(ConfigValue):
    """Base class: ``__call__(x)`` returns a scalar penalty; ``get_config`` its arguments."""

    def __call__(self, x):
        return ops.zeros((), dtype=x.dtype)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__}: regularizers implement get_config()")


def _factor(value, name, owner):
    value = 0.0 if value is None else value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{owner}: `{name}` must be a non-negative number, received {value!r}")
    return float(value)


class L1L2(Regularizer):
    """penalty = l1 · Σ|x| + l2 · Σ x².

    Args:
        l1: L1 factor (default 0.0).
        l2: L2 factor (default 0.0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", "L1L2")
        self.l2 = _factor(l2, "l2", "L1L2")

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            term = self.l2 * ops.sum(ops.square(x))
            penalty = term if penalty is None else penalty + term
        return ops.zeros((), dtype=x.dtype) if penalty is None else penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """penalty = l1 · Σ|x|.

    Args:
        l1: the factor (default 0.01).
    """

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """penalty = l2 · Σ x².

    Args:
        l2: the factor (default 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthogonality.

    penalty = factor · Σ_{i≠j} |ŵᵢ·ŵⱼ| / (n(n−1)), ŵ the rows (mode "rows") or
    columns ("columns") scaled to unit L2 norm.

    Args:
        factor: the factor (default 0.01).
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns', received {mode!r}")
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: needs a 2-D weight, received shape {x.shape}")
        if self.mode == "columns":
            x = ops.transpose(x)
        norms = ops.sqrt(ops.sum(ops.square(x), axis=1, keepdims=True) + 1e-12)
        unit = x / norms
        products = ops.matmul(unit, ops.transpose(unit))
        n = x.shape[0]
        off_diagonal = ops.abs(products * (1.0 - ops.eye(n, dtype=x.dtype)))
        return self.factor * ops.sum(off_diagonal) / max(n * (n - 1), 1)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

ALL_OBJECTS = {cls.__name__: cls for cls in (L1, L2, L1L2, OrthogonalRegularizer)}
ALL_OBJECTS.update({"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer})


def serialize(regularizer):
    """A regularizer as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``."""
    if regularizer is None:
        return None
    return registry.serialize_object(regularizer, Regularizer, "regularizers")


def deserialize(config, custom_objects=None):
    """The regularizer a ``serialize`` dict (or a name) describes."""
    if isinstance(config, str):
        return get(config)
    return registry.deserialize_object(config, ALL_OBJECTS, "regularizers", "regularizer", custom_objects)


def get(identifier):
    """A regularizer from None, a name, a dict, a class, an instance or a function (returned as is)."""
    return registry.get_object(identifier, ALL_OBJECTS, Regularizer, deserialize, "regularizers", "regularizer",
                               wrap_function=lambda fn, name: fn)


__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "serialize", "deserialize", "get"]

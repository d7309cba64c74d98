"""Weight constraints (keras.constraints): projections applied to a variable after each update.

A layer's ``kernel_constraint=`` (or ``bias_constraint=``...) is stored on its Variable; the
optimizer replaces the variable w by constraint(w) right after applying the gradient, so the
weights stay in the allowed set (max-norm with dropout, as in Srivastava et al. 2014).
Norms are taken over ``axis``: for a Dense kernel (in, out), axis 0 is each unit's incoming
weights; for a Conv2D kernel (h, w, in, out), use axis=[0, 1, 2].
"""

from . import config, ops
from .utils import registry
from .utils.configurable import FromConfig


class Constraint(FromConfig):
    """Base class: ``__call__(w)`` returns the projected weights (this one: w unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


class MaxNorm(Constraint):
    """w ← w · clip(‖w‖, 0, max_value) / (ε + ‖w‖): rescales the slices whose norm exceeds max_value."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, _axis(self.axis))
        desired = ops.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """w ← w · d / (ε + ‖w‖) with d = rate·clip(‖w‖, min_value, max_value) + (1 − rate)·‖w‖."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, _axis(self.axis))
        desired = self.rate * ops.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """w ← max(w, 0): non-negative weights."""

    def __call__(self, w):
        return ops.maximum(w, 0)


class UnitNorm(Constraint):
    """w ← w / (ε + ‖w‖): every slice along ``axis`` of norm 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (config.epsilon() + _norms(w, _axis(self.axis)))

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

ALL_OBJECTS = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
ALL_OBJECTS.update({"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
                    "unit_norm": UnitNorm})


def serialize(constraint):
    """A constraint as Keras writes it (None for None; a plain function cannot be written)."""
    if constraint is None:
        return None
    return registry.serialize_object(constraint, Constraint, "constraints")


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    return registry.deserialize_object(config, ALL_OBJECTS, "constraints", "constraint", custom_objects)


def get(identifier):
    """A constraint from None, a name ("max_norm"...), a dict, a class, an instance or a function
    (returned as is: any ``w -> w'`` callable works)."""
    return registry.get_object(identifier, ALL_OBJECTS, Constraint, deserialize, "constraints", "constraint",
                               wrap_function=lambda fn, name: fn)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "serialize", "deserialize", "get"]

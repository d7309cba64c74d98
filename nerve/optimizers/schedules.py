"""Learning-rate schedules: the learning rate as a function of the optimizer's step.

An optimizer given a schedule evaluates it at ``optimizer.iterations`` (the
number of updates already applied) before each update. Names, arguments and
formulas are Keras 3's (``keras.optimizers.schedules``); ``StepDecay`` is a
nerve extra. Every schedule returns a Python float.
"""

import math

from ..utils.configurable import FromConfig
from ..utils.registry import deserialize_object, serialize_object


class LearningRateSchedule(FromConfig):
    """Base class: ``schedule(step)`` -> learning rate; subclasses define ``__call__``."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step)")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")


def _positive(value, argument, schedule):
    if value <= 0:
        raise ValueError(f"{schedule}: argument `{argument}` must be > 0. Received: {argument}={value}")
    return value


class _DecayOverSteps(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments and config, and the
    progress p = step / decay_steps (floored with ``staircase``) their formulas take."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.name = name or type(self).__name__
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(decay_steps, "decay_steps", self.name)
        self.decay_rate = decay_rate
        self.staircase = staircase

    def _progress(self, step):
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayOverSteps):
    """lr(step) = initial_learning_rate · decay_rate^(step / decay_steps).

    With ``staircase=True`` the exponent is floored: the rate drops in steps.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps over which the rate is multiplied by ``decay_rate`` (> 0).
        decay_rate: the multiplier per ``decay_steps``.
        staircase: floor ``step / decay_steps``.
        name: the schedule's name (default "ExponentialDecay").
    """

    def __call__(self, step):
        return float(self.initial_learning_rate * self.decay_rate ** self._progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """lr(step) = values[i] for boundaries[i−1] < step ≤ boundaries[i].

    ``values[0]`` up to and including ``boundaries[0]``, ``values[-1]`` after the last boundary.

    Args:
        boundaries: increasing step counts, one fewer than ``values``.
        values: the rate on each interval.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={list(boundaries)} of length {len(boundaries)}, and "
                f"values={list(values)} of length {len(values)}."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        step = float(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """lr(step) = (initial − end) · (1 − step/decay_steps)^power + end, step capped at decay_steps.

    With ``cycle=True`` decay_steps is stretched to the next multiple of itself past ``step``
    instead of capping.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(decay_steps, "decay_steps", name)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = float(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return float(span * (1.0 - p) ** self.power + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_DecayOverSteps):
    """lr(step) = initial_learning_rate / (1 + decay_rate · step / decay_steps) (floored with staircase).

    Args: as ``ExponentialDecay`` (default name "InverseTimeDecay").
    """

    def __call__(self, step):
        return float(self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step)))


class CosineDecay(LearningRateSchedule):
    """Cosine decay, after an optional linear warmup (SGDR without restarts).

    Without warmup: lr(step) = initial · ((1 − alpha) · ½(1 + cos(π · s/decay_steps)) + alpha),
    s = min(step, decay_steps). With ``warmup_target``: the rate rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then decays from
    ``warmup_target`` as above over the next ``decay_steps``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_from):
        completed = step / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * completed))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            return float(self._decay(min(step, self.decay_steps), self.initial_learning_rate))
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return float(delta * step / self.warmup_steps + self.initial_learning_rate)
        return float(self._decay(step - self.warmup_steps, self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017).

    The i-th period lasts first_decay_steps · t_mul^i steps and starts from
    initial_learning_rate · m_mul^i; within a period the rate follows the cosine of
    ``CosineDecay`` with floor ``alpha``.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = _positive(first_decay_steps, "first_decay_steps", name)
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        completed = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(completed)
            completed -= restart
        else:
            t_mul = float(self.t_mul)
            restart = math.floor(math.log(1.0 - completed * (1.0 - t_mul)) / math.log(t_mul))
            elapsed = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            completed = (completed - elapsed) / t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * completed))
        return float(self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul, "m_mul": self.m_mul,
                "alpha": self.alpha, "name": self.name}


class StepDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate · factor^floor(step / step_size)  (nerve extra).

    Args:
        initial_learning_rate: the rate for the first ``step_size`` steps.
        step_size: steps between drops (> 0).
        factor: the multiplier at each drop (e.g. 0.1).
    """

    def __init__(self, initial_learning_rate, step_size, factor=0.1, name="StepDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.step_size = _positive(step_size, "step_size", name)
        self.factor = factor
        self.name = name

    def __call__(self, step):
        return float(self.initial_learning_rate * self.factor ** (int(step) // self.step_size))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "step_size": self.step_size,
                "factor": self.factor, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts, StepDecay,
)}


def serialize(schedule):
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes it."""
    return serialize_object(schedule, LearningRateSchedule, "optimizers.schedules")


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s dict (custom classes via ``custom_objects``)."""
    return deserialize_object(config, _SCHEDULES, "optimizers.schedules", "schedule", custom_objects)

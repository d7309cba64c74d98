"""LearningRateScheduler: set the optimizer's learning rate at the start of each epoch."""

import numpy

from .callback import Callback


def _current_lr(model):
    lr = model.optimizer.learning_rate
    lr = getattr(lr, "data", lr)
    return float(numpy.asarray(lr.get() if hasattr(lr, "get") else lr))


class LearningRateScheduler(Callback):
    """``lr = schedule(epoch, lr)`` (or ``schedule(epoch)``) before each epoch; logs ``learning_rate``.

    Args:
        schedule: a function of the epoch index (0-based) and the current rate, returning a float.
        verbose: 1 prints the new rate.

    Example:
        >>> callback = LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate"):
            raise ValueError('LearningRateScheduler: the optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _current_lr(self.model))
        except TypeError:                      # the old one-argument form
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, int, numpy.floating, numpy.integer)) or isinstance(lr, bool):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr!r}")
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _current_lr(self.model)

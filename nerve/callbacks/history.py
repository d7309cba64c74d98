"""History: the per-epoch logs of ``fit``, which ``fit`` returns."""

from .callback import Callback


class History(Callback):
    """Records ``logs`` at the end of each epoch: ``history.history["loss"]`` is a list per key,
    ``history.epoch`` the epoch indices. ``fit`` adds one and returns it (also ``model.history``)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self

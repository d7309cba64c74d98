"""ModelCheckpoint: save the model (or its weights) during training, optionally only the best."""

import os
import warnings

from .callback import Callback
from .monitor import resolve_mode


class ModelCheckpoint(Callback):
    """Save the model every epoch (or every ``save_freq`` batches), or only when ``monitor`` improves.

    Args:
        filepath: where to save; may hold ``{epoch}`` and log keys, formatted with the epoch
            (1-based) and the logs, e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.nerve"``. Must end in
            ``.nerve`` or ``.keras``, or ``.weights.safetensors`` / ``.weights.h5`` with ``save_weights_only``.
        monitor: the quantity compared with ``save_best_only``.
        verbose: 1 prints a line on each save.
        save_best_only: save only when ``monitor`` beats the best so far.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: "min", "max" or "auto".
        save_freq: "epoch" or a number of batches.
        initial_value_threshold: the value the first save must beat (with ``save_best_only``).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._direction = None
        self._batches_seen = 0
        self._current_epoch = 0
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"ModelCheckpoint: unrecognized save_freq: {save_freq!r} (expected 'epoch' or a positive int)")
        if save_weights_only and not self.filepath.endswith((".weights.safetensors", ".weights.h5")):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end "
                "in `.weights.safetensors` (nerve's weights format) or `.weights.h5` (Keras's). "
                f"Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith((".nerve", ".keras")):
            raise ValueError(
                "The filepath provided must end in `.nerve` (nerve's model format) or `.keras` (Keras's). "
                f"Received: filepath={self.filepath}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in (logs or {}):
                return self.filepath.format(epoch=epoch + 1, **(logs or {}))
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **(logs or {}))
        except KeyError as err:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {err}') from None

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._file_path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
                return
            if self._direction is None:
                self._direction = resolve_mode("ModelCheckpoint", self.model, self.monitor, self.mode)
            current = float(current)
            if self.best is None:
                better = True
            else:
                better = current < self.best if self._direction == "min" else current > self.best
            if not better:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

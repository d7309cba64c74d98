"""The training loop: compile, fit, evaluate and predict, read top to bottom.

``Model`` inherits :class:`Trainer`. One step of training happens in exactly one place,
:meth:`Trainer.train_step` (override it to change what a step does): forward with
``training=True``, the compiled loss plus every regularization penalty in ``model.losses``,
``nerve.grad`` of that loss with respect to the trainable weights, ``optimizer.apply``. Around
it, ``fit`` only draws batches, calls callbacks and keeps the metrics' running means (weighted
by batch size, as Keras's): the epoch's ``loss`` is the mean of the batch losses, weighted by
the number of samples in each batch. ``evaluate`` and ``predict`` run under ``nerve.no_grad()``:
no graph is recorded.

A custom training loop needs nothing from here::

    for x, y in batches:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
        grads = nerve.grad(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
"""

import sys
import warnings

import numpy

from .. import backend, callbacks as callbacks_module, ops, optimizers
from ..autodiff import grad, no_grad
from ..distribution import data_parallel as distribution_lib
from ..utils.tree import flatten, map_structure
from . import compile_utils
from .data_adapter import (EpochIterator, class_weight_to_sample_weights, train_validation_split,
                           unpack_x_y_sample_weight)


class Trainer:
    """compile / fit / evaluate / predict, and the ``*_step`` methods they repeat."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._compile_config = None
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.history = None
        self.steps_per_execution = 1

    # ---- compile ----------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Choose the optimizer, loss(es) and metrics that ``fit`` and ``evaluate`` use.

        Args:
            optimizer: a name ("adam", "sgd", "rmsprop", ...) or an Optimizer.
            loss: a name, a Loss, a function ``(y_true, y_pred)``, or a list / dict (by output name)
                of those for several outputs.
            loss_weights: scalar factors of each output's loss (list or dict): the total loss is
                Σ wᵢ·lossᵢ.
            metrics: a list of metric names or Metrics ("accuracy" picks binary, sparse or
                categorical accuracy from the shapes of y), or a list of lists / dict per output.
            weighted_metrics: metrics that also take ``sample_weight`` / ``class_weight`` into account.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for Keras
                compatibility (nerve always runs eagerly, one step at a time).
        """
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        names = getattr(self, "output_names", None)
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = (compile_utils.CompileMetrics(metrics, weighted_metrics, names)
                                 if metrics or weighted_metrics else None)
        self._loss_tracker = compile_utils.MeanTracker("loss")
        self._compile_config = {
            "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
            "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution, "jit_compile": jit_compile,
        }
        self.steps_per_execution = steps_per_execution
        self.stop_training = False
        self.compiled = True

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then the per-output loss trackers."""
        result = []
        if self.compiled:
            result.append(self._loss_tracker)
            if self._compile_metrics is not None:
                result.extend(self._compile_metrics.metrics)
            if self._compile_loss is not None:
                result.extend(self._compile_loss.metrics)
        return result

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # ---- one step -----------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y_pred`` against ``y`` plus the sum of ``self.losses``."""
        parts = []
        if self._compile_loss is not None:
            value = self._compile_loss(y, y_pred, sample_weight)
            if value is not None:
                parts.append(value)
        parts.extend(ops.sum(penalty) for penalty in self.losses)
        if not parts:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch (raw arrays) and return every metric's result."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """Every metric's result; under a data-parallel distribution, over every process's samples."""
        def read():
            return {m.name: compile_utils.result_value(m) for m in self.metrics}
        dist = distribution_lib.distribution()
        return dist.global_results(self.metrics, read) if dist is not None else read()

    def train_step(self, data):
        """One optimization step on one batch ``(x, y, sample_weight)``; returns the metrics' logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(loss.data, _batch_size(x))
        weights = self.trainable_weights
        if weights:
            loss = self.optimizer.scale_loss(loss)     # loss · loss_scale_factor; apply() divides it out
            self.optimizer.apply(grad(loss, weights), weights)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics of one batch, without training."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss.data, _batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ---- fit ------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the History (``history.history["loss"]``, ...).

        Args:
            x, y: NumPy arrays or Tensors (lists / dicts of them for several inputs / outputs),
                or, in ``x`` alone, a generator or PyDataset yielding ``(x, y[, sample_weight])``.
            batch_size: samples per step for arrays (32 by default).
            epochs: the index of the last epoch (training starts at ``initial_epoch``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch, "auto" 1 on a terminal else 2.
            callbacks: a list of ``nerve.callbacks.Callback``.
            validation_split: the fraction of the arrays held out for validation: the *last*
                samples, taken before any shuffling.
            validation_data: ``(x_val, y_val[, sample_weight_val])`` or a generator / PyDataset.
            shuffle: reshuffle the arrays every epoch (True), by batch ("batch") or not (False).
            class_weight: dict class index -> weight of its samples' loss (single output).
            sample_weight: per-sample weights of the loss.
            steps_per_epoch: batches per epoch (the data carries on across epochs).
            validation_steps, validation_batch_size, validation_freq: how, and after which epochs
                (an int: every n-th; a list: those epochs, 1-based), validation runs.
        """
        self._assert_compile_called("fit")
        _check_fit_arguments(validation_split, validation_freq)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split)
        iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                 shuffle=shuffle, class_weight=class_weight)
        val_iterator = None
        if validation_data is not None:
            val_x, val_y, val_sw = unpack_x_y_sample_weight(validation_data)
            val_iterator = EpochIterator(val_x, val_y, val_sw, batch_size=validation_batch_size or batch_size,
                                         steps_per_epoch=validation_steps, shuffle=False)
        verbose = _resolve_verbose(verbose)
        dist = distribution_lib.distribution()
        if dist is not None:                      # one replica per process: start them all alike
            dist.synchronize(self)
            verbose = verbose if dist.is_chief else 0
        callbacks = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=iterator.num_batches,
        )
        self.stop_training = False
        callbacks.on_train_begin()
        training_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = None
            for step, data in iterator:
                callbacks.on_train_batch_begin(step)
                logs = self.train_step(dist.shard(data) if dist is not None else data)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if logs is None:
                if iterator.exhausted:
                    break
                raise ValueError(
                    f"fit: epoch {epoch + 1} received no batches: the training data is empty or exhausted"
                )
            epoch_logs = dict(self._get_metrics_result_or_logs(logs))
            if val_iterator is not None and _should_eval(epoch, validation_freq):
                val_logs = self._evaluate_epoch(val_iterator, callbacks)
                epoch_logs.update({"val_" + name: value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training or iterator.exhausted:
                break
        if epochs > initial_epoch:
            self.optimizer.finalize_variable_values(self.trainable_weights)   # use_ema: the averages
        callbacks.on_train_end(logs=training_logs)
        return callbacks.history

    # ---- evaluate -------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over the data: a scalar (loss alone), a list in ``metrics_names``
        order, or a dict with ``return_dict=True``."""
        if kwargs:
            raise ValueError(f"evaluate: arguments not recognized: {sorted(kwargs)}")
        self._assert_compile_called("evaluate")
        iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        callbacks = _one_pass_callbacks(self, callbacks, verbose, iterator.num_batches)
        logs = self._evaluate_epoch(iterator, callbacks)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _evaluate_epoch(self, iterator, callbacks):
        """One pass over ``iterator`` with ``test_step``, no graph recorded; returns the logs."""
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = {}
        with no_grad():
            dist = distribution_lib.distribution()
            for step, data in iterator:
                callbacks.on_test_batch_begin(step)
                logs = self.test_step(dist.shard(data) if dist is not None else data)
                callbacks.on_test_batch_end(step, logs)
                if self.stop_evaluating:
                    break
        logs = self._get_metrics_result_or_logs(logs)
        callbacks.on_test_end(logs)
        return logs

    # ---- predict --------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x``, batch by batch, concatenated into NumPy arrays."""
        iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        callbacks = _one_pass_callbacks(self, callbacks, verbose, iterator.num_batches)
        self.stop_predicting = False
        callbacks.on_predict_begin()
        batches = []
        with no_grad():
            for step, data in iterator:
                callbacks.on_predict_batch_begin(step)
                outputs = map_structure(_to_numpy, self.predict_step(data))
                batches.append(outputs)
                callbacks.on_predict_batch_end(step, {"outputs": outputs})
                if self.stop_predicting:
                    break
        callbacks.on_predict_end()
        if not batches:
            raise ValueError("predict: the input data produced no batches")
        return _concatenate(batches)

    # ---- single batches ---------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One ``train_step`` on the given batch (metrics keep accumulating across calls, as Keras 3)."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        logs = self.train_step((x, y, sample_weight))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compile_called("test_on_batch")
        with no_grad():
            logs = self.test_step((x, y, sample_weight))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        with no_grad():
            return map_structure(_to_numpy, self.predict_step((x, None, None)))

    # ---- compile config (saving) ------------------------------------------------------------
    def get_compile_config(self):
        """The compile arguments as JSON-ready data (the optimizer with its current config)."""
        from ..saving.serialization import serialize_keras_object
        if not self.compiled or self._compile_config is None:
            return None
        config = dict(self._compile_config, optimizer=self.optimizer)
        return {k: serialize_keras_object(v) for k, v in config.items()}

    def compile_from_config(self, config):
        from ..saving.serialization import deserialize_keras_object
        if not config:
            return
        self.compile(**deserialize_keras_object(config))
        if self.built and self.trainable_weights and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.trainable_weights)

    # ---- helpers ------------------------------------------------------------------------------
    def _assert_compile_called(self, method_name):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method_name}()`.")

    def _get_metrics_result_or_logs(self, logs):
        """The metrics' results when ``logs`` came from them, else ``logs`` (a custom train_step)."""
        results = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(results):
            return results
        return {k: compile_utils.result_value(_Value(v)) for k, v in (logs or {}).items()}

    def _flatten_metrics_in_order(self, logs):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values


class _Value:
    """Adapts a plain value to ``result_value`` (which expects something with ``result()``)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _batch_size(x):
    """The number of samples in a batch: the leading size of its first array."""
    first = flatten(x)[0]
    return first.shape[0] if getattr(first, "ndim", 0) else 1


def _to_numpy(value):
    return backend.to_numpy(value.data if hasattr(value, "data") and not backend.is_array(value) else value)


def _concatenate(batches):
    """The batches' outputs joined along the batch axis, leaf by leaf."""
    if len(batches) == 1:
        return batches[0]
    return map_structure(lambda *leaves: numpy.concatenate(leaves, axis=0), *batches)


def _check_fit_arguments(validation_split, validation_freq):
    """Refuse, before any training, a validation_split outside [0, 1) and a validation_freq that
    never (or ambiguously) runs validation."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float, numpy.number)) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"fit: `validation_split` must be a number in [0, 1), received {validation_split!r}")
    if isinstance(validation_freq, (int, numpy.integer)) and not isinstance(validation_freq, bool):
        if validation_freq < 1:
            raise ValueError(f"fit: `validation_freq` must be a positive integer (validate every n-th epoch) "
                             f"or a list of 1-based epochs, received {validation_freq!r}")
    elif not (isinstance(validation_freq, (list, tuple, set)) and all(
            isinstance(e, (int, numpy.integer)) and not isinstance(e, bool) and e >= 1 for e in validation_freq)):
        raise ValueError(f"fit: `validation_freq` must be a positive integer or a list of 1-based epochs, "
                         f"received {validation_freq!r}")


def _should_eval(epoch, validation_freq):
    epoch += 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch in validation_freq
    raise ValueError(f"fit: validation_freq must be an int or a list of epochs, received {validation_freq!r}")


def _one_pass_callbacks(model, callbacks, verbose, steps):
    """``callbacks`` as a CallbackList for one evaluate or predict pass of ``steps`` batches
    (fit hands evaluate its own CallbackList, which is used as is)."""
    verbose = _resolve_verbose(verbose)
    if isinstance(callbacks, callbacks_module.CallbackList):
        return callbacks
    return callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=model, verbose=verbose,
                                         epochs=1, steps=steps)


def _resolve_verbose(verbose):
    """"auto" -> 1 (progress bar) on a terminal, else 2 (one line per epoch)."""
    if verbose == "auto":
        return 1 if getattr(sys.stdout, "isatty", lambda: False)() else 2
    if verbose not in (0, 1, 2, False, True):
        raise ValueError(f"verbose: expected 0, 1, 2 or 'auto', received {verbose!r}")
    return int(verbose)


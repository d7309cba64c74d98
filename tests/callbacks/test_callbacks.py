"""Callbacks: hook order, History, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, CSVLogger, TerminateOnNaN, LambdaCallback, ProgbarLogger."""

import csv
import os

import numpy as np
import pytest

import nerve
from nerve import callbacks, layers


@pytest.fixture
def data(rng):
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True)).astype("float32")


def _model(lr=0.05):
    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(lr), "mse")
    return model


class _FakeModel:
    """What the monitoring callbacks touch: weights, stop_training, metrics, an optimizer."""

    def __init__(self):
        self.stop_training = False
        self.metrics = []
        self.weights = [np.zeros(1)]
        self.optimizer = nerve.optimizers.SGD(0.1)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def _drive(callback, values, monitor="val_loss"):
    """Feed ``values`` as per-epoch logs; the fake model's weight records the epoch. Returns (model, epochs run)."""
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    ran = 0
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_end(epoch, {monitor: value})
        ran += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return model, ran


def test_hook_order_in_fit_with_validation(data):
    x, y = data
    events = []

    class Recorder(callbacks.Callback):
        pass

    for hook in dir(callbacks.Callback):
        if hook.startswith("on_") and hook not in ("on_batch_begin", "on_batch_end"):
            setattr(Recorder, hook, lambda self, *args, _hook=hook, **kwargs: events.append(_hook))
    _model().fit(x, y, batch_size=16, epochs=1, validation_data=(x, y), callbacks=[Recorder()], verbose=0)
    assert events == [
        "on_train_begin", "on_epoch_begin",
        "on_train_batch_begin", "on_train_batch_end", "on_train_batch_begin", "on_train_batch_end",
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_batch_begin",
        "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end",
    ]


def test_every_hook_receives_a_dict_never_none(data):
    # the Keras guide's callbacks do `list(logs.keys())` in every hook, on_train_begin included
    x, y = data
    received = []

    class Keys(callbacks.Callback):
        pass

    for hook in dir(callbacks.Callback):
        if hook.startswith("on_"):
            setattr(Keys, hook, lambda self, *args, _hook=hook: received.append((_hook, args[-1])))
    model = _model()
    model.fit(x, y, batch_size=16, epochs=1, validation_data=(x, y), callbacks=[Keys()], verbose=0)
    model.evaluate(x, y, callbacks=[Keys()], verbose=0)
    model.predict(x, callbacks=[Keys()], verbose=0)
    assert {hook for hook, _ in received} >= {"on_train_begin", "on_epoch_begin", "on_predict_begin",
                                             "on_test_begin", "on_predict_end", "on_train_batch_begin"}
    assert all(isinstance(logs, dict) for _, logs in received), [h for h, logs in received if logs is None]


def test_callback_params_and_model_are_set(data):
    x, y = data
    seen = {}

    class Look(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.update(self.params, model=self.model)

    model = _model()
    model.fit(x, y, batch_size=10, epochs=3, callbacks=[Look()], verbose=0)
    assert seen == {"verbose": 0, "epochs": 3, "steps": 4, "model": model}


def test_early_stopping_patience_on_a_crafted_sequence():
    stopper = callbacks.EarlyStopping(patience=2)
    model, ran = _drive(stopper, [1.0, 0.8, 0.9, 0.85, 0.7, 0.6])
    assert ran == 4 and stopper.stopped_epoch == 3 and model.stop_training
    assert stopper.best == 0.8 and stopper.best_epoch == 1


def test_early_stopping_min_delta_mode_baseline_start_from_epoch():
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.05, patience=1)
    _, ran = _drive(stopper, [0.5, 0.52, 0.9], monitor="val_accuracy")      # auto -> max; 0.52 is no gain
    assert ran == 2
    _, ran = _drive(callbacks.EarlyStopping(patience=2), [0.9, 0.8, 0.85, 0.84])
    assert ran == 4
    _, ran = _drive(callbacks.EarlyStopping(patience=2, baseline=0.5), [0.9, 0.8, 0.85, 0.84])
    assert ran == 3                        # the wait never restarted: 0.8 did not beat the baseline
    stopper = callbacks.EarlyStopping(patience=0, start_from_epoch=2)
    _, ran = _drive(stopper, [1.0, 2.0, 3.0, 4.0])
    assert ran == 4 and stopper.stopped_epoch == 3 and stopper.best == 3.0
    with pytest.raises(ValueError, match="maximized or minimized"):
        _drive(callbacks.EarlyStopping(monitor="val_mystery"), [1.0], monitor="val_mystery")


def test_early_stopping_restores_best_weights():
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=0)
    model, ran = _drive(stopper, [3.0, 1.0, 2.0, 2.5, 0.5])
    assert ran == 4 and model.weights[0][0] == 1.0          # epoch 1 had the best val_loss


def test_early_stopping_in_fit_stops_when_the_loss_is_flat(data):
    x, y = data
    model = _model(lr=0.0)
    history = model.fit(x, y, epochs=20, shuffle=False, verbose=0,
                        callbacks=[callbacks.EarlyStopping(monitor="loss", patience=3)])
    assert len(history.history["loss"]) == 4


def test_model_checkpoint_best_only_with_formatted_names(data, tmp_path):
    x, y = data
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}.nerve")
    checkpoint = callbacks.ModelCheckpoint(pattern, monitor="loss", save_best_only=True, verbose=1)
    _model(lr=0.02).fit(x, y, epochs=3, callbacks=[checkpoint], verbose=0)
    saved = sorted(os.listdir(tmp_path))
    assert [name[:8] for name in saved] == ["ckpt-01-", "ckpt-02-", "ckpt-03-"]   # loss fell every epoch
    restored = nerve.models.load_model(tmp_path / saved[-1])
    assert restored.count_params() == 5
    flat = callbacks.ModelCheckpoint(str(tmp_path / "flat.weights.safetensors"), monitor="loss",
                                     save_best_only=True, save_weights_only=True)
    model = _model(lr=0.0)
    _, ran = _drive_fit(model, flat, x, y)
    assert os.path.exists(tmp_path / "flat.weights.safetensors") and flat.best is not None


def _drive_fit(model, callback, x, y):
    history = model.fit(x, y, epochs=2, callbacks=[callback], verbose=0)
    return history, len(history.history["loss"])


def test_model_checkpoint_rejects_wrong_suffixes(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.safetensors"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.weights.npz"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.nerve"):
        callbacks.ModelCheckpoint(str(tmp_path / "model.h5"))


def test_model_checkpoint_every_n_batches(data, tmp_path):
    x, y = data
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.nerve"), save_freq=3)
    _model().fit(x, y, batch_size=8, epochs=2, callbacks=[checkpoint], verbose=0)   # 8 batches
    assert sorted(os.listdir(tmp_path)) == ["b1-3.nerve", "b2-2.nerve"]


def test_model_checkpoint_writes_keras_weights_files(data, tmp_path):
    pytest.importorskip("h5py")
    x, y = data
    model = _model()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[checkpoint], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.h5", "w2.weights.h5"]
    other = _model()
    other.load_weights(tmp_path / "w2.weights.h5")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_learning_rate_scheduler_sets_the_rate_and_logs_it(data):
    x, y = data
    model = _model(lr=0.1)
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = model.fit(x, y, epochs=3, callbacks=[scheduler], verbose=0)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    old_style = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    model.fit(x, y, epochs=2, callbacks=[old_style], verbose=0)
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "x")], verbose=0)


def test_reduce_lr_on_plateau():
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.02, cooldown=1)
    model, _ = _drive(reducer, [1.0] * 6)
    # reduced at epochs 2 and 4 (patience 2; the cooldown epoch resets the wait): 0.1 -> 0.05 -> 0.025
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    more, _ = _drive(reducer, [1.0] * 12)
    assert more.optimizer.learning_rate == pytest.approx(0.02)               # floored at min_lr
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_csv_logger_rows(data, tmp_path):
    x, y = data
    path = tmp_path / "log.csv"
    _model().fit(x, y, epochs=3, validation_split=0.25, callbacks=[callbacks.CSVLogger(path)], verbose=0)
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "val_loss"] and [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert float(rows[3][1]) < float(rows[1][1])
    _model().fit(x, y, epochs=2, callbacks=[callbacks.CSVLogger(path, separator=";", append=True)], verbose=0)
    lines = open(path).read().splitlines()
    assert len(lines) == 6 and lines[4].startswith("0;") and lines[5].endswith(";NA")


def test_terminate_on_nan(data, capsys):
    x, y = data
    y = y.copy()
    y[20] = np.nan
    model = _model()
    history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, callbacks=[callbacks.TerminateOnNaN()],
                        verbose=0)
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_lambda_callback_and_history(data):
    x, y = data
    epochs = []
    model = _model()
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append((epoch, sorted(logs))))])
    assert epochs == [(0, ["loss"]), (1, ["loss"])]
    assert isinstance(history, callbacks.History) and model.history is history
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_nothing=print)


def test_progbar_logger_in_evaluate_and_predict(data, capsys):
    x, y = data
    model = _model()
    model.evaluate(x, y, batch_size=8, verbose=2)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("4/4 - ") and "loss:" in out[0]
    model.predict(x, batch_size=8, verbose=1)
    assert "4/4" in capsys.readouterr().out


def test_get_weights_is_a_snapshot_and_early_stopping_restores_the_best():
    """Keras's get_weights returns copies: training afterwards must not change them."""
    import numpy as np
    import nerve
    from nerve import layers
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential([nerve.Input((3,)), layers.Dense(1)])
    snapshot = model.get_weights()
    kept = [w.copy() for w in snapshot]
    model.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model.fit(x, x.sum(axis=1, keepdims=True), epochs=2, verbose=0)
    for a, b in zip(snapshot, kept):
        np.testing.assert_array_equal(a, b)
    # EarlyStopping keeps the best epoch's weights while later epochs change them, and puts them back
    stop = nerve.callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    stop.set_model(model)
    stop.on_train_begin()
    best = None
    for epoch, loss in enumerate([3.0, 1.0, 2.0, 4.0]):
        model.set_weights([w + 1.0 for w in model.get_weights()])   # the epoch's training
        if loss == 1.0:
            best = [w.copy() for w in model.get_weights()]
        stop.on_epoch_end(epoch, {"loss": loss})
    stop.on_train_end()
    for a, b in zip(model.get_weights(), best):
        np.testing.assert_array_equal(a, b)

"""fit / evaluate / predict semantics: history keys, epoch means, validation_split, weights,
generators and PyDatasets, single-batch methods, verbosity, no graph at inference."""

import numpy as np
import pytest

import nerve
from nerve import layers


def _frozen_linear(inputs=5, units=1, bias=0.0):
    """A Dense(units) with zero kernel and a constant bias, trained with SGD(0): predictions never change."""
    model = nerve.Sequential([nerve.Input((inputs,)), layers.Dense(
        units, kernel_initializer="zeros", bias_initializer=nerve.initializers.Constant(bias))])
    model.compile(nerve.optimizers.SGD(0.0), "mse")
    return model


def test_history_keys_and_lengths_with_validation(blobs):
    x, y = blobs
    model = nerve.Sequential([nerve.Input((6,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:64], y[:64], epochs=3, batch_size=16, validation_data=(x[64:], y[64:]), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 and all(isinstance(e, float) for e in v) for v in history.history.values())
    assert history.epoch == [0, 1, 2] and model.history is history
    freq = model.fit(x, y, epochs=4, validation_split=0.25, validation_freq=2, verbose=0)
    assert len(freq.history["loss"]) == 4 and len(freq.history["val_loss"]) == 2
    listed = model.fit(x, y, epochs=3, initial_epoch=1, validation_split=0.25, validation_freq=[3], verbose=0)
    assert listed.epoch == [1, 2] and len(listed.history["val_loss"]) == 1


def test_epoch_loss_is_the_batch_size_weighted_mean(regression):
    x, y = regression
    model = _frozen_linear()
    history = model.fit(x, y, batch_size=24, epochs=1, shuffle=False, verbose=0)     # batches 24, 24, 16
    assert history.history["loss"][0] == pytest.approx(float(np.mean(y ** 2)), rel=1e-5)
    assert model.evaluate(x, y, batch_size=7, verbose=0) == pytest.approx(float(np.mean(y ** 2)), rel=1e-5)


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x = np.zeros((50, 5), "float32")
    y = np.zeros((50, 1), "float32")
    y[40:] = 5.0                            # only the last 20% differ
    history = _frozen_linear().fit(x, y, epochs=2, validation_split=0.2, shuffle=True, verbose=0)
    assert history.history["loss"] == [0.0, 0.0]
    assert history.history["val_loss"] == [pytest.approx(25.0)] * 2
    with pytest.raises(ValueError, match="not sufficient to split"):
        _frozen_linear().fit(x[:1], y[:1], validation_split=0.1, verbose=0)


def test_sample_weight_and_class_weight_scale_the_loss(rng):
    x = rng.normal(size=(40, 5)).astype("float32")
    labels = np.arange(40) % 2
    y = labels[:, None].astype("float32")
    plain = _frozen_linear().fit(x, y, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    assert plain == pytest.approx(0.5)
    by_class = _frozen_linear().fit(x, y, class_weight={0: 1.0, 1: 3.0}, epochs=1, shuffle=False,
                                    verbose=0).history["loss"][0]
    weights = np.where(labels == 1, 3.0, 1.0).astype("float32")
    by_sample = _frozen_linear().fit(x, y, sample_weight=weights, epochs=1, shuffle=False,
                                     verbose=0).history["loss"][0]
    assert by_class == pytest.approx(by_sample) == pytest.approx(1.5)     # sum(l·w) / n
    with pytest.raises(ValueError, match="class_weight"):
        _frozen_linear().fit(x, y, class_weight={0: 1.0}, sample_weight=weights, verbose=0)


def test_zero_sample_weights_stop_learning(regression):
    x, y = regression
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.1), "mse")
    before = model.get_weights()
    model.fit(x, y, sample_weight=np.zeros(len(x), "float32"), epochs=2, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_generator_input_with_steps_per_epoch(regression):
    x, y = regression

    def batches():
        while True:
            for start in range(0, 64, 16):
                yield x[start:start + 16], y[start:start + 16]

    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.1), "mse")
    history = model.fit(batches(), steps_per_epoch=4, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert model.predict((x[i:i + 16] for i in range(0, 64, 16)), verbose=0).shape == (64, 1)
    with pytest.raises(ValueError, match="must not be given"):
        model.fit(batches(), y, steps_per_epoch=1, verbose=0)


def test_finite_generator_runs_out_with_a_warning(regression):
    x, y = regression
    model = _frozen_linear()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(((x[:8], y[:8]) for _ in range(3)), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 2


class _Batches(nerve.utils.PyDataset):
    def __init__(self, x, y, size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size = x, y, size
        self.seen, self.epochs_ended = [], 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        self.seen.append(index)
        part = slice(index * self.size, (index + 1) * self.size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_pydataset_input_shuffles_batches_and_calls_on_epoch_end(regression):
    x, y = regression
    data = _Batches(x, y, 8, workers=2)
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.1), "mse")
    history = model.fit(data, epochs=4, verbose=0)
    assert data.epochs_ended == 4 and len(data.seen) == 32
    assert sorted(data.seen[:8]) == list(range(8)) and data.seen[:8] != list(range(8))
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    data.seen.clear()
    model.evaluate(data, verbose=0)
    assert data.seen == list(range(8))              # no shuffling outside fit
    assert model.predict(data, verbose=0).shape == (64, 1)


def test_evaluate_return_shapes(blobs):
    x, y = blobs
    model = nerve.Sequential([nerve.Input((6,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "sparse_top_k_categorical_accuracy"] == model.metrics_names
    assert result == [logs[k] for k in logs]


def test_predict_shapes_and_batches(blobs):
    x, _ = blobs
    model = nerve.Sequential([nerve.Input((6,)), layers.Dense(3)])
    out = model.predict(x, batch_size=10, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (96, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6)
    assert model.predict(x[:5], steps=1, verbose=0).shape == (5, 3)


def test_train_test_predict_on_batch(regression):
    x, y = regression
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.1), "mse", metrics=["mae"])
    first = model.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 2
    for _ in range(20):
        logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    assert model.test_on_batch(x, y)[0] < first[0]
    assert model.predict_on_batch(x[:3]).shape == (3, 1)


def test_stop_training_from_a_callback_ends_the_epoch(regression):
    x, y = regression

    class StopAfterTwoBatches(nerve.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = _frozen_linear()
    seen = []
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[
        StopAfterTwoBatches(), nerve.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(b))])
    assert seen == [0, 1] and len(history.history["loss"]) == 1


def test_errors_before_compile_and_on_mismatched_data(regression):
    x, y = regression
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        model.fit(x, y)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=3)


def test_verbosity_output(regression, capsys):
    x, y = regression
    model = _frozen_linear()
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2, validation_split=0.5)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("1/1 - ") and "- loss: " in lines[1] and "- val_loss: " in lines[1]
    model.fit(x, y, epochs=1, batch_size=16, verbose=1)
    out = capsys.readouterr().out
    assert "4/4" in out and "━" in out and "loss:" in out and "Epoch" not in out


def test_no_graph_is_recorded_in_evaluate_and_predict(regression):
    x, y = regression
    flags = []

    class Probe(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            flags.append(nerve.autodiff.is_grad_enabled())
            return self.dense(x)

    model = Probe()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    assert flags == [True]
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert flags[1:] == [False] * 4             # two batches of 32 each


def test_tensor_inputs_batch_shuffle_and_steps_per_epoch_over_arrays(regression):
    x, y = regression
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(1)])
    model.compile(nerve.optimizers.SGD(0.1), "mse")
    history = model.fit(nerve.Tensor(x), nerve.Tensor(y), batch_size=16, epochs=3, shuffle="batch", verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    sizes = []
    counter = nerve.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: sizes.append(batch))
    history = model.fit(x, y, batch_size=16, epochs=3, steps_per_epoch=3, callbacks=[counter], verbose=0)
    assert sizes == [0, 1, 2] * 3 and len(history.history["loss"]) == 3     # 9 steps over 4-batch epochs

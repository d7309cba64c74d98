"""Subclassed models: layers tracked by attribute, call(), training flag, regularization in the
loss, a custom train_step, and the plain custom training loop of the trainer's docstring."""

import numpy as np
import pytest

import nerve
from nerve import layers


class TwoLayer(nerve.Model):
    def __init__(self, hidden=16, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(hidden, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.head = layers.Dense(classes)

    def call(self, inputs, training=None):
        return self.head(self.dropout(self.hidden(inputs), training=training))


def test_layers_are_tracked_and_weights_created_on_first_call(rng):
    model = TwoLayer()
    assert model.name.startswith("two_layer") and model.layers == [model.hidden, model.dropout, model.head]
    assert model.weights == []
    model(rng.normal(size=(2, 6)).astype("float32"))
    assert model.count_params() == 6 * 16 + 16 + 16 * 3 + 3
    assert [w.shape for w in model.trainable_weights] == [(6, 16), (16,), (16, 3), (3,)]


def test_fit_evaluate_predict(blobs):
    x, y = blobs
    model = TwoLayer()
    model.compile(nerve.optimizers.Adam(0.02), nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.8
    assert model.predict(x, verbose=0).shape == (96, 3)


def test_model_without_call_says_so():
    with pytest.raises(NotImplementedError, match="must implement"):
        nerve.Model()(np.ones((1, 2), "float32"))


def test_regularization_penalties_are_added_to_the_loss(regression):
    x, y = regression
    plain = nerve.Sequential([nerve.Input((5,)), layers.Dense(1, kernel_initializer="ones")])
    penalized = nerve.Sequential([nerve.Input((5,)), layers.Dense(1, kernel_initializer="ones",
                                                                    kernel_regularizer=nerve.regularizers.L2(0.1))])
    for model in (plain, penalized):
        model.compile("sgd", "mse")
    base = plain.evaluate(x, y, verbose=0)
    with_penalty = penalized.evaluate(x, y, verbose=0)
    assert with_penalty == pytest.approx(base + 0.1 * 5.0, rel=1e-5)       # 0.1 * sum(ones**2)


def test_add_loss_in_call_is_trained_on():
    class Shrink(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, kernel_initializer="ones")

        def call(self, x):
            out = self.dense(x)
            self.add_loss(nerve.ops.sum(nerve.ops.square(out)))
            return out

    model = Shrink()
    model.compile(nerve.optimizers.SGD(0.05))          # no compiled loss: only the added one
    x = np.ones((4, 3), "float32")
    history = model.fit(x, np.zeros((4, 2), "float32"), epochs=5, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_custom_train_step_override(regression):
    x, y = regression

    class HalfStep(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y, _ = nerve.trainers.data_adapter.unpack_x_y_sample_weight(data)
            loss = nerve.ops.mean(nerve.ops.square(self(x, training=True) - y)) * 0.5
            grads = nerve.grad(loss, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
            return {"half_mse": loss}

    model = HalfStep()
    model.compile(nerve.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=5, verbose=0)
    assert list(history.history) == ["half_mse"]
    assert isinstance(history.history["half_mse"][0], float)
    assert history.history["half_mse"][-1] < history.history["half_mse"][0]


def test_custom_training_loop_from_the_docstring(blobs):
    x, y = blobs
    model = TwoLayer()
    loss_fn = nerve.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = nerve.optimizers.Adam(0.02)
    losses = []
    for epoch in range(6):
        for start in range(0, len(x), 32):
            xb, yb = x[start:start + 32], y[start:start + 32]
            logits = model(xb, training=True)
            loss = loss_fn(yb, logits)
            grads = nerve.grad(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            losses.append(float(loss))
    assert np.mean(losses[-3:]) < 0.6 * np.mean(losses[:3])


def test_auto_config_records_constructor_arguments():
    model = TwoLayer(hidden=7, classes=2, name="tl")
    config = model.get_config()
    assert config["hidden"] == 7 and config["classes"] == 2 and config["name"] == "tl"
    again = TwoLayer.from_config(config)
    assert again.hidden.units == 7 and again.head.units == 2


def test_build_with_a_shape_creates_the_weights_for_summary():
    model = TwoLayer(hidden=4)
    model.build((None, 6))
    assert model.built and model.count_params() == 6 * 4 + 4 + 4 * 3 + 3
    captured = []
    model.summary(print_fn=captured.append)
    assert "Total params: 43" in captured[0]
    sequential = nerve.Sequential([layers.Dense(2)])
    sequential.build([None, 3])
    assert sequential.output_shape == (None, 2)

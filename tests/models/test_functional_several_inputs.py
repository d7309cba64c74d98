"""A layer called with several tensors in the functional API, as the Keras guides do:
``LogisticEndpoint(name="predictions")(targets, logits)`` builds, trains and predicts."""

import numpy as np

import nerve
from nerve import layers, ops


class LogisticEndpoint(layers.Layer):
    """The training_with_built_in_methods guide's endpoint layer: a loss from two inputs."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = nerve.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)


def test_layer_of_two_tensors_builds_trains_and_predicts(rng):
    inputs = nerve.Input(shape=(3,), name="inputs")
    targets = nerve.Input(shape=(10,), name="targets")
    logits = layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)
    assert predictions.shape == (None, 10)
    model = nerve.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")
    data = {"inputs": rng.random((6, 3)).astype("float32"), "targets": rng.random((6, 10)).astype("float32")}
    history = model.fit(data, batch_size=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    out = model.predict(data, verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_keyword_tensor_and_an_own_compute_output_shape(rng):
    class Scale(layers.Layer):
        def call(self, x, scale=None):
            return x * scale

    class Outer(layers.Layer):
        def call(self, a, b):
            return ops.expand_dims(a, -1) * ops.expand_dims(b, 1)

        def compute_output_shape(self, a_shape, b_shape):
            return (a_shape[0], a_shape[1], b_shape[1])

    a, b = nerve.Input((4,)), nerve.Input((5,))
    scaled = Scale()(a, scale=nerve.Input((4,)))
    assert scaled.shape == (None, 4)
    outer = Outer()(a, b)
    assert outer.shape == (None, 4, 5)
    model = nerve.Model([a, b], outer)
    x, y = rng.random((2, 4)).astype("float32"), rng.random((2, 5)).astype("float32")
    np.testing.assert_allclose(model.predict([x, y], verbose=0), x[:, :, None] * y[:, None, :], rtol=1e-6)

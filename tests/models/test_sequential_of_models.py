"""Sequential builds eagerly when its first layer is a model that knows its input shape (Keras 3):
``Sequential([base_model, Dense(5)]).trainable_weights`` lists every weight before any call."""

import numpy as np

import nerve
from nerve import layers


def test_sequential_over_a_built_model_builds_at_once(rng):
    inputs = nerve.Input((4,))
    base = nerve.Model(inputs, layers.Dense(3)(inputs))
    model = nerve.Sequential([base, layers.Dense(5)])
    assert model.built and model.output_shape == (None, 5)
    assert len(model.trainable_weights) == 4 and [w.shape for w in model.trainable_weights][-2:] == [(3, 5), (5,)]
    base.trainable = False                               # the transfer-learning guide's freeze
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    x = rng.normal(size=(2, 4)).astype("float32")
    w, b = base.get_weights()
    w2, b2 = model.layers[-1].get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ w + b) @ w2 + b2, rtol=1e-5, atol=1e-6)
    clone = nerve.Sequential.from_config(model.get_config())
    assert clone.built and len(clone.weights) == 4


def test_sequential_over_a_sequential_and_an_unbuilt_model():
    inner = nerve.Sequential([nerve.Input((6,)), layers.Dense(2)])
    outer = nerve.Sequential([inner, layers.Dense(1)])
    assert outer.built and len(outer.weights) == 4
    lazy = nerve.Sequential([nerve.Sequential([layers.Dense(2)]), layers.Dense(1)])
    assert not lazy.weights                              # no input shape anywhere: builds on first call
    lazy(np.zeros((1, 3), "float32"))
    assert len(lazy.weights) == 4

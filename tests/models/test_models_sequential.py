"""Sequential: built from a list or .add(), with or without an Input, lazily from data; trains."""

import numpy as np
import pytest

import nerve
from nerve import layers


def _mlp(**kwargs):
    return nerve.Sequential([nerve.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)], **kwargs)


def test_list_with_input_is_built_with_shapes_and_params():
    model = _mlp()
    assert model.built
    assert model.input_shape == (None, 6) and model.output_shape == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert model.count_params() == 6 * 8 + 8 + 8 * 3 + 3
    assert len(model.weights) == 4 and len(model.inputs) == 1 and len(model.outputs) == 1


def test_add_without_input_builds_lazily_on_first_data(rng):
    model = nerve.Sequential(name="lazy")
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert not model.built and model.weights == []
    with pytest.raises(AttributeError, match="no defined input shape"):
        model.input_shape
    out = model(rng.normal(size=(5, 7)).astype("float32"))
    assert out.shape == (5, 2) and model.built
    assert model.input_shape == (None, 7) and model.output_shape == (None, 2)
    assert model.count_params() == 7 * 4 + 4 + 4 * 2 + 2


def test_input_shape_argument_on_first_layer_and_add_after_build():
    model = nerve.Sequential([layers.Dense(4, input_shape=(3,))])
    assert model.built and model.input_shape == (None, 3)
    model.add(layers.Dense(5))
    assert model.output_shape == (None, 5)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and model.output_shape == (None, 4)


def test_add_rejects_duplicate_names_non_layers_and_late_inputs():
    model = nerve.Sequential([layers.Dense(2, name="a")])
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(2, name="a"))
    with pytest.raises(ValueError, match="only instances of nerve.layers.Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="InputLayer can only be the first"):
        model.add(nerve.layers.InputLayer(shape=(3,)))


def test_get_layer_by_name_and_index():
    model = _mlp()
    first = model.layers[0]
    assert model.get_layer(index=0) is first and model.get_layer(first.name) is first
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 2 layers"):
        model.get_layer(index=5)
    with pytest.raises(ValueError, match="Provide either"):
        model.get_layer()


def test_get_and_set_weights_round_trip(rng):
    model, other = _mlp(), _mlp()
    x = rng.normal(size=(4, 6)).astype("float32")
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())


def test_trains_and_loss_decreases(blobs):
    x, y = blobs
    model = _mlp()
    model.compile(optimizer=nerve.optimizers.Adam(0.02), loss=nerve.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.8


def test_sequential_without_input_trains_from_fit(regression):
    x, y = regression
    model = nerve.Sequential([layers.Dense(1)])
    model.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=10, verbose=0)
    assert model.input_shape == (None, 5)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]


def test_training_flag_reaches_dropout(rng):
    model = nerve.Sequential([nerve.Input((50,)), layers.Dropout(0.5)])
    x = np.ones((4, 50), "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)                 # inference: identity
    dropped = model(x, training=True).numpy()
    assert (dropped == 0).any() and np.allclose(dropped[dropped != 0], 2.0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_call_passes_training_to_its_layers():
    # model.call(x, training=...) reaches Dropout by argument, not only through the call context
    model = nerve.Sequential([nerve.Input((200,)), layers.Dropout(0.5)])
    x = np.ones((4, 200), "float32")
    assert (model.call(nerve.ops.convert_to_tensor(x), training=True).numpy() == 0).any()
    np.testing.assert_array_equal(model.call(nerve.ops.convert_to_tensor(x), training=False).numpy(), x)

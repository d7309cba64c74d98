"""Functional models: several inputs/outputs (lists or dicts), per-output losses and weights,
shared layers, nested models, graph errors, Model subclasses built from (inputs, outputs)."""

import numpy as np
import pytest

import nerve
from nerve import layers


def _two_in_two_out():
    a = nerve.Input((6,), name="a")
    b = nerve.Input((3,), name="b")
    merged = layers.Concatenate()([layers.Dense(8, activation="relu")(a), layers.Dense(4, activation="relu")(b)])
    value = layers.Dense(1, name="value")(merged)
    label = layers.Dense(3, activation="softmax", name="label")(merged)
    return nerve.Model([a, b], [value, label])


def _data(rng, n=64):
    xa = rng.normal(size=(n, 6)).astype("float32")
    xb = rng.normal(size=(n, 3)).astype("float32")
    value = (xa[:, :1] + xb[:, :1]).astype("float32")
    label = (xa[:, 0] > 0).astype("int64") + (xb[:, 0] > 0)
    return xa, xb, value, label


def test_model_new_dispatches_to_functional_with_inputs_and_outputs():
    model = _two_in_two_out()
    assert type(model).__name__ == "Functional" and isinstance(model, nerve.Model)
    assert model.name.startswith("functional")
    assert [layer.name for layer in model.layers[:2]] == ["a", "b"]        # InputLayers first
    assert model.input_names == ["a", "b"] and model.output_names == ["value", "label"]
    assert model.input_shape == [(None, 6), (None, 3)]
    assert model.output_shape == [(None, 1), (None, 3)]


def test_multi_input_multi_output_losses_and_loss_weights(rng):
    xa, xb, value, label = _data(rng)
    model = _two_in_two_out()
    model.compile(optimizer=nerve.optimizers.Adam(0.02), loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[2.0, 0.5], metrics=[[], ["accuracy"]])
    history = model.fit([xa, xb], [value, label], epochs=6, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "value_loss", "label_loss", "label_accuracy"}
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    logs = model.evaluate([xa, xb], [value, label], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], 2.0 * logs["value_loss"] + 0.5 * logs["label_loss"], rtol=1e-5)
    as_list = model.evaluate([xa, xb], [value, label], verbose=0)
    assert as_list[0] == pytest.approx(logs["loss"]) and len(as_list) == 4


def test_dict_inputs_outputs_and_dict_losses(rng):
    xa, xb, value, label = _data(rng)
    a, b = nerve.Input((6,), name="a"), nerve.Input((3,), name="b")
    h = layers.Concatenate()([a, b])
    model = nerve.Model({"a": a, "b": b}, {"value": layers.Dense(1)(h), "label": layers.Dense(3)(h)})
    assert model.output_names == ["value", "label"]
    model.compile("adam", loss={"value": "mse",
                                "label": nerve.losses.SparseCategoricalCrossentropy(from_logits=True)},
                  loss_weights={"label": 0.0})
    logs = model.evaluate({"a": xa, "b": xb}, {"value": value, "label": label}, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["value_loss"], rel=1e-5)        # label weighted by 0
    out = model.predict({"b": xb, "a": xa}, verbose=0)
    assert set(out) == {"value", "label"} and out["label"].shape == (64, 3)


def test_inputs_matched_by_name_when_given_a_dict(rng):
    xa, xb, _, _ = _data(rng, 8)
    model = _two_in_two_out()
    by_list = model.predict([xa, xb], verbose=0)
    by_name = model.predict({"b": xb, "a": xa}, verbose=0)
    np.testing.assert_array_equal(by_list[1], by_name[1])


def test_shared_layer_has_one_set_of_weights_and_two_nodes(rng):
    shared = layers.Dense(4, name="shared")
    a, b = nerve.Input((5,)), nerve.Input((5,))
    out = layers.Add()([shared(a), shared(b)])
    model = nerve.Model([a, b], out)
    assert model.count_params() == 5 * 4 + 4
    assert sum(1 for layer in model.layers if layer is shared) == 1
    assert len([n for n in shared.inbound_nodes if id(n) in model._node_ids]) == 2
    x1, x2 = rng.normal(size=(3, 5)).astype("float32"), rng.normal(size=(3, 5)).astype("float32")
    expected = shared(x1).numpy() + shared(x2).numpy()
    np.testing.assert_allclose(model([x1, x2]).numpy(), expected, rtol=1e-6)
    model.compile("sgd", "mse")
    history = model.fit([x1, x2], np.zeros((3, 4), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_sequential_nested_inside_functional_trains(blobs):
    x, y = blobs
    trunk = nerve.Sequential([layers.Dense(16, activation="relu"), layers.Dense(8, activation="relu")],
                             name="trunk")
    inputs = nerve.Input((6,))
    outputs = layers.Dense(3, activation="softmax")(trunk(inputs))
    model = nerve.Model(inputs, outputs)
    assert trunk.built and model.count_params() == trunk.count_params() + 8 * 3 + 3
    assert model.get_layer("trunk") is trunk
    model.compile(nerve.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert "acc" in history.history


def test_functional_model_used_as_a_layer_in_another():
    inner_in = nerve.Input((4,))
    inner = nerve.Model(inner_in, layers.Dense(2)(inner_in), name="inner")
    outer_in = nerve.Input((4,))
    outer = nerve.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    assert outer.output_shape == (None, 1)
    assert outer(np.ones((3, 4), "float32")).shape == (3, 1)


def test_graph_disconnected_and_non_tensor_errors():
    a, b = nerve.Input((3,)), nerve.Input((3,))
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        nerve.Model(a, out)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        nerve.Model(a, np.ones(3))


def test_wrong_number_of_inputs_is_a_clear_error():
    model = _two_in_two_out()
    with pytest.raises(ValueError, match="expected 2 input"):
        model(np.ones((2, 6), "float32"))


def test_model_subclass_built_from_inputs_and_outputs_keeps_its_train_step(regression):
    x, y = regression
    calls = []

    class Counting(nerve.Model):
        def train_step(self, data):
            calls.append(1)
            return super().train_step(data)

    inputs = nerve.Input((5,))
    model = Counting(inputs, layers.Dense(1)(inputs))
    assert isinstance(model, nerve.models.Functional) and model.output_shape == (None, 1)
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert len(calls) == 4


def test_call_passes_training_to_its_layers_unless_the_graph_fixed_it():
    inputs = nerve.Input((200,))
    free = layers.Dropout(0.5)(inputs)
    frozen = layers.Dropout(0.5)(inputs, training=False)     # recorded in the graph: always inference
    model = nerve.Model(inputs, [free, frozen])
    x = nerve.ops.ones((4, 200))
    out_free, out_frozen = model.call(x, training=True)
    assert (out_free.numpy() == 0).any()
    np.testing.assert_array_equal(out_frozen.numpy(), x.numpy())


def test_call_drops_each_value_after_its_last_reader():
    """Inference holds only live activations: when the third layer runs, the first layer's output
    (read only by the second) is gone, while a value a later node still reads is kept."""
    import weakref

    seen = {}

    class Probe(layers.Layer):
        def __init__(self, check=None, **kwargs):
            super().__init__(**kwargs)
            self.check = check

        def call(self, x):
            if self.check:
                seen[self.name] = {k: ref() is None for k, ref in seen["refs"].items()}
            out = x + 1.0
            seen.setdefault("refs", {})[self.name] = weakref.ref(out)
            return out

    inputs = nerve.Input((3,))
    a = Probe(name="a")(inputs)
    b = Probe(name="b")(a)
    c = Probe(name="c", check=True)(b)
    out = layers.Add()([c, Probe(name="d")(b)])
    model = nerve.Model(inputs, out)
    seen["refs"] = {}                  # only this call's values
    with nerve.no_grad():
        y = model(np.zeros((2, 3), "float32"))
    np.testing.assert_allclose(np.asarray(y.data), 6.0)        # (2 + 1) + (2 + 1)
    assert seen["c"] == {"a": True, "b": False}

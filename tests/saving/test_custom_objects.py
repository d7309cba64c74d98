"""User objects as Keras handles them: registered functions and classes, custom_objects=,
custom_object_scope; layers.serialize's dict; clone_model of custom layers."""

import json

import numpy as np
import pytest

import nerve
from nerve import layers


@nerve.saving.register_keras_serializable(package="CustomTests")
def doubled_relu(x):
    return nerve.ops.relu(x) * 2.0


def plus_one(x):
    return x + 1.0


class NoName(layers.Layer):
    """A custom layer whose get_config() leaves out `name` (as many user layers do)."""

    def __init__(self, k=2.0, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        return {"k": self.k}


def _model(activation):
    return nerve.Sequential([nerve.Input((4,)), layers.Dense(3, activation=activation, name="d")])


def test_registered_activation_saves_reloads_and_clones(tmp_path):
    model = _model(doubled_relu)
    config = model.layers[0].get_config()
    assert config["activation"] == {"module": __name__, "class_name": "function",
                                    "config": "CustomTests>doubled_relu",
                                    "registered_name": "CustomTests>doubled_relu"}
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    assert loaded.layers[0].activation is doubled_relu
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].get_config() == config
    clone = nerve.models.clone_model(model)
    assert clone.layers[0].activation is doubled_relu
    rebuilt = nerve.models.model_from_json(model.to_json())
    assert rebuilt.layers[0].activation is doubled_relu


def test_unregistered_function_needs_custom_objects_or_a_scope(tmp_path):
    model = _model(plus_one)
    assert model.layers[0].get_config()["activation"]["config"] == "plus_one"
    model.save(tmp_path / "m.nerve")
    with pytest.raises(ValueError, match="unknown function 'plus_one'"):
        nerve.models.load_model(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve", custom_objects={"plus_one": plus_one})
    assert loaded.layers[0].activation is plus_one
    with nerve.saving.custom_object_scope({"plus_one": plus_one}):
        assert nerve.models.load_model(tmp_path / "m.nerve").layers[0].activation is plus_one
        assert nerve.models.model_from_json(model.to_json()).layers[0].activation is plus_one
    with pytest.raises(ValueError, match="unknown function 'plus_one'"):
        nerve.models.model_from_json(model.to_json())        # the scope is closed again


def test_unregistered_layer_class_is_refused_until_named(tmp_path):
    inputs = nerve.Input((4,))
    model = nerve.Model(inputs, NoName(3.0)(inputs))
    model.save(tmp_path / "n.nerve")
    with pytest.raises(ValueError, match="unknown class 'NoName'"):
        nerve.models.load_model(tmp_path / "n.nerve")
    loaded = nerve.models.load_model(tmp_path / "n.nerve", custom_objects={"NoName": NoName})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 4), "float32"), verbose=0), 3 * np.ones((1, 4)))


def test_clone_model_when_get_config_omits_name():
    inputs = nerve.Input((4,))
    model = nerve.Model(inputs, layers.Dense(2)(NoName(3.0)(inputs)))
    clone = nerve.models.clone_model(model)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert clone.layers[1].k == 3.0
    sequential = nerve.Sequential([nerve.Input((4,)), NoName(0.5)])
    assert nerve.models.clone_model(sequential).layers[0].k == 0.5


def test_layers_serialize_is_keras_dict_and_valid_json():
    layer = layers.Dense(3, activation=doubled_relu, kernel_regularizer="l2", name="dd")
    config = layers.serialize(layer)
    assert set(config) == {"module", "class_name", "config", "registered_name"}
    assert config["class_name"] == "Dense" and config["registered_name"] is None
    assert config["config"]["kernel_regularizer"]["class_name"] == "L2"
    assert config["config"]["kernel_initializer"]["class_name"] == "GlorotUniform"
    again = layers.deserialize(json.loads(json.dumps(config)))
    assert again.get_config() == layer.get_config()
    with pytest.raises(TypeError, match="expected a Layer"):
        layers.serialize("dense")


def test_registered_class_round_trips_under_its_registered_name():
    @nerve.saving.register_keras_serializable(package="CustomTests")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = layers.serialize(Scale(4.0))
    assert config["registered_name"] == "CustomTests>Scale"
    assert type(layers.deserialize(config)) is Scale
    assert nerve.saving.get_registered_object("CustomTests>Scale") is Scale

"""The shared get/serialize/deserialize of the family modules (nerve.utils.registry)."""

import pytest

from nerve import losses, metrics, optimizers
from nerve.optimizers import schedules
from nerve.utils.registry import deserialize_object, get_object, serialize_object


class Base:
    def __init__(self, value=1):
        self.value = value

    def get_config(self):
        return {"value": self.value}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Child(Base):
    pass


class Wrapped(Base):
    def __init__(self, fn, name=None):
        super().__init__()
        self.fn, self.name = fn, name


REGISTRY = {"Child": Child, "child": Child, "double": lambda x: 2 * x}


def resolve(identifier, wrap_function=Wrapped):
    def deserialize(config):
        return deserialize_object(config, REGISTRY, "things", "thing")
    return get_object(identifier, REGISTRY, Base, deserialize, "things", "thing", wrap_function=wrap_function)


def test_get_object_resolves_every_kind_of_identifier():
    instance = Child(3)
    assert resolve(None) is None
    assert resolve(instance) is instance
    assert type(resolve(Child)) is Child and type(resolve("child")) is Child
    assert resolve({"class_name": "Child", "config": {"value": 5}}).value == 5
    wrapped = resolve("double")
    assert isinstance(wrapped, Wrapped) and wrapped.name == "double" and wrapped.fn(4) == 8

    def square(x):
        return x * x
    assert resolve(square).name == "square"


def test_get_object_errors_name_what_is_known():
    with pytest.raises(ValueError, match="Could not interpret thing identifier: 'nope'. Known things: Child"):
        resolve("nope")
    with pytest.raises(ValueError, match="Could not interpret thing identifier: 3"):
        resolve(3)
    with pytest.raises(ValueError, match="Could not interpret thing identifier"):
        resolve(len, wrap_function=None)     # functions refused where the module takes none


def test_serialize_and_deserialize_object_round_trip_with_custom_objects():
    config = serialize_object(Child(7), Base, "things")
    assert config == {"module": "keras.things", "class_name": "Child", "config": {"value": 7},
                      "registered_name": None}
    assert deserialize_object(config, REGISTRY, "things", "thing").value == 7

    class Mine(Base):
        pass
    mine = deserialize_object({"class_name": "Mine", "config": {}}, REGISTRY, "things", "thing",
                              custom_objects={"Mine": Mine})
    assert type(mine) is Mine
    with pytest.raises(TypeError, match="things.serialize: expected a Base, received 3"):
        serialize_object(3, Base, "things")
    with pytest.raises(ValueError, match="things.deserialize: unknown thing class 'Other'; known: Child"):
        deserialize_object({"class_name": "Other"}, REGISTRY, "things", "thing")
    with pytest.raises(ValueError, match="expected a dict with 'class_name'"):
        deserialize_object(["Child"], REGISTRY, "things", "thing")


def test_family_modules_share_the_rules():
    assert type(optimizers.get("ADAM")) is optimizers.Adam           # names match case-insensitively
    assert type(optimizers.get(optimizers.SGD)) is optimizers.SGD
    assert type(losses.get(losses.Huber)) is losses.Huber
    assert metrics.get("acc").name == "acc"
    assert losses.get("mse").name == "mse" and metrics.get("mse").name == "mse"
    assert losses.deserialize({"class_name": "function", "config": "mae"}) is losses.mean_absolute_error
    with pytest.raises(ValueError, match="Known optimizers: adadelta"):
        optimizers.get(len)
    with pytest.raises(ValueError, match="unknown metric function 'AUC'"):
        metrics.get_function("AUC")


def test_optimizer_config_hands_custom_schedules_on():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate=0.5):
            self.rate = rate

        def __call__(self, step):
            return self.rate / (step + 1)

        def get_config(self):
            return {"rate": self.rate}

    config = optimizers.serialize(optimizers.SGD(learning_rate=Halving(0.25)))
    clone = optimizers.deserialize(config, custom_objects={"Halving": Halving})
    assert clone.get_config()["learning_rate"]["class_name"] == "Halving"
    assert clone.get_config()["learning_rate"]["config"] == {"rate": 0.25}

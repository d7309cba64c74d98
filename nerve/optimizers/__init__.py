"""nerve.optimizers: Keras 3's optimizers and learning-rate schedules.

``get("adam")``, ``get({"class_name": "SGD", "config": {...}})`` or an instance resolve
through :func:`get`; class names match case-insensitively, as in Keras.
"""

from ..utils.registry import deserialize_object, get_object, serialize_object
from . import schedules  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import Nadam
from .clipping import clip_by_global_norm, clip_by_norm, global_norm  # noqa: F401
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

ALL_OBJECTS = (Optimizer, SGD, Adagrad, RMSprop, Adam, AdamW, Adadelta, Nadam)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes it."""
    return serialize_object(optimizer, Optimizer, "optimizers")


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s dict; ``class_name`` matches case-insensitively."""
    name = config.get("class_name") if isinstance(config, dict) else None
    if isinstance(name, str) and name not in (custom_objects or {}) and name.lower() in ALL_OBJECTS_DICT:
        config = dict(config, class_name=name.lower())
    return deserialize_object(config, ALL_OBJECTS_DICT, "optimizers", "optimizer", custom_objects)


def get(identifier):
    """An Optimizer from a name ("adam"), a config dict, a class or an instance (returned as is)."""
    if isinstance(identifier, str):
        identifier = {"class_name": identifier, "config": {}}
    return get_object(identifier, ALL_OBJECTS_DICT, Optimizer, deserialize, "optimizers", "optimizer")


__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta", "Nadam", "schedules",
    "get", "serialize", "deserialize",
]

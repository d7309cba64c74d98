"""nerve.optimizers: Keras 3's optimizers and learning-rate schedules.

``get("adam")``, ``get({"class_name": "SGD", "config": {...}})`` or an instance resolve
through :func:`get`; class names match case-insensitively, as in Keras.
"""

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
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize: expected an Optimizer, received {optimizer!r}")
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s dict; ``class_name`` matches case-insensitively."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"optimizers.deserialize: expected a dict with 'class_name', received {config!r}")
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = custom_objects.get(name) or ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is None:
        raise ValueError(
            f"optimizers: unknown optimizer {name!r}; known: {', '.join(sorted(ALL_OBJECTS_DICT))}"
        )
    return cls.from_config(config.get("config") or {}, custom_objects=custom_objects)


def get(identifier):
    """An Optimizer from a name ("adam"), a config dict or an instance (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}; expected an Optimizer, a config "
        f"dict or one of {', '.join(sorted(ALL_OBJECTS_DICT))}"
    )


__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta", "Nadam", "schedules",
    "get", "serialize", "deserialize",
]

"""nerve.initializers: how new weights are filled, with Keras 3's names and defaults.

``get`` resolves what layers accept: an Initializer, a class, a callable
``fn(shape, dtype=None)``, a name ("glorot_uniform", "GlorotUniform", "he_normal",
"zeros", ...) or a serialized dict ``{"class_name": ..., "config": ...}``.
"""

from .constant_initializers import Constant, Identity, Ones, Zeros
from .initializer import Initializer
from .random_initializers import (
    GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal,
    RandomUniform, TruncatedNormal, VarianceScaling, compute_fans,
)

XavierUniform = GlorotUniform
XavierNormal = GlorotNormal
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal

_CLASSES = (
    Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal,
    LecunUniform, Orthogonal, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
)


def _snake(name):
    out = "".join("_" + c.lower() if c.isupper() else c for c in name)
    return out.lstrip("_")


ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({_snake(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS.update({
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
    "normal": RandomNormal, "uniform": RandomUniform, "zero": Zeros, "one": Ones,
    "xavier_uniform": GlorotUniform, "xavier_normal": GlorotNormal,
    "XavierUniform": GlorotUniform, "XavierNormal": GlorotNormal,
})

# lowercase class aliases Keras exports (keras.initializers.glorot_uniform(...))
constant, identity, ones, zeros = Constant, Identity, Ones, Zeros
glorot_normal, glorot_uniform, he_normal, he_uniform = GlorotNormal, GlorotUniform, HeNormal, HeUniform
lecun_normal, lecun_uniform, orthogonal = LecunNormal, LecunUniform, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling


def serialize(initializer):
    """An initializer as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``."""
    if initializer is None:
        return None
    if not isinstance(initializer, Initializer):
        raise ValueError(
            f"initializers.serialize: expected an Initializer, received {initializer!r}; a plain "
            "function cannot be written to a config (subclass Initializer instead)"
        )
    return {"module": "keras.initializers", "class_name": type(initializer).__name__,
            "config": initializer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The initializer a ``serialize`` dict (or a name) describes."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"initializers.deserialize: expected a dict with 'class_name', received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS.get(name)
    if cls is None:
        raise ValueError(f"initializers.deserialize: unknown initializer {name!r}; "
                         f"expected one of {sorted(k for k in ALL_OBJECTS if k[0].isupper())}")
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """An initializer from a name, a dict, a class, an instance or a callable (None -> None)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS.get(identifier)
        if cls is None:
            raise ValueError(
                f"initializers.get: unknown initializer {identifier!r}; expected one of "
                f"{sorted(k for k in ALL_OBJECTS if not k[0].isupper())}"
            )
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"initializers.get: could not interpret initializer identifier {identifier!r}")


__all__ = [cls.__name__ for cls in _CLASSES] + [
    "Initializer", "XavierUniform", "XavierNormal", "IdentityInitializer", "OrthogonalInitializer",
    "constant", "identity", "ones", "zeros", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "compute_fans", "serialize", "deserialize", "get",
]

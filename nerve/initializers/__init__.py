"""nerve.initializers: how new weights are filled, with Keras 3's names and defaults.

``get`` resolves what layers accept: an Initializer, a class, a callable
``fn(shape, dtype=None)``, a name ("glorot_uniform", "GlorotUniform", "he_normal",
"zeros", ...) or a serialized dict ``{"class_name": ..., "config": ...}``.
"""

from ..utils import registry
from ..utils.naming import to_snake_case
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


ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
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
    return registry.serialize_object(initializer, Initializer, "initializers")


def deserialize(config, custom_objects=None):
    """The initializer a ``serialize`` dict (or a name) describes."""
    if isinstance(config, str):
        return get(config)
    return registry.deserialize_object(config, ALL_OBJECTS, "initializers", "initializer", custom_objects)


def get(identifier):
    """An initializer from None, a name, a dict, a class, an instance or a function (returned as is)."""
    return registry.get_object(identifier, ALL_OBJECTS, Initializer, deserialize, "initializers", "initializer",
                               wrap_function=lambda fn, name: fn)


__all__ = [cls.__name__ for cls in _CLASSES] + [
    "Initializer", "XavierUniform", "XavierNormal", "IdentityInitializer", "OrthogonalInitializer",
    "constant", "identity", "ones", "zeros", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "compute_fans", "serialize", "deserialize", "get",
]

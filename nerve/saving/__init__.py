"""nerve.saving: whole-model files (``.nerve``), weights files, and object (de)serialization."""

from .archive import ModelFileError  # noqa: F401
from .object_registry import DeserializationError  # noqa: F401
from .serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects,
    get_registered_name, get_registered_object, register_keras_serializable, register_nerve_serializable,
    serialize_keras_object,
)
from .saving_lib import load_model, save_model  # noqa: F401


def save_weights(model, filepath, overwrite=True):
    """Write every weight of ``model`` to a ``.weights.safetensors`` file."""
    from .saving_lib import save_weights_only
    save_weights_only(model, filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False):
    """Assign the weights of a ``.weights.safetensors`` file to ``model``."""
    from .saving_lib import load_weights_only
    load_weights_only(model, filepath, skip_mismatch=skip_mismatch)

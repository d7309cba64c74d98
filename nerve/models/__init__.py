"""nerve.models: Model (functional or subclassed), Sequential, cloning, saving and loading."""

from .model import Model
from .functional import Functional
from .sequential import Sequential
from .cloning import clone_model
from ..saving.saving_lib import load_model, save_model


def model_from_json(json_string, custom_objects=None):
    """The (untrained) model described by ``model.to_json()``."""
    import json
    from ..saving.serialization import deserialize_keras_object
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]

"""nerve.models: Model (functional or subclassed), Sequential, cloning, saving and loading."""

from .model import Model
from .functional import Functional
from .sequential import Sequential
from .cloning import clone_model
from ..saving.saving_lib import load_model, save_model


def model_from_json(json_string, custom_objects=None):
    """The (untrained) model described by ``model.to_json()``, built through nerve's deserialization
    gate (``nerve.saving.object_registry``): only allow-listed classes, no code.

    Raises:
        DeserializationError (a ValueError and TypeError): the JSON is malformed or names
            something nerve will not build.
    """
    import json
    from ..saving.serialization import DeserializationError, deserialize_keras_object
    try:
        config = json.loads(json_string)
    except (ValueError, TypeError, RecursionError) as err:
        raise DeserializationError(f"model_from_json: not a JSON model config ({type(err).__name__}: "
                                   f"{str(err)[:200]})") from None
    return deserialize_keras_object(config, custom_objects=custom_objects, printable_module_name="model_from_json")


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]

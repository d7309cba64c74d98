"""``clone_model``: the same architecture with new layers (fresh weights), as Keras's."""

from ..saving.serialization import deserialize_keras_object, serialize_keras_object


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the architecture of ``model`` and newly initialized weights.

    Args:
        model: a Sequential, functional or (serializable) subclassed model.
        input_tensors: not supported by nerve; must be None.
        clone_function: ``fn(layer) -> layer`` making each new layer (default: the layer's class
            rebuilt from its config). Return the layer itself to share it.
        call_function, recursive: accepted for Keras compatibility; must be left at defaults.

    Returns:
        the new model (its weights are not copied: use ``set_weights(model.get_weights())``).
    """
    from .functional import Functional, functional_from_config
    from .sequential import Sequential
    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError("clone_model: input_tensors, call_function and other options are not supported by nerve")
    clone = clone_function or _clone_layer
    if isinstance(model, Sequential):
        new = Sequential(name=model.name, trainable=model.trainable)
        for layer in model._layers:          # with the InputLayer, which Sequential.layers hides (as Keras)
            new.add(clone(layer) if not _is_input_layer(layer) else _clone_layer(layer), rebuild=False)
        new._maybe_rebuild()
        return new
    if isinstance(model, Functional):
        originals = {layer.name: layer for layer in model.layers}

        def make_layer(layer_config):
            # the functional config's own "name": a custom get_config() may leave "name" out
            original = originals[layer_config.get("name") or layer_config["config"]["name"]]
            return _clone_layer(original) if _is_input_layer(original) else clone(original)
        return functional_from_config(type(model), model.get_config(), make_layer=make_layer)
    # as Keras: the model's own class is trusted here (it is in memory, not read from a file)
    return deserialize_keras_object(serialize_keras_object(model), custom_objects={type(model).__name__: type(model)})


def _is_input_layer(layer):
    from ..layers.input_layer import InputLayer
    return isinstance(layer, InputLayer)


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())

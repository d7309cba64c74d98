"""Objects to JSON and back, as Keras 3 serializes them, without ever running code from a file.

An object becomes ``{"module", "class_name", "config", "registered_name"}`` (plus a layer's
``build_config``); Python values stay themselves. Reading goes the other way through
:func:`deserialize_keras_object`, the entry point of the gate in
:mod:`nerve.saving.object_registry`: a class or function is found by name in allow-lists only
(nerve's own classes and functions, the objects registered with
:func:`register_keras_serializable`, ``custom_objects``) and built with its ``from_config``.
Nothing read from a file is imported or looked up on a module, nothing is unpickled, and a
``Lambda`` layer is refused at any depth unless the caller passes ``safe_mode=False``.

Example:
    >>> @nerve.saving.register_keras_serializable(package="MyLayers")
    ... class Scale(nerve.layers.Layer):
    ...     def __init__(self, factor=2.0, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.factor = factor
    ...     def get_config(self):
    ...         return {**super().get_config(), "factor": self.factor}
"""

import inspect

from .. import backend
from .object_registry import (  # noqa: F401  (registration lives with the gate; re-exported here)
    CustomObjectScope, DeserializationError, check_shapes, custom_object_scope, get_custom_objects,
    get_registered_name, get_registered_object, instantiate, nested, register_keras_serializable, resolve,
    safe_mode_scope,
)

register_nerve_serializable = register_keras_serializable

_NUMPY_KINDS = "biufc"          # the dtypes a "__numpy__" value may have: no object arrays


# ---- serialize ----------------------------------------------------------------------------

def serialize_keras_object(obj):
    """``obj`` as JSON-ready Python: primitives as they are, objects as Keras's class/config dicts."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if backend.is_array(obj) or type(obj).__module__ == "numpy":
        array = backend.to_numpy(obj) if backend.is_array(obj) else obj
        if getattr(array, "ndim", 0) == 0:
            return array.item()
        return {"class_name": "__numpy__", "config": {"value": array.tolist(), "dtype": array.dtype.name}}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {
            "module": obj.__module__,
            "class_name": "function",
            "config": get_registered_name(obj),
            "registered_name": get_registered_name(obj),
        }
    if inspect.isclass(obj):
        return {"module": obj.__module__, "class_name": "type", "config": obj.__name__,
                "registered_name": get_registered_name(obj)}
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"serialize_keras_object: cannot serialize {obj!r} of type {type(obj).__name__}: "
            "it has no get_config()"
        )
    cls = type(obj)
    result = {
        "module": cls.__module__,
        "class_name": cls.__name__,
        "config": serialize_keras_object(obj.get_config()),
        "registered_name": None if cls.__module__.split(".")[0] == "nerve" else get_registered_name(cls),
    }
    if getattr(obj, "built", False) and hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config:
            result["build_config"] = serialize_keras_object(build_config)
    return result


# ---- deserialize: the gate's entry point --------------------------------------------------

def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None,
                             printable_module_name="deserialize_keras_object", kind=None, **kwargs):
    """The object described by ``config`` (the output of :func:`serialize_keras_object`).

    This is the gate every config read from a file goes through (``load_model``,
    ``model_from_json``, ``layers.deserialize``, every family's ``deserialize``, and the
    objects nested in them, whatever their depth). Classes and functions are looked up in
    allow-lists (:func:`nerve.saving.object_registry.resolve`), never imported by a name from
    ``config``; a code-holding object (``Lambda``) is refused unless the *caller* passes
    ``safe_mode=False`` (the outermost call decides; nothing in ``config`` can change it).

    Args:
        config: a primitive, list, or ``{"class_name", "config", ...}`` dict.
        custom_objects: name -> class or function, searched before nerve's own.
        safe_mode: False lets code-holding objects through; only for files you trust completely.
        module_objects: restrict nerve's objects to this allow-list (a family's registry).
        printable_module_name: how errors name the caller ("layers.deserialize").
        kind: what errors call the object ("layer" gives "unknown layer class 'X'").

    Raises:
        DeserializationError (a ValueError): an unknown class or function, a Lambda in safe mode,
            or a config nested too deep.
    """
    with safe_mode_scope(safe_mode), custom_object_scope(custom_objects or {}):
        return _deserialize(config, custom_objects, module_objects,
                            (printable_module_name, f"{kind} " if kind else ""))


def _deserialize(config, custom_objects, module_objects, context):
    where, kind = context
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        if module_objects is None:
            return config
        found = resolve(config, custom_objects=custom_objects, module_objects=module_objects)
        if found is None:
            raise DeserializationError(f"{where}: unknown {kind}name {config!r:.80}")
        return found
    if isinstance(config, (list, tuple)):
        with nested(where):
            return [_deserialize(c, custom_objects, module_objects, context) for c in config]
    if not isinstance(config, dict):
        raise DeserializationError(f"{where}: expected a dict, list or primitive, received {type(config).__name__}")
    if "class_name" not in config or "config" not in config:
        with nested(where):
            return {k: _deserialize(v, custom_objects, module_objects, context) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(_deserialize(_field(inner, "value", list, where), custom_objects, module_objects, context))
    if class_name == "__numpy__":
        return _numpy_value(inner, where)
    if class_name in ("function", "type"):
        found = resolve(inner, config.get("registered_name"), config.get("module"), custom_objects,
                        module_objects, want="function" if class_name == "function" else "class")
        if found is None:
            raise DeserializationError(_unknown(where, kind + class_name.replace("type", "class"), inner, config))
        return found
    cls = resolve(class_name, config.get("registered_name"), config.get("module"), custom_objects, module_objects)
    if cls is None or not inspect.isclass(cls):
        raise DeserializationError(_unknown(where, kind + "class", class_name, config))
    obj = instantiate(cls, inner, custom_objects, name=_name_of(inner))
    build_config = config.get("build_config")
    if build_config and not getattr(obj, "built", True) and hasattr(obj, "build_from_config"):
        if not isinstance(build_config, dict):
            raise DeserializationError(f"{where}: the build_config of {class_name} must be a dict")
        check_shapes({"build_input_shape": build_config}, f"{class_name} build_config")
        try:
            with nested(class_name):
                obj.build_from_config(build_config)
        except DeserializationError:
            raise
        except Exception as err:          # a malformed build_config fails where the build trips on it
            raise DeserializationError(f"{class_name} could not be built from its build_config: "
                                       f"{type(err).__name__}: {str(err)[:500]}") from err
    return obj


def _field(inner, key, kind, where):
    value = inner.get(key) if isinstance(inner, dict) else None
    if not isinstance(value, kind):
        raise DeserializationError(f"{where}: expected a {kind.__name__} under {key!r}, received {value!r:.80}")
    return value


def _numpy_value(inner, where):
    import numpy
    dtype = _field(inner, "dtype", str, where)
    try:
        dtype = numpy.dtype(dtype)
    except TypeError:
        raise DeserializationError(f"{where}: unknown array dtype {dtype!r:.40}") from None
    if dtype.kind not in _NUMPY_KINDS:
        raise DeserializationError(f"{where}: refusing an array of dtype {dtype} (numbers and booleans only)")
    try:
        return numpy.asarray(inner.get("value"), dtype=dtype)
    except (TypeError, ValueError, OverflowError) as err:
        raise DeserializationError(f"{where}: a malformed array value ({err})") from None


def _name_of(inner):
    return inner.get("name") if isinstance(inner, dict) and isinstance(inner.get("name"), str) else None


def _unknown(where, kind, name, config):
    module = config.get("module")
    return (f"{where}: unknown {kind} {name!r:.80} (module {module!r:.80}); nerve builds only its own classes "
            f"and those registered with @nerve.saving.register_keras_serializable() or passed in "
            f"custom_objects={{{name!r:.80}: ...}}")


def compile_config_or_none(model, stacklevel=2):
    """``model.get_compile_config()`` for a file, or None (with a warning) when the compile arguments
    cannot be serialized: the model is then saved without them and loads uncompiled."""
    try:
        return model.get_compile_config() if hasattr(model, "get_compile_config") else None
    except (TypeError, ValueError) as err:
        import warnings
        warnings.warn(f"save: the compile arguments cannot be serialized ({err}); the model is saved without "
                      "them and loads uncompiled", stacklevel=stacklevel + 1)
        return None

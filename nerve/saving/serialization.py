"""Objects to JSON and back, as Keras 3 serializes them, without ever running code from a file.

An object becomes ``{"module", "class_name", "config", "registered_name"}`` (plus a layer's
``build_config``); Python values stay themselves. Reading goes the other way through lookups
only: a class is found by name in nerve's own registries (every Layer subclass, the classes of
``nerve.losses``, ``optimizers``, ``metrics``...), in the objects registered with
:func:`register_keras_serializable`, or in ``custom_objects``, and is built with its
``from_config``. Nothing is imported by a name read from a file outside the ``nerve`` package,
nothing is unpickled, and a ``Lambda`` layer's Python code is refused.

Example:
    >>> @nerve.saving.register_keras_serializable(package="MyLayers")
    ... class Scale(nerve.layers.Layer):
    ...     def __init__(self, factor=2.0, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.factor = factor
    ...     def get_config(self):
    ...         return {**super().get_config(), "factor": self.factor}
"""

import contextlib
import importlib
import inspect

from .. import backend

_GLOBAL_CUSTOM_OBJECTS = {}      # "package>name" -> class or function
_GLOBAL_CUSTOM_NAMES = {}        # class or function -> "package>name"
_scopes = []                     # custom_object_scope stack: dicts name -> object

# Namespaces a serialized object may name as its module; each is searched by attribute only.
_NAMESPACES = ("layers", "models", "losses", "metrics", "optimizers", "initializers",
               "regularizers", "constraints", "activations", "callbacks")


# ---- registration -------------------------------------------------------------------------

def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function findable when a saved model names it.

    Args:
        package: a namespace for the name ("Custom" by default).
        name: the name to register under (the class or function name by default).

    Returns:
        the decorator, which returns the object unchanged.
    """
    if package is None or ">" in str(package):
        raise ValueError(f"register_keras_serializable: `package` may not contain '>', received {package!r}")

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"register_keras_serializable: class {obj.__name__} must implement get_config() "
                "to be serializable"
            )
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj
    return decorator


register_nerve_serializable = register_keras_serializable


def get_registered_name(obj):
    """The name ``obj`` is registered under ("package>name"), or its own name."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name``, searched in scopes, ``custom_objects``, then the registry."""
    for scope in reversed(_scopes):
        if name in scope:
            return scope[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects():
    """The global registry (a live dict: "package>name" -> object)."""
    return _GLOBAL_CUSTOM_OBJECTS


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make ``custom_objects`` (name -> class or function) visible to deserialization in a block."""
    _scopes.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _scopes.pop()


CustomObjectScope = custom_object_scope


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
            "config": obj.__name__,
            "registered_name": _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__),
        }
    if inspect.isclass(obj):
        return {"module": obj.__module__, "class_name": "type", "config": obj.__name__,
                "registered_name": _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)}
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
        "registered_name": _GLOBAL_CUSTOM_NAMES.get(cls),
    }
    if getattr(obj, "built", False) and hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config:
            result["build_config"] = serialize_keras_object(build_config)
    return result


# ---- deserialize --------------------------------------------------------------------------

def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object described by ``config`` (the output of :func:`serialize_keras_object`).

    Classes are looked up, never imported by a name from ``config`` (see the module docstring).
    ``safe_mode`` is accepted for Keras compatibility; nerve is always safe: it refuses the Python
    code of ``Lambda`` layers whatever its value.

    Raises:
        ValueError: an unknown class or function name, or a Lambda layer.
    """
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        raise ValueError(f"deserialize_keras_object: expected a dict, list or primitive, received {config!r}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode) for v in inner["value"])
    if class_name == "__numpy__":
        import numpy
        return numpy.asarray(inner["value"], dtype=inner["dtype"])
    if class_name in ("function", "type"):
        return _lookup(config, custom_objects, want_function=class_name == "function")
    if class_name == "Lambda" and get_registered_object(class_name, custom_objects) is None:
        raise ValueError(
            "deserialize_keras_object: refusing to deserialize a Lambda layer: its config holds "
            "Python code, and nerve never runs code read from a file. Re-create the model in code "
            "and use load_weights(), or replace the Lambda with a layer registered with "
            "@nerve.saving.register_keras_serializable()"
        )
    cls = _lookup(config, custom_objects)
    with custom_object_scope(custom_objects or {}):
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            obj = cls.from_config(inner, custom_objects=custom_objects)
        else:
            obj = cls.from_config(inner)
        build_config = config.get("build_config")
        if build_config and not getattr(obj, "built", True) and hasattr(obj, "build_from_config"):
            obj.build_from_config(build_config)
    return obj


def _lookup(config, custom_objects, want_function=False):
    """The class (or function) ``config`` names, from the registries only."""
    class_name = config["config"] if want_function or config["class_name"] == "type" else config["class_name"]
    registered = config.get("registered_name") or class_name
    for name in (registered, class_name):
        found = get_registered_object(name, custom_objects)
        if found is not None:
            return found
    module = config.get("module") or ""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] in ("nerve", "keras") and parts[1] in _NAMESPACES:
        found = _from_namespace(parts[1], class_name)
        if found is not None:
            return found
    if not want_function:
        from ..layers.layer import get_registered_layer
        found = get_registered_layer(class_name)
        if found is not None:
            return found
        for namespace in _NAMESPACES:
            found = _from_namespace(namespace, class_name)
            if inspect.isclass(found):
                return found
    what = "function" if want_function else "class"
    raise ValueError(
        f"deserialize_keras_object: unknown {what} {registered!r} (module {module!r}). "
        f"Register it with @nerve.saving.register_keras_serializable() or pass it in "
        f"custom_objects={{{class_name!r}: ...}}"
    )


def _from_namespace(namespace, name):
    """``nerve.<namespace>.<name>`` when that package exists and has the attribute."""
    try:
        module = importlib.import_module(f"nerve.{namespace}")
    except ImportError:
        return None
    found = getattr(module, name, None)
    if found is None or inspect.ismodule(found):
        return None
    return found

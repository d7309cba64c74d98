"""The gate between a file and Python objects: what a file may name, and who may run code.

A saved model, a JSON config or a ``layers.serialize`` dict *names* classes and functions;
this module is the one place where such a name becomes a Python object. It looks names up in
allow-lists only, never imports a module and never walks a module's attributes by a name read
from a file:

- nerve's own classes and functions: every ``Layer`` subclass defined in nerve, and the
  registries of ``losses``, ``metrics``, ``optimizers`` (and their schedules), ``initializers``,
  ``regularizers``, ``constraints`` and ``activations``;
- what the user registered: ``@register_keras_serializable``, ``custom_objects=`` and
  ``custom_object_scope``.

Objects that hold Python code (``Lambda`` and its subclasses) are refused here, at any depth of
a config, unless the *caller* passed ``safe_mode=False``. The safe-mode scope is opened by the
outermost deserialization and wins over every nested one, so nothing inside a file (or a
nested ``from_config``) can lower it (the pattern of Keras's CVE-2025-9905/9906).

Entry points: :func:`nerve.saving.serialization.deserialize_keras_object` (the generic one,
used by ``load_model``, ``model_from_json``, ``layers.deserialize`` and the family modules);
:func:`resolve` and :func:`instantiate` for readers that build objects themselves.
"""

import contextlib
import contextvars
import inspect
import sys

_GLOBAL_CUSTOM_OBJECTS = {}      # "package>name" -> class or function
_GLOBAL_CUSTOM_NAMES = {}        # class or function -> "package>name"
_scopes = contextvars.ContextVar("nerve_custom_object_scopes", default=())
_safe_mode = contextvars.ContextVar("nerve_safe_mode", default=None)
_depth = contextvars.ContextVar("nerve_deserialization_depth", default=0)

MAX_DEPTH = 64          # objects nested in objects; a deeper config is refused, not a RecursionError
MAX_SHAPE_ELEMENTS = 2 ** 27    # the most values a shape in a config may describe (512 MiB of float32)
_SHAPE_KEYS = {"batch_shape", "batch_input_shape", "input_shape", "shape", "build_input_shape", "target_shape",
               "dims", "output_shape"}

# Where a serialized "module" points (e.g. "keras.src.layers.core", "nerve.optimizers.schedules"):
# a hint for which allow-list to search first, never something to import.
FAMILIES = ("schedules", "layers", "models", "losses", "metrics", "optimizers", "initializers",
            "regularizers", "constraints", "activations")


class DeserializationError(ValueError, TypeError):
    """A config nerve will not or cannot build: an unknown class, code, too deep a nesting, or a
    config its class's ``from_config`` rejects. Both a ValueError and a TypeError (what Keras
    raises for a config its class cannot take), so either ``except`` catches it."""


# ---- registration -------------------------------------------------------------------------

def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function findable when a saved model names it.

    It is registered as ``"package>name"`` and serialized under that name, so a file can only
    reach it through this registration.

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


def get_registered_name(obj):
    """The name ``obj`` is registered under ("package>name"), or its own name."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered as ``name``: in the open scopes, ``custom_objects``, the global
    registry, then ``module_objects``; None when none holds it."""
    if not isinstance(name, str):
        return None
    for scope in reversed(_scopes.get()):
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
def custom_object_scope(*custom_objects):
    """Make ``custom_objects`` (dicts name -> class or function) visible to deserialization in a block."""
    merged = {}
    for objects in custom_objects:
        merged.update(objects or {})
    token = _scopes.set(_scopes.get() + (merged,))
    try:
        yield
    finally:
        _scopes.reset(token)


CustomObjectScope = custom_object_scope


# ---- safe mode ----------------------------------------------------------------------------

@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Deserialize in a block with ``safe_mode``; an enclosing scope's value wins (the caller of the
    outermost load decides, nothing nested can change it)."""
    outer = _safe_mode.get()
    token = _safe_mode.set(bool(safe_mode) if outer is None else outer)
    try:
        yield
    finally:
        _safe_mode.reset(token)


def safe_mode_state():
    """True or False inside a deserialization (the caller's ``safe_mode``); None outside any."""
    return _safe_mode.get()


def in_safe_mode():
    """Whether code-holding objects are refused now (they are, unless a caller said otherwise)."""
    return _safe_mode.get() is not False


def holds_python_code(cls):
    """Whether objects of ``cls`` run Python code named by their config (``Lambda`` and subclasses)."""
    from ..layers import Lambda
    return inspect.isclass(cls) and issubclass(cls, Lambda)


def check_code_allowed(cls, name=None):
    """The one refusal of code-holding objects (Lambda): raises unless the caller passed safe_mode=False.

    Raises:
        DeserializationError: ``cls`` holds Python code and safe mode is on.
    """
    if holds_python_code(cls) and in_safe_mode():
        raise DeserializationError(
            f"refusing to deserialize {cls.__name__}{' ' + name if name else ''}: its config names Python code to run, and "
            "nerve never runs code named by a file. Re-create the model in code and use load_weights(), "
            "replace the Lambda with a layer registered with @nerve.saving.register_keras_serializable(), "
            "or, only for a file you trust completely, load it with safe_mode=False"
        )


# ---- the allow-lists ----------------------------------------------------------------------

def _nerve_layer_classes():
    """Every Layer subclass nerve defines (Model, Sequential, Functional included), by class name."""
    from .. import layers, models  # noqa: F401  (defines every nerve layer and model class)
    from ..layers.layer import Layer
    found, stack = {}, [Layer]
    while stack:
        cls = stack.pop()
        if cls.__module__.split(".")[0] == "nerve" and not cls.__name__.startswith("_"):
            found.setdefault(cls.__name__, cls)
        stack.extend(cls.__subclasses__())
    return found


def nerve_objects(family):
    """nerve's own allow-list for ``family`` (one of :data:`FAMILIES`): name -> class or function."""
    if family in ("layers", "models"):
        return _nerve_layer_classes()
    if family == "schedules":
        from ..optimizers import schedules
        return dict(schedules._SCHEDULES)
    if family == "optimizers":
        from .. import optimizers
        return {**{cls.__name__: cls for cls in optimizers.ALL_OBJECTS}, **optimizers.ALL_OBJECTS_DICT}
    from .. import activations, constraints, initializers, losses, metrics, regularizers
    modules = {"losses": losses, "metrics": metrics, "initializers": initializers, "regularizers": regularizers,
               "constraints": constraints, "activations": activations}
    if family not in modules:
        raise ValueError(f"nerve_objects: unknown family {family!r}; expected one of {FAMILIES}")
    module = modules[family]
    return dict(getattr(module, "ALL_OBJECTS_DICT", None) or module.ALL_OBJECTS)


def _families_for(module):
    """The families to search, the one ``module`` points to first."""
    parts = module.split(".") if isinstance(module, str) else []
    hinted = [f for f in FAMILIES if f in parts[1:]] if parts and parts[0] in ("nerve", "keras") else []
    return hinted[:1] + [f for f in FAMILIES if f not in hinted[:1]]


def resolve(class_name, registered_name=None, module=None, custom_objects=None, module_objects=None,
            want="class"):
    """The class (``want="class"``) or function (``want="function"``) a config names, or None.

    Searched, in order: ``registered_name`` then ``class_name`` among the user's objects (open
    scopes, ``custom_objects``, the registry); ``module_objects`` (the allow-list the calling
    code gives, e.g. a family's registry); nerve's own allow-lists, the family ``module`` points
    to first. ``module`` is only a hint: nothing is imported.
    """
    for name in (registered_name, class_name):
        found = get_registered_object(name, custom_objects)
        if found is not None:
            return found
    if not isinstance(class_name, str):
        return None
    if module_objects is not None:
        return module_objects.get(class_name)
    for family in _families_for(module):
        found = nerve_objects(family).get(class_name)
        if found is None:
            continue
        if (want == "function") == (inspect.isfunction(found) or inspect.isbuiltin(found)):
            return found
    return None


def resolve_lambda_function(function, layer_name=None):
    """The function a Lambda layer's config names (``{"class_name": "function", "module", "config"}``).

    Registered functions and ``custom_objects`` first. A module-level function otherwise is
    found only among modules already imported (``sys.modules``; nothing is imported), and only
    outside a file load (an in-memory ``clone_model``) or when the caller passed safe_mode=False.

    Raises:
        DeserializationError: the function is not found, or safe mode refuses it.
    """
    from ..layers import Lambda
    if not isinstance(function, dict) or function.get("class_name") != "function":
        return function
    qualname, module = function.get("config"), function.get("module")
    found = resolve(qualname, function.get("registered_name"), want="function", module_objects={})
    if found is not None:
        return found
    if safe_mode_state() is not None:           # inside a load: the gate decides, as for any Lambda
        check_code_allowed(Lambda, repr(layer_name))
    target = sys.modules.get(module) if isinstance(module, str) else None
    for part in qualname.split(".") if isinstance(qualname, str) and target is not None else ():
        target = getattr(target, part, None) if not part.startswith("_") else None
    if not callable(target):
        raise DeserializationError(
            f"Lambda {layer_name!r}: its function {module}.{qualname} is not a registered function and not "
            "in a module imported already (nerve imports nothing named by a config); import it first, "
            "register it with @nerve.saving.register_keras_serializable(), or pass it in custom_objects"
        )
    return target


# ---- building -----------------------------------------------------------------------------

@contextlib.contextmanager
def nested(what):
    """Count one more level of objects inside objects; refuse a config deeper than MAX_DEPTH."""
    depth = _depth.get() + 1
    if depth > MAX_DEPTH:
        raise DeserializationError(f"{what}: objects nested more than {MAX_DEPTH} deep; refusing the config")
    token = _depth.set(depth)
    try:
        yield
    finally:
        _depth.reset(token)


def check_shapes(config, what):
    """Refuse a config whose shapes describe more than MAX_SHAPE_ELEMENTS values: building the
    model would allocate them (a forward pass on zeros of that shape) before any weight is read.

    Looks at the values of shape-like keys (``batch_shape``, ``input_shape``...), and at every
    list of ints when ``config`` is a ``build_config``.
    """
    def walk(value, key, depth):
        if depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k if k in _SHAPE_KEYS else key, depth + 1)
        elif isinstance(value, (list, tuple)):
            dims = [d for d in value if d is not None]
            if key is not None and value and all(type(d) is int for d in dims):
                size = 1
                for d in dims:
                    size *= max(d, 1)
                if size > MAX_SHAPE_ELEMENTS:
                    raise DeserializationError(
                        f"{what}: '{key}' {list(value)!r:.120} describes {size:.3g} values, over "
                        f"nerve.saving.object_registry.MAX_SHAPE_ELEMENTS ({MAX_SHAPE_ELEMENTS}); refused "
                        "before allocating it")
            else:
                for v in value:
                    walk(v, key, depth + 1)
    walk(config, None, 0)


def instantiate(cls, config, custom_objects=None, name=None):
    """``cls.from_config(config)``, after the code check, in the caller's scopes.

    Raises:
        DeserializationError: ``cls`` holds code (see :func:`check_code_allowed`), is not a class
            with ``from_config``, or the nesting is too deep.
    """
    if not inspect.isclass(cls) or not callable(getattr(cls, "from_config", None)):
        raise DeserializationError(f"{name or cls!r} is not a class with from_config(); refusing to build it")
    check_code_allowed(cls, repr(name) if name else None)
    if not isinstance(config, dict):
        raise DeserializationError(f"{cls.__name__}: its config must be a dict, received {type(config).__name__}")
    check_shapes(config, cls.__name__)
    with nested(cls.__name__), custom_object_scope(custom_objects or {}):
        try:
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                return cls.from_config(config, custom_objects=custom_objects)
            return cls.from_config(config)
        except DeserializationError:
            raise
        except RecursionError:
            raise DeserializationError(f"{cls.__name__}: its config is nested too deeply") from None
        except Exception as err:      # a malformed config fails wherever its class's code trips on it
            if type(err).__name__ == "ModelFileError":
                raise
            label = f"{cls.__name__} {name!r}" if name else cls.__name__
            raise DeserializationError(f"{label} could not be built from its config: "
                                       f"{type(err).__name__}: {str(err)[:500]}") from err

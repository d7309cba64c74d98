"""The ``serialize`` / ``deserialize`` / ``get`` of a family module, written once.

Each family module (``nerve.losses``, ``metrics``, ``optimizers``...) keeps a registry, a dict
from names to its classes and functions, and exposes Keras's three functions over it. They call
the helpers here with that registry, the family's base class and the module's name, so that an
identifier (None, an instance, a class, a name, a config dict, a function) resolves by the same
rules everywhere and the errors read alike; only the registries, and what a module does with a
plain function, differ.

Classes are found by name in the registry, in the user's registered objects or in
``custom_objects``, never imported by a name read from a config: a dict goes through the gate of
``nerve.saving.object_registry`` (the same allow-lists, safe mode and code refusal as ``load_model``).
"""

import inspect


def known_names(registry):
    """The registry's names, sorted and comma-separated, for error messages."""
    return ", ".join(sorted(registry))


def serialize_object(obj, base_class, module):
    """``obj`` as Keras writes it: ``{"module": "keras.<module>", "class_name", "config",
    "registered_name"}``.

    Raises:
        TypeError: ``obj`` is not a ``base_class``.
    """
    if not isinstance(obj, base_class):
        name = base_class.__name__
        article = "an" if name[0] in "AEIOU" else "a"
        raise TypeError(f"{module}.serialize: expected {article} {name}, received {obj!r}")
    return {"module": f"keras.{module}", "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": None}


def lookup_name(name, registry, module, kind, custom_objects=None):
    """The class or function registered under ``name``, in ``custom_objects`` first.

    Raises:
        ValueError: neither holds ``name``.
    """
    from ..saving.object_registry import get_registered_object
    found = get_registered_object(name, custom_objects, registry)
    if found is None:
        raise ValueError(f"{module}.deserialize: unknown {kind} {name!r}; known: {known_names(registry)}")
    return found


def lookup_function(name, registry, module, kind):
    """The function (not a class) registered under ``name``.

    Raises:
        ValueError: ``registry`` holds no function under ``name``.
    """
    found = registry.get(name)
    if found is None or inspect.isclass(found):
        raise ValueError(f"{module}: unknown {kind} function {name!r}; known: {known_names(registry)}")
    return found


def deserialize_object(config, registry, module, kind, custom_objects=None):
    """The object a :func:`serialize_object` dict describes, built by its class's ``from_config``.

    ``config["class_name"]`` is looked up in ``custom_objects``, then in ``registry``;
    ``custom_objects`` is handed on to a ``from_config`` that takes it (an optimizer's, for a
    custom learning-rate schedule).

    Raises:
        ValueError: ``config`` is not a dict with a ``class_name``, or names no known class.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{module}.deserialize: expected a dict with 'class_name', received {config!r:.200}")
    from ..saving.object_registry import instantiate, resolve, safe_mode_scope
    name = config["class_name"]
    cls = resolve(name, config.get("registered_name"), config.get("module"), custom_objects, registry)
    if not inspect.isclass(cls):
        raise ValueError(
            f"{module}.deserialize: unknown {kind} class {name!r:.80}; known: {known_names(registry)}"
        )
    with safe_mode_scope(True):              # a scope already open (a file being loaded) wins
        return instantiate(cls, config.get("config") or {}, custom_objects, name=f"{kind} {name}")


def get_object(identifier, registry, base_class, deserialize, module, kind, wrap_function=None):
    """The ``base_class`` instance ``identifier`` stands for (None gives None).

    An instance is returned as is, a class is instantiated with its defaults, a dict goes
    through the module's ``deserialize``, a name is looked up in ``registry`` (and the class
    or function found there resolved the same way), and a plain function is handed to
    ``wrap_function(fn, name=...)``, named after the identifier, as Keras's ``compile`` does.

    Args:
        identifier: what the user passed.
        registry: the module's dict of names to classes and functions.
        base_class: the family's base class (``Loss``, ``Metric``, ``Optimizer``...).
        deserialize: the module's ``deserialize(config)``.
        module: the module's name, for messages ("losses").
        kind: what one object is called, for messages ("loss").
        wrap_function: makes a ``base_class`` from a function; None refuses functions.

    Raises:
        ValueError: an unknown name, or an identifier of none of these kinds.
    """
    if identifier is None:
        return None
    obj = identifier
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        from ..saving.object_registry import get_registered_object
        obj = get_registered_object(identifier, module_objects=registry)
    if isinstance(obj, base_class):
        return obj
    if inspect.isclass(obj) and issubclass(obj, base_class):
        return obj()
    if callable(obj) and wrap_function is not None:
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
        return wrap_function(obj, name=name)
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. Known {module}: {known_names(registry)}"
    )

"""The registry of built-in models: short name -> builder, with a one-line description."""

_MODELS = {}


def register(name, builder, description=""):
    """Make ``builder`` (a function returning a Model) available as ``name``."""
    _MODELS[name.lower()] = (builder, description)
    return builder


def get(name):
    """The builder registered as ``name`` (case-insensitive; "-" and "_" alike)."""
    key = name.lower().replace("-", "_")
    if key not in _MODELS:
        raise ValueError(f"applications: unknown model {name!r}; the built-in models are {', '.join(names())}")
    return _MODELS[key][0]


def names():
    return sorted(_MODELS)


def describe(name):
    return _MODELS[name.lower().replace("-", "_")][1]

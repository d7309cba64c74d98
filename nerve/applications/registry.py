"""The registry of built-in models: short name -> builder, a one-line description and a recipe.

A recipe is the training setting ``nerve train`` uses when its options are left out
(``epochs``, ``batch_size``, ``lr``): measured to reach the model's usual accuracy in
the least time.
"""

_MODELS = {}


def register(name, builder, description="", recipe=None):
    """Make ``builder`` (a function returning a Model) available as ``name``, trained by ``recipe``."""
    _MODELS[name.lower()] = (builder, description, dict(recipe or {}))
    return builder


def get(name):
    """The builder registered as ``name`` (case-insensitive; "-" and "_" alike)."""
    return _MODELS[_key(name)][0]


def names():
    return sorted(_MODELS)


def describe(name):
    return _MODELS[_key(name)][1]


def recipe(name):
    """The default training settings of model ``name`` (a dict, possibly empty)."""
    return dict(_MODELS[_key(name)][2])


def _key(name):
    key = name.lower().replace("-", "_")
    if key not in _MODELS:
        raise ValueError(f"applications: unknown model {name!r}; the built-in models are {', '.join(names())}")
    return key

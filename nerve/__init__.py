"""nerve: a deep-learning framework you can read, with a Keras-3-shaped API.

``import nerve as keras`` runs Keras scripts; underneath is nerve's own
define-by-run autodiff engine over NumPy (CPU) or CuPy (GPU).

    >>> import nerve
    >>> x = nerve.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x ** 2).sum()
    >>> y.backward()
    >>> x.grad
    Tensor(array([2., 4., 6.], dtype=float32))

Submodules (``layers``, ``models``, ``losses``...) load on first use, as in Keras.
"""

import importlib

from . import backend, config  # noqa: F401
from .tensor import Tensor, Variable  # noqa: F401
from .autodiff import Function, grad, no_grad  # noqa: F401
from . import ops, utils  # noqa: F401

__version__ = "0.1.0"

_SUBMODULES = {
    "activations", "applications", "callbacks", "classic", "constraints", "datasets", "distribution", "export",
    "initializers", "random",
    "layers", "losses", "metrics", "models", "optimizers", "regularizers", "saving", "testing", "visualize",
}
_NAMES = {   # top-level names, as keras exposes them -> the module that defines them
    "Sequential": "models", "Model": "models", "Input": "layers", "InputSpec": "layers",
    "Layer": "layers", "KerasTensor": "layers",
}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'nerve' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))

"""nerve: a deep-learning framework you can read, with a Keras-3-shaped API.

``import nerve as keras`` runs Keras scripts; underneath is nerve's own
define-by-run autodiff engine over NumPy (CPU) or CuPy (GPU).

    >>> import nerve
    >>> x = nerve.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x ** 2).sum()
    >>> y.backward()
    >>> x.grad
    Tensor(array([2., 4., 6.], dtype=float32))

The core API is imported here, statically, so "go to definition" leads to it: the engine
(``Tensor``, ``grad``, ``ops``), the model-building modules (``layers``, ``models``, ``losses``,
``optimizers``, ``metrics``, ``callbacks``...) and Keras's top-level names (``nerve.Sequential``,
``nerve.Model``, ``nerve.Input``...). Only the heavy optional parts load on first use, as in
Keras: the model zoo (``applications``), real datasets (``datasets``), plots (``visualize``),
``classic``, ``rl``, ``text``, multi-process training (``distribution``) and ONNX ``export``;
they pull in optional packages (matplotlib, mpi4py, onnx) or large tables that a training
script need not pay for.
"""

import importlib

from . import backend, config  # noqa: F401
from .tensor import Tensor, Variable  # noqa: F401
from .autodiff import Function, grad, no_grad  # noqa: F401
from . import ops, random, utils  # noqa: F401
from . import activations, constraints, initializers, regularizers  # noqa: F401
from . import callbacks, layers, losses, metrics, optimizers  # noqa: F401
from . import models, saving, testing, trainers  # noqa: F401
from .layers import Input, InputSpec, KerasTensor, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401

__version__ = "0.1.0"

_LAZY_SUBMODULES = {   # heavy or optional: imported on first attribute access
    "applications", "classic", "datasets", "distribution", "export", "rl", "text", "visualize",
}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nerve' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _LAZY_SUBMODULES)

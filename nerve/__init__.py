"""nerve: a deep-learning framework you can read, with a Keras-3-shaped API.

``import nerve as keras`` runs Keras scripts; underneath is nerve's own
define-by-run autodiff engine over NumPy (CPU) or CuPy (GPU).
"""

from . import backend, config  # noqa: F401
from .tensor import Tensor, Variable  # noqa: F401
from .autodiff import Function, grad, no_grad  # noqa: F401
from . import ops, utils  # noqa: F401

__version__ = "0.1.0"

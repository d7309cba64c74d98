"""nerve.layers: Keras layers, a module per family."""

from .layer import InputSpec, Layer  # noqa: F401
from .input_layer import Input, InputLayer, KerasTensor  # noqa: F401
from .preprocessing import *  # noqa: F401,F403

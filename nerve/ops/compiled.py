"""The optional compiled kernels (numba): loading them, and the switch that turns them off.

A few CPU loops that NumPy can only write as many passes over memory (col2im, the
normalizations) have a numba twin in a ``*_numba`` module of this package. NumPy's
form stays the reference and the fallback: without numba installed, or with
``NERVE_NUMBA=0`` in the environment, :func:`kernels` returns None and callers take it.
"""

import importlib
import os

_loaded = {}


def kernels(module):
    """The module ``nerve.ops.<module>`` (numba kernels), or None when numba is missing or off."""
    if os.environ.get("NERVE_NUMBA", "1") == "0":
        return None
    if module not in _loaded:
        try:
            _loaded[module] = importlib.import_module(f"{__package__}.{module}")
        except ModuleNotFoundError as error:
            if error.name != "numba":          # a missing module of our own is a bug, not an option
                raise
            _loaded[module] = None
    return _loaded[module]

"""User-facing switches: device, default float dtype, fuzz factor, numerics checking."""

from .backend import device, floatx, set_device, set_floatx  # noqa: F401
from .backend import check_numerics_enabled, set_check_numerics

_epsilon = [1e-7]


def epsilon():
    """The fuzz factor that keeps probabilities away from 0 and 1 (Keras: 1e-7)."""
    return _epsilon[0]


def set_epsilon(value):
    _epsilon[0] = float(value)


def check_numerics(enabled=True):
    """Raise FloatingPointError naming the first op whose output holds NaN or Inf."""
    set_check_numerics(enabled)


__all__ = ["device", "set_device", "floatx", "set_floatx", "epsilon", "set_epsilon",
           "check_numerics", "check_numerics_enabled"]

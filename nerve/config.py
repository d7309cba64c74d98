"""User-facing switches: device, default float dtype, numerics checking."""

from .backend import device, floatx, set_device, set_floatx  # noqa: F401
from .backend import check_numerics_enabled, set_check_numerics


def check_numerics(enabled=True):
    """Raise FloatingPointError naming the first op whose output holds NaN or Inf."""
    set_check_numerics(enabled)


__all__ = ["device", "set_device", "floatx", "set_floatx", "check_numerics", "check_numerics_enabled"]

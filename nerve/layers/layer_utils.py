"""Argument checks and layout helpers shared by the layer families.

Every check raises ValueError naming the layer (``Conv2D 'conv2d_1'``), the
argument, what was received and what was expected.
"""

from .. import ops


def describe(layer):
    """How errors name a layer: ``Conv2D 'conv2d_1'``."""
    return f"{type(layer).__name__} '{layer.name}'"


def positive_int(value, name, owner):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: `{name}` must be a positive int, received {value!r}")
    return value


def rate_in_unit_interval(value, name, owner, closed_right=True):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value
    ok = ok and (value <= 1 if closed_right else value < 1)
    if not ok:
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"{owner}: `{name}` must be a number in {interval}, received {value!r}")
    return float(value)


def standardize_data_format(data_format, owner):
    """None -> "channels_last"; "channels_first" is accepted (layers transpose around the op)."""
    if data_format is None:
        return "channels_last"
    value = data_format.lower() if isinstance(data_format, str) else data_format
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{owner}: `data_format` must be 'channels_last' or 'channels_first', received {data_format!r}"
        )
    return value


_SPATIAL_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def spatial_description(rank, data_format="channels_last"):
    """``(batch, height, width, channels)`` and friends, for error messages."""
    names = list(_SPATIAL_NAMES[rank])
    axes = ["batch", "channels"] + names if data_format == "channels_first" else ["batch"] + names + ["channels"]
    return "(" + ", ".join(axes) + ")"


def to_channels_last(x):
    """(batch, channels, *spatial) -> (batch, *spatial, channels)."""
    return ops.transpose(x, (0, *range(2, x.ndim), 1))


def to_channels_first(x):
    """(batch, *spatial, channels) -> (batch, channels, *spatial)."""
    return ops.transpose(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))


def shape_to_channels_last(shape):
    return (shape[0], *shape[2:], shape[1])


def shape_to_channels_first(shape):
    return (shape[0], shape[-1], *shape[1:-1])

"""Layers that change the size of the spatial axes: ZeroPadding, Cropping, UpSampling (1-D, 2-D, 3-D).

Each family is one base class over ``rank`` spatial axes; the concrete layers only
fix the rank and Keras's defaults. Inputs are (batch, *spatial, channels), or
(batch, channels, *spatial) with ``data_format="channels_first"``.
"""

from .. import ops
from .layer import InputSpec, Layer
from .layer_utils import describe, spatial_description, standardize_data_format


def _pairs(value, rank, name, owner):
    """An int, ``rank`` ints or ``rank`` (before, after) pairs -> ``rank`` pairs of non-negative ints.

    For rank 1 a single pair (before, after) is also accepted, as Keras's 1-D layers take it.
    """
    def check(v):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{owner}: `{name}` must hold non-negative ints, received {value!r}")
        return v

    if isinstance(value, int):
        return ((check(value), check(value)),) * rank
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return ((check(value[0]), check(value[1])),)
    if len(value) != rank:
        raise ValueError(f"{owner}: `{name}` must be an int, {rank} ints or {rank} (before, after) pairs, "
                         f"received {value!r}")
    pairs = []
    for v in value:
        if isinstance(v, int):
            pairs.append((check(v), check(v)))
        elif len(tuple(v)) == 2:
            pairs.append(tuple(check(p) for p in v))
        else:
            raise ValueError(f"{owner}: each entry of `{name}` must be an int or a (before, after) pair, "
                             f"received {value!r}")
    return tuple(pairs)


class _Spatial(Layer):
    """Shared bookkeeping: the rank, the data format and which axes are spatial."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, describe(self))
        self.input_spec = InputSpec(ndim=self.rank + 2, description=spatial_description(self.rank, self.data_format))
        first = 1 if self.data_format == "channels_last" else 2
        self._spatial_axes = tuple(range(first, first + self.rank))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class BaseZeroPadding(_Spatial):
    """Adds rows/columns of zeros before and after each spatial axis."""

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", describe(self))

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes, self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes, self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class ZeroPadding1D(BaseZeroPadding):
    """Zero-pads the steps axis: ``padding`` = int or (left, right). (batch, steps, ch) -> (batch, steps + l + r, ch)."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(BaseZeroPadding):
    """Zero-pads height and width: ``padding`` = int, (pad_h, pad_w) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(BaseZeroPadding):
    """Zero-pads depth, height and width: int, 3 ints or 3 (before, after) pairs."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class BaseCropping(_Spatial):
    """Removes rows/columns from the start and end of each spatial axis."""

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", describe(self))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)       # raises when the crop is too large
        self.built = True

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(self._spatial_axes, self.cropping):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes, self.cropping):
            if shape[axis] is None:
                continue
            if before + after >= shape[axis]:
                raise ValueError(f"{describe(self)}: cropping {self.cropping} leaves nothing of inputs of "
                                 f"shape {tuple(input_shape)} (axis {axis} has size {shape[axis]})")
            shape[axis] -= before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class Cropping1D(BaseCropping):
    """Crops the steps axis: ``cropping`` = int or (start, end)."""

    rank = 1

    def __init__(self, cropping=(1, 1), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping2D(BaseCropping):
    """Crops height and width: int, (crop_h, crop_w) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(BaseCropping):
    """Crops depth, height and width: int, 3 ints or 3 (start, end) pairs."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class BaseUpSampling(_Spatial):
    """Repeats each element ``size[i]`` times along spatial axis i (nearest-neighbour upsampling).

    Done as one broadcast and one reshape: (B, H, W, C) -> (B, H, 1, W, 1, C) ->
    broadcast (B, H, sh, W, sw, C) -> (B, H·sh, W·sw, C); the backward sums each block.
    """

    interpolations = ("nearest",)

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        owner = describe(self)
        size = (size,) * self.rank if isinstance(size, int) else tuple(size)
        if len(size) != self.rank or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in size):
            raise ValueError(f"{owner}: `size` must be a positive int or {self.rank} of them, received {size!r}")
        self.size = size
        if interpolation not in self.interpolations:
            raise ValueError(f"{owner}: `interpolation` must be one of {self.interpolations}, "
                             f"received {interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation != "nearest":
            return self._resize(inputs)
        split, expanded, final = [], [], []
        for axis, n in enumerate(inputs.shape):
            if axis in self._spatial_axes:
                factor = self.size[self._spatial_axes.index(axis)]
                split += [n, 1]
                expanded += [n, factor]
                final.append(n * factor)
            else:
                split.append(n)
                expanded.append(n)
                final.append(n)
        x = ops.broadcast_to(ops.reshape(inputs, split), expanded)
        return ops.reshape(x, final)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes, self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling1D(BaseUpSampling):
    """Repeats each step ``size`` times: (batch, steps, ch) -> (batch, steps·size, ch)."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        del config["data_format"]
        return config


class UpSampling2D(BaseUpSampling):
    """Upsamples height and width by ``size`` = (sh, sw).

    Args:
        size: int or (sh, sw).
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" (repeat) or "bilinear" (``nerve.ops.image.resize``).
    """

    rank = 2
    interpolations = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def _resize(self, inputs):
        from ..ops import image
        channels_first = self.data_format == "channels_first"
        if channels_first:
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
        height, width = inputs.shape[1] * self.size[0], inputs.shape[2] * self.size[1]
        outputs = image.resize(inputs, (height, width), interpolation=self.interpolation)
        return ops.transpose(outputs, (0, 3, 1, 2)) if channels_first else outputs

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(BaseUpSampling):
    """Repeats along depth, height and width by ``size`` = (sd, sh, sw)."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)

"""Resizing and CenterCrop: deterministic image layers, differentiable (built from ops).

Resizing samples with half-pixel centres, as Keras (and TensorFlow, JAX) do: output
pixel i along an axis of n_in -> n_out pixels reads the input at

    s = (i + 0.5) * n_in / n_out - 0.5

bilinear blends the pixels floor(s) and floor(s) + 1 (clamped to the image), nearest
takes floor((i + 0.5) * n_in / n_out). Both are gathers (``ops.take``) and weighted
sums, one axis at a time, so gradients flow back to the input.
"""

from ... import backend, ops
from ...tensor import Tensor
from .base_image_layer import BaseImageLayer, check_choice

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def resize(images, size, interpolation="bilinear"):
    """Resize a batch of images (Tensor, (batch, height, width, channels)) to ``size`` = (height, width)."""
    out = images
    xp = backend.array_module(images.data)
    for axis, n_out in ((1, size[0]), (2, size[1])):
        n_in = out.shape[axis]
        if n_in == n_out:
            continue
        scale = n_in / n_out
        centres = xp.arange(n_out, dtype="float64") + 0.5
        if interpolation == "nearest":
            index = xp.minimum(xp.floor(centres * scale), n_in - 1).astype(xp.int64)
            out = ops.take(out, index, axis=axis)
            continue
        source = xp.clip(centres * scale - 0.5, 0, n_in - 1)
        low = xp.floor(source).astype(xp.int64)
        high = xp.minimum(low + 1, n_in - 1)
        shape = [1, 1, 1, 1]
        shape[axis] = n_out
        frac = Tensor._wrap((source - low).astype(out.dtype).reshape(shape))
        a, b = ops.take(out, low, axis=axis), ops.take(out, high, axis=axis)
        out = a + (b - a) * frac
    return out


def center_window(height, width, target_height, target_width):
    """(top, left, crop_height, crop_width) of the largest centred window with the target's aspect ratio."""
    crop_h = max(min(height, int(width * target_height / target_width)), 1)
    crop_w = max(min(width, int(height * target_width / target_height)), 1)
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


def crop_and_resize(images, height, width, interpolation="bilinear"):
    """The largest centred window of the target aspect ratio, resized to (height, width)."""
    top, left, crop_h, crop_w = center_window(images.shape[1], images.shape[2], height, width)
    window = images[:, top:top + crop_h, left:left + crop_w, :]
    return resize(window, (height, width), interpolation)


class Resizing(BaseImageLayer):
    """Resize images to (height, width).

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first crop the largest centred window with the output's aspect
            ratio, so the image is not distorted.
        pad_to_aspect_ratio: instead, first pad the image (with ``fill_value``) to that ratio.
        fill_mode: "constant" (the only mode padding uses).
        fill_value: the padding value.

    Shape:
        (batch, H, W, C) -> (batch, height, width, C); a single (H, W, C) image works too.
    """

    random = False
    changes_shape = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _positive(height, "height", self), _positive(width, "width", self)
        self.interpolation = check_choice(interpolation, RESIZE_INTERPOLATIONS, "interpolation", "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: pass only one of crop_to_aspect_ratio and pad_to_aspect_ratio")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(fill_mode, ("constant",), "fill_mode", "Resizing")
        self.fill_value = float(fill_value)

    def apply(self, images):
        if self.crop_to_aspect_ratio:
            return crop_and_resize(images, self.height, self.width, self.interpolation)
        if self.pad_to_aspect_ratio:
            images = self._pad_to_ratio(images)
        return resize(images, (self.height, self.width), self.interpolation)

    def _pad_to_ratio(self, images):
        h, w = images.shape[1], images.shape[2]
        pad_h = max(int(round(w * self.height / self.width)) - h, 0)
        pad_w = max(int(round(h * self.width / self.height)) - w, 0)
        widths = [(0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)]
        return ops.pad(images, widths, constant_values=self.fill_value)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value}


class CenterCrop(BaseImageLayer):
    """Crop the central (height, width) window of each image.

    An image smaller than the target along some axis is instead resized (bilinear) from
    its largest centred window with the target's aspect ratio, as Keras does.

    Shape:
        (batch, H, W, C) -> (batch, height, width, C).
    """

    random = False
    changes_shape = True

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _positive(height, "height", self), _positive(width, "width", self)

    def apply(self, images):
        h, w = images.shape[1], images.shape[2]
        if h < self.height or w < self.width:
            return crop_and_resize(images, self.height, self.width)
        top, left = (h - self.height) // 2, (w - self.width) // 2
        return images[:, top:top + self.height, left:left + self.width, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def _positive(value, name, layer):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{type(layer).__name__}: `{name}` must be a positive integer, received {value!r}")
    return value

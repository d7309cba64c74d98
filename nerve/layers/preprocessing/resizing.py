"""Resizing and CenterCrop: deterministic image layers, differentiable.

Both build on ``nerve.ops.image.resize`` (half-pixel bilinear or nearest sampling, as
Keras; crop or pad to the target aspect ratio), so gradients flow back to the input.
"""

from ...ops import image as image_ops
from .base_image_layer import BaseImageLayer, check_choice

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def crop_and_resize(images, height, width, interpolation="bilinear"):
    """The largest centred window of the target aspect ratio, resized to (height, width)."""
    return image_ops.resize(images, (height, width), interpolation, crop_to_aspect_ratio=True)


class Resizing(BaseImageLayer):
    """Resize images to (height, width).

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        antialias: filter before downsampling (bilinear only).
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
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = _positive(height, "height", self), _positive(width, "width", self)
        self.interpolation = check_choice(interpolation, RESIZE_INTERPOLATIONS, "interpolation", "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: pass only one of crop_to_aspect_ratio and pad_to_aspect_ratio")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(fill_mode, ("constant",), "fill_mode", "Resizing")
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def apply(self, images):
        return image_ops.resize(images, (self.height, self.width), self.interpolation, self.antialias,
                                self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_mode,
                                self.fill_value)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


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

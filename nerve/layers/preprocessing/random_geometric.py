"""Geometric augmentation: RandomFlip, RandomCrop, RandomTranslation, RandomRotation, RandomZoom.

Each draws its parameters per sample (one vectorized draw for the batch) and, flip
aside, builds one 2x3 matrix per sample for the shared warp (``image_warp.affine_warp``).
Active in training only; see ``base_image_layer`` for what ``training`` means.
"""

import math

from ... import backend
from .base_image_layer import BaseImageLayer, check_choice, factor_range
from .image_warp import (
    FILL_MODES, INTERPOLATIONS, affine_warp, crop_matrices, rotation_matrices, translation_matrices,
    zoom_matrices,
)
from .resizing import crop_and_resize

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseImageLayer):
    """Flip each image left-right and/or top-bottom, each with probability 1/2.

    Args:
        mode: "horizontal" (left-right), "vertical" (top-bottom) or "horizontal_and_vertical".
        seed: an integer for a generator of the layer's own (default: nerve's global one).
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = check_choice(mode, FLIP_MODES, "mode", "RandomFlip")

    def transform(self, images, rng):
        xp = backend.array_module(images)
        n = images.shape[0]
        for axis, wanted in ((2, "horizontal"), (1, "vertical")):
            if wanted in self.mode:
                flip = (rng.random(n) < 0.5).reshape(n, 1, 1, 1)
                images = xp.where(flip, xp.flip(images, axis=axis), images)
        return images

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomCrop(BaseImageLayer):
    """Crop a random (height, width) window from each image (a different one per sample).

    At inference, and in training when an image is smaller than the window, the output
    is the largest centred window with the target's aspect ratio, resized to (height, width):
    the output shape is the same in training and at inference.

    Shape:
        (batch, H, W, C) -> (batch, height, width, C).
    """

    changes_shape = True

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"RandomCrop: `{name}` must be a positive integer, received {value!r}")
        self.height, self.width = height, width

    def apply(self, images):
        if images.shape[1] < self.height or images.shape[2] < self.width:
            return self.inference(images)
        return super().apply(images)

    def transform(self, images, rng):
        xp = backend.array_module(images)
        n, h, w, _ = images.shape
        top = rng.integers(0, h - self.height + 1, size=n)
        left = rng.integers(0, w - self.width + 1, size=n)
        matrices = crop_matrices(xp, xp.asarray(top), xp.asarray(left), images.dtype)
        return affine_warp(images, matrices, (self.height, self.width), "nearest", "nearest")

    def inference(self, images):
        return crop_and_resize(images, self.height, self.width)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class _RandomAffine(BaseImageLayer):
    """Shared arguments of the warping layers: fill_mode, interpolation, fill_value."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.fill_mode = check_choice(fill_mode, FILL_MODES, "fill_mode", name)
        self.interpolation = check_choice(interpolation, INTERPOLATIONS, "interpolation", name)
        self.fill_value = float(fill_value)

    def transform(self, images, rng):
        xp = backend.array_module(images)
        matrices = self.matrices(xp, rng, images.shape, images.dtype)
        return affine_warp(images, matrices, None, self.interpolation, self.fill_mode, self.fill_value)

    def matrices(self, xp, rng, shape, dtype):
        raise NotImplementedError

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomTranslation(_RandomAffine):
    """Shift each image by a random fraction of its height and width.

    Args:
        height_factor: a fraction of the height, or a pair (lower, upper); a number f means
            (-f, f). Positive shifts move the content down, negative up.
        width_factor: the same for the width (positive: right).
        fill_mode, interpolation, fill_value: see ``image_warp`` ("reflect", "bilinear", 0.0).
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = factor_range(height_factor, "height_factor", "RandomTranslation")
        self.width_range = factor_range(width_factor, "width_factor", "RandomTranslation")

    def matrices(self, xp, rng, shape, dtype):
        n, h, w, _ = shape
        shift_y = xp.asarray(rng.uniform(*self.height_range, size=n)) * h
        shift_x = xp.asarray(rng.uniform(*self.width_range, size=n)) * w
        return translation_matrices(xp, shift_y, shift_x, dtype)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomRotation(_RandomAffine):
    """Rotate each image about its centre by a random fraction of a full turn.

    Args:
        factor: a fraction of 2*pi, or a pair (lower, upper); a number f means (-f, f).
            Positive angles turn counter-clockwise.
        fill_mode, interpolation, fill_value: see ``image_warp`` ("reflect", "bilinear", 0.0).
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor
        self.range = factor_range(factor, "factor", "RandomRotation")

    def matrices(self, xp, rng, shape, dtype):
        n, h, w, _ = shape
        angles = xp.asarray(rng.uniform(*self.range, size=n)) * (2 * math.pi)
        return rotation_matrices(xp, angles, h, w, dtype)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_RandomAffine):
    """Zoom each image in or out about its centre by a random amount.

    The image is scaled by 1 / (1 + f) with f drawn from the factor's range: positive f
    zooms out (the image shrinks and the border is filled), negative f zooms in.

    Args:
        height_factor: a fraction, or a pair (lower, upper); a number f means (-f, f).
        width_factor: the same for the width; None (default) zooms both axes by the same
            amount, keeping the aspect ratio.
        fill_mode, interpolation, fill_value: see ``image_warp`` ("reflect", "bilinear", 0.0).
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = factor_range(height_factor, "height_factor", "RandomZoom")
        self.width_range = None if width_factor is None else factor_range(width_factor, "width_factor",
                                                                           "RandomZoom")

    def matrices(self, xp, rng, shape, dtype):
        n, h, w, _ = shape
        zoom_y = 1.0 + xp.asarray(rng.uniform(*self.height_range, size=n))
        zoom_x = zoom_y if self.width_range is None else 1.0 + xp.asarray(rng.uniform(*self.width_range, size=n))
        return zoom_matrices(xp, zoom_y, zoom_x, h, w, dtype)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}

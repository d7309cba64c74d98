"""Colour augmentation: RandomBrightness and RandomContrast, one random amount per image."""

from ... import backend
from .base_image_layer import BaseImageLayer, factor_range


def check_value_range(value_range, layer_name):
    """``value_range`` as a sorted pair of floats."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{layer_name}: `value_range` must be a pair (low, high), received {value_range!r}")
    low, high = sorted(float(v) for v in value_range)
    return low, high


class RandomBrightness(BaseImageLayer):
    """Add a random brightness offset to each image, then clip to ``value_range``.

        y = clip(x + f * (high - low), low, high),   f ~ U(lower, upper), one f per image

    Args:
        factor: a number f in [-1, 1] (meaning (-f, f)) or a pair (lower, upper); -1 turns the
            image black, +1 white.
        value_range: (low, high), the range of the input values: (0, 255) by default,
            (0, 1) for images already scaled.
        seed: an integer for a generator of the layer's own.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.range = factor_range(factor, "factor", "RandomBrightness")
        self.value_range = check_value_range(value_range, "RandomBrightness")

    def transform(self, images, rng):
        xp = backend.array_module(images)
        low, high = self.value_range
        n = images.shape[0]
        delta = xp.asarray(rng.uniform(*self.range, size=(n, 1, 1, 1)) * (high - low), dtype=images.dtype)
        return xp.clip(images + delta, low, high).astype(images.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": list(self.value_range)}


class RandomContrast(BaseImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor, then clip.

        y = clip((x - mean) * c + mean, low, high),   c ~ U(1 - lower, 1 + upper), one c per image

    where mean is the image's mean over height and width, per channel.

    Args:
        factor: a number f in [0, 1] (c in [1 - f, 1 + f]) or a pair (lower, upper).
        value_range: (low, high) the output is clipped to; (0, 255) by default.
        seed: an integer for a generator of the layer's own.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            lower, upper = (float(f) for f in factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            lower = upper = float(factor)
        else:
            raise ValueError(f"RandomContrast: `factor` must be a number or a pair, received {factor!r}")
        if not (0 <= lower <= 1 and 0 <= upper):
            raise ValueError(f"RandomContrast: `factor` must lie in [0, 1], received {factor!r}")
        self.range = (1.0 - lower, 1.0 + upper)
        self.value_range = check_value_range(value_range, "RandomContrast")

    def transform(self, images, rng):
        xp = backend.array_module(images)
        n = images.shape[0]
        contrast = xp.asarray(rng.uniform(*self.range, size=(n, 1, 1, 1)), dtype=images.dtype)
        mean = images.mean(axis=(1, 2), keepdims=True)
        out = (images - mean) * contrast + mean
        return xp.clip(out, *self.value_range).astype(images.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": list(self.value_range)}

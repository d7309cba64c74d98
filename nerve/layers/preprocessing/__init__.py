"""Preprocessing and augmentation layers (Keras 3 names and arguments, channels_last images).

Augmentation (random, active in training only): RandomCrop, RandomFlip, RandomTranslation,
RandomRotation, RandomZoom, RandomBrightness, RandomContrast. Preprocessing (always on,
differentiable): Rescaling, Normalization (with ``adapt``), Resizing, CenterCrop.
"""

from .normalization import Normalization
from .random_color import RandomBrightness, RandomContrast
from .random_geometric import RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .rescaling import Rescaling
from .resizing import CenterCrop, Resizing

__all__ = [
    "CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
]

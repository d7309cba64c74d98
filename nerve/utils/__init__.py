"""nerve.utils: seeding, label encoding, data sequences, model plots."""

import random as _random

from .. import backend
from .model_visualization import model_to_dot, plot_model  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .py_dataset import PyDataset, Sequence  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401


def set_random_seed(seed):
    """Seed every random draw nerve makes: weights, dropout, shuffling, augmentation."""
    _random.seed(seed)
    backend.set_seed(seed)

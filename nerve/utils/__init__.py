"""nerve.utils: seeding, label encoding, data sequences, model plots."""

import random as _random

from .. import backend


def set_random_seed(seed):
    """Seed every random draw nerve makes: weights, dropout, shuffling, augmentation."""
    _random.seed(seed)
    backend.set_seed(seed)


from .numerical_utils import normalize, to_categorical  # noqa: E402,F401
from .progbar import Progbar  # noqa: E402,F401
from .py_dataset import PyDataset, Sequence  # noqa: E402,F401
from .model_visualization import model_to_dot, plot_model  # noqa: E402,F401
from .sequence_utils import pad_sequences  # noqa: E402,F401

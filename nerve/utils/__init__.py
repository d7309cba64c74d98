"""nerve.utils: seeding, label encoding, data sequences, model plots."""

import random as _random

from .. import backend


def set_random_seed(seed):
    """Seed every random draw nerve makes: weights, dropout, shuffling, augmentation."""
    _random.seed(seed)
    backend.set_seed(seed)

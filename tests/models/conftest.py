"""Small synthetic problems the model tests train on (a few milliseconds per epoch)."""

import numpy as np
import pytest


@pytest.fixture
def blobs(rng):
    """Three separable classes in 6 dimensions: (x float32 (96, 6), y int64 (96,))."""
    centers = rng.normal(size=(3, 6)) * 3
    y = rng.integers(0, 3, size=96)
    x = (centers[y] + rng.normal(size=(96, 6))).astype("float32")
    return x, y


@pytest.fixture
def regression(rng):
    """y = x @ w + 0.5 with x float32 (64, 5), y float32 (64, 1)."""
    x = rng.normal(size=(64, 5)).astype("float32")
    w = rng.normal(size=(5, 1)).astype("float32")
    return x, (x @ w + 0.5).astype("float32")

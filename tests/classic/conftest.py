"""MNIST digits for the classic estimators' tests, when the mirror has them."""

import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def mnist_digits():
    """2,000 MNIST training images as float32 vectors in [0, 1] (784 features), and their labels."""
    mirror = os.environ.get("NERVE_DATASETS_MIRROR", "")
    if not (mirror and os.path.isdir(os.path.join(mirror.split(os.pathsep)[0], "mnist"))):
        pytest.skip("the MNIST mirror is not available (NERVE_DATASETS_MIRROR)")
    from nerve.datasets import mnist
    (x, y), _ = mnist.load_data()
    return x[:2000].reshape(2000, -1).astype("float32") / np.float32(255), y[:2000]

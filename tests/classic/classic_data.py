"""Synthetic data sets for the classic estimators' tests."""

import numpy as np


def blobs(n_samples, n_features, centers, spread, seed):
    """Isotropic Gaussian clusters around random centres in [-10, 10]^d (like sklearn's make_blobs)."""
    rng = np.random.default_rng(seed)
    middles = rng.uniform(-10, 10, (centers, n_features))
    labels = rng.integers(0, centers, n_samples)
    return middles[labels] + spread * rng.standard_normal((n_samples, n_features)), labels

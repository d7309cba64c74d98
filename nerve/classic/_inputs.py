"""Checking the data matrices the classic estimators take (one home for the rules)."""

import numpy

from .. import backend
from ..tensor import Tensor


def as_data_matrix(X, who, n_features=None):
    """``X`` as a 2-D float array (n_samples, n_features) of the library that holds it.

    NumPy stays NumPy and CuPy stays CuPy (the backend's active library for lists); float32
    and float64 keep their dtype, anything else becomes the backend's floatx. A ValueError
    names ``who`` for a wrong rank, no samples, NaN or infinity, or a feature count other
    than ``n_features``.
    """
    if isinstance(X, Tensor):
        X = X.data
    xp = backend.array_module(X) if hasattr(X, "__array__") and not isinstance(X, (list, tuple)) else backend.xp
    X = xp.asarray(X)
    if X.dtype not in (numpy.float32, numpy.float64):
        X = X.astype(backend.floatx())
    if X.ndim != 2:
        raise ValueError(f"{who}: expected a 2-D array (n_samples, n_features), received shape {tuple(X.shape)}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{who}: expected at least one sample and one feature, received shape {tuple(X.shape)}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{who}: expected {n_features} features, as in fit; received shape {tuple(X.shape)}")
    if not bool(xp.isfinite(X).all()):
        raise ValueError(f"{who}: the input holds NaN or infinity; expected finite numbers")
    return X


def check_fitted(estimator, attribute, who):
    if getattr(estimator, attribute, None) is None:
        raise RuntimeError(f"{who}: this {type(estimator).__name__} is not fitted yet; call fit first")

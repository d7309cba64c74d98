"""Principal component analysis: the directions along which the data varies most.

Centre the data (subtract the mean μ of every feature) and take the covariance matrix

    C = X_cᵀ X_c / (n − 1)                     (n_features × n_features)

Its eigenvectors w_1, w_2, ... ordered by eigenvalue λ_1 ≥ λ_2 ≥ ... are the principal
components: w_1 is the unit direction of largest variance (λ_1 is that variance), w_2 the
largest orthogonal to it, and so on. Keeping the first k,

    transform          z = (x − μ) Wᵀ          (whiten: z_j / √λ_j, unit variance)
    inverse_transform  x̂ = z W + μ

is the best rank-k linear reconstruction in squared error. The fraction of variance kept,
λ_j / Σ λ, is ``explained_variance_ratio_``.

With more samples than features the eigenvectors come from C (one matrix product and a
symmetric eigendecomposition of n_features²); otherwise from the SVD of X_c = U S Vᵀ
(the rows of Vᵀ, with λ = S² / (n − 1)). Signs follow scikit-learn's convention: the
largest-magnitude entry of every component is positive.
"""

import numpy

from .. import backend
from ._inputs import as_data_matrix, check_fitted


class PCA:
    """Principal component analysis with scikit-learn's names, arguments and attributes.

    Args:
        n_components: components kept: an int k, a float in (0, 1) (the fewest components
            that explain at least that fraction of the variance), or None (all,
            min(n_samples, n_features)).
        whiten: scale the projections to unit variance (divide by √λ_j).

    Attributes (after ``fit``): ``components_`` (k, n_features), ``explained_variance_`` (k,) λ_j,
    ``explained_variance_ratio_`` (k,), ``singular_values_`` (k,), ``mean_`` (n_features,),
    ``n_components_``, ``noise_variance_`` (the mean of the eigenvalues left out).

    Example:
        >>> import numpy as np
        >>> X = np.array([[1., 1.], [2., 2.], [3., 3.]])
        >>> PCA(1).fit(X).explained_variance_ratio_
        array([1.])
    """

    def __init__(self, n_components=None, *, whiten=False):
        if n_components is not None:
            is_int = isinstance(n_components, (int, numpy.integer)) and not isinstance(n_components, bool)
            if not (is_int and n_components >= 0) and not (isinstance(n_components, float) and 0 < n_components < 1):
                raise ValueError(f"PCA: n_components must be an integer >= 0, a float in (0, 1) or None, "
                                 f"received {n_components!r}")
        self.n_components, self.whiten = n_components, bool(whiten)
        self.components_ = self.explained_variance_ = self.explained_variance_ratio_ = None
        self.singular_values_ = self.mean_ = self.n_components_ = self.noise_variance_ = None

    def fit(self, X, y=None):
        """Find the principal components of the rows of X (n_samples, n_features); returns self."""
        X = as_data_matrix(X, "PCA.fit")
        n_samples, n_features = X.shape
        limit = min(n_samples, n_features)
        if isinstance(self.n_components, (int, numpy.integer)) and self.n_components > limit:
            raise ValueError(f"PCA.fit: n_components={self.n_components} must be between 0 and "
                             f"min(n_samples, n_features)={limit}; the data has shape {(n_samples, n_features)}")
        if n_samples < 2:
            raise ValueError(f"PCA.fit: needs at least 2 samples to estimate a variance, received {n_samples}")
        xp = backend.array_module(X)
        self.mean_ = X.mean(axis=0)
        centred = X - self.mean_
        if n_samples >= n_features:
            covariance = centred.T @ centred
            covariance /= n_samples - 1
            eigenvalues, eigenvectors = xp.linalg.eigh(covariance)         # ascending
            variances = xp.maximum(eigenvalues[::-1], 0)                    # rounding can give −ε
            components = eigenvectors[:, ::-1].T
        else:
            _, singular, components = xp.linalg.svd(centred, full_matrices=False)
            variances = singular ** 2 / (n_samples - 1)
        total = variances.sum()
        ratios = variances / total
        k = self._count(ratios, limit)
        components = _flip_signs(components[:k])
        self.components_ = xp.ascontiguousarray(components)
        self.explained_variance_ = variances[:k]
        self.explained_variance_ratio_ = ratios[:k]
        self.singular_values_ = xp.sqrt(variances[:k] * (n_samples - 1))
        self.n_components_ = k
        rest = variances[k:limit]
        self.noise_variance_ = float(rest.mean()) if k < limit and rest.size else 0.0
        return self

    def _count(self, ratios, limit):
        if self.n_components is None:
            return limit
        if isinstance(self.n_components, float):     # the fewest reaching that fraction of variance
            cumulative = backend.to_numpy(ratios).cumsum()
            return int(numpy.searchsorted(cumulative, self.n_components, side="right") + 1)
        return int(self.n_components)

    def transform(self, X):
        """z = (x − μ) Wᵀ for every row of X (divided by √λ when ``whiten``): (n_samples, k)."""
        check_fitted(self, "components_", "PCA.transform")
        X = as_data_matrix(X, "PCA.transform", self.mean_.shape[0])
        projected = (X - self.mean_.astype(X.dtype, copy=False)) @ self.components_.T.astype(X.dtype, copy=False)
        if self.whiten:
            projected /= backend.array_module(X).sqrt(self.explained_variance_).astype(X.dtype, copy=False)
        return projected

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """x̂ = z W + μ (z multiplied by √λ first when ``whiten``): back to the feature space."""
        check_fitted(self, "components_", "PCA.inverse_transform")
        Z = as_data_matrix(Z, "PCA.inverse_transform", self.n_components_)
        if self.whiten:
            Z = Z * backend.array_module(Z).sqrt(self.explained_variance_).astype(Z.dtype, copy=False)
        return Z @ self.components_.astype(Z.dtype, copy=False) + self.mean_.astype(Z.dtype, copy=False)

    def __repr__(self):
        return f"PCA(n_components={self.n_components!r}, whiten={self.whiten})"


def _flip_signs(components):
    """Make the largest-magnitude entry of every row positive (scikit-learn's svd_flip, V-based)."""
    xp = backend.array_module(components)
    biggest = xp.abs(components).argmax(axis=1)
    signs = xp.sign(components[xp.arange(components.shape[0]), biggest])
    signs[signs == 0] = 1
    return components * signs[:, None]

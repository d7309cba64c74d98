"""k-means clustering: k centres, each the mean of the samples closest to it.

k-means looks for k centres μ_1 .. μ_k that make the inertia small,

    J = Σ_i min_j ‖x_i − μ_j‖²     (the sum of squared distances to the closest centre),

by Lloyd's algorithm, two steps repeated until the centres stop moving:

    assign   c_i = argmin_j ‖x_i − μ_j‖²
    update   μ_j = mean of the x_i with c_i = j

Neither step can raise J, so it converges, to a local minimum that depends on the start.
k-means++ (Arthur and Vassilvitskii, 2007) starts well: each new centre is drawn with
probability proportional to D(x)², the squared distance to the nearest centre chosen so
far (greedily, as scikit-learn does: the best of 2 + ⌊ln k⌋ draws); several starts
(``n_init``) keep the lowest J.

Everything is whole-array work on the backend's arrays (NumPy or CuPy): the distances
‖x‖² − 2 x·μ + ‖μ‖² come from one matrix product per iteration, the means from another
(a one-hot assignment matrix times X; with numba, one compiled pass adding each sample to
its cluster's sum). No Python loop runs over samples; on the CPU a step walks blocks of
2048 rows, so that the second read of a block comes from cache.
"""

import math
import os

import numpy

from .. import backend
from ._inputs import as_data_matrix, check_fitted


class KMeans:
    """k-means clustering with scikit-learn's names, arguments and attributes.

    Args:
        n_clusters: k, the number of clusters.
        init: "k-means++", "random" (k distinct samples), or an array (n_clusters, n_features).
        n_init: starts from which the lowest inertia is kept; "auto" is 1 for "k-means++"
            and an array, 10 for "random" (as scikit-learn).
        max_iter: the most Lloyd iterations per start.
        tol: stop when Σ_j ‖μ_j(new) − μ_j(old)‖² ≤ tol · (the mean variance of the features).
        random_state: an int seed (or None) for the starts.

    Attributes (after ``fit``): ``cluster_centers_`` (n_clusters, n_features), ``labels_``
    (n_samples,), ``inertia_`` J (a float), ``n_iter_`` (Lloyd iterations of the kept start).

    Example:
        >>> import numpy as np
        >>> X = np.array([[0., 0.], [0., 1.], [10., 10.], [10., 11.]])
        >>> KMeans(2, random_state=0).fit(X).inertia_
        1.0
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 random_state=None):
        if not isinstance(n_clusters, (int, numpy.integer)) or isinstance(n_clusters, bool) or n_clusters < 1:
            raise ValueError(f"KMeans: n_clusters must be a positive integer, received {n_clusters!r}")
        if isinstance(init, str) and init not in ("k-means++", "random"):
            raise ValueError(f"KMeans: init must be 'k-means++', 'random' or an array, received {init!r}")
        if n_init != "auto" and (not isinstance(n_init, (int, numpy.integer)) or n_init < 1):
            raise ValueError(f"KMeans: n_init must be 'auto' or a positive integer, received {n_init!r}")
        if not isinstance(max_iter, (int, numpy.integer)) or max_iter < 1:
            raise ValueError(f"KMeans: max_iter must be a positive integer, received {max_iter!r}")
        if not tol >= 0:
            raise ValueError(f"KMeans: tol must be >= 0, received {tol!r}")
        self.n_clusters, self.init, self.n_init = int(n_clusters), init, n_init
        self.max_iter, self.tol, self.random_state = int(max_iter), float(tol), random_state
        self.cluster_centers_ = self.labels_ = self.inertia_ = self.n_iter_ = None

    # ---- fitting --------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Cluster the rows of X (n_samples, n_features); returns self. ``y`` is ignored."""
        X = as_data_matrix(X, "KMeans.fit")
        n_samples, n_features = X.shape
        if n_samples < self.n_clusters:
            raise ValueError(f"KMeans.fit: n_samples={n_samples} should be >= n_clusters={self.n_clusters}; "
                             f"ask for at most {n_samples} clusters or give more samples")
        xp = backend.array_module(X)
        rng = numpy.random.default_rng(self.random_state)
        mean = X.mean(axis=0)
        X = xp.ascontiguousarray(X - mean)    # centred: the distance expansion loses less precision
        x_squared = (X * X).sum(axis=1)
        tol = self.tol * float(X.var(axis=0).mean())
        random_init = isinstance(self.init, str) and self.init == "random"
        starts = self.n_init if self.n_init != "auto" else (10 if random_init else 1)
        best = None
        for _ in range(starts):
            centers = self._initial_centers(X, x_squared, rng, mean)
            centers, labels, inertia, n_iter = _lloyd(X, x_squared, centers, self.max_iter, tol)
            if best is None or inertia < best[2]:
                best = (centers, labels, inertia, n_iter)
        centers, labels, inertia, n_iter = best
        self.cluster_centers_ = centers + mean
        self.labels_, self.inertia_, self.n_iter_ = labels, inertia, n_iter
        self._xp = xp
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the cluster index of every sample (``labels_``)."""
        return self.fit(X).labels_

    def predict(self, X):
        """The index of the closest centre for every row of X."""
        check_fitted(self, "cluster_centers_", "KMeans.predict")
        X = as_data_matrix(X, "KMeans.predict", self.cluster_centers_.shape[1])
        return _assign(X, (X * X).sum(axis=1), self._centers_like(X))[0]

    def transform(self, X):
        """Distances ‖x − μ_j‖ from every row of X to every centre: (n_samples, n_clusters)."""
        check_fitted(self, "cluster_centers_", "KMeans.transform")
        X = as_data_matrix(X, "KMeans.transform", self.cluster_centers_.shape[1])
        distances = _squared_distances(X, (X * X).sum(axis=1), self._centers_like(X))
        return backend.array_module(X).sqrt(distances)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def _centers_like(self, X):
        xp = backend.array_module(X)
        centers = self.cluster_centers_ if backend.array_module(self.cluster_centers_) is xp \
            else xp.asarray(backend.to_numpy(self.cluster_centers_))
        return centers.astype(X.dtype, copy=False)

    def _initial_centers(self, X, x_squared, rng, mean):
        xp = backend.array_module(X)
        n_samples = X.shape[0]
        if isinstance(self.init, str) and self.init == "random":
            return X[xp.asarray(rng.choice(n_samples, self.n_clusters, replace=False))]
        if not isinstance(self.init, str):
            given = as_data_matrix(self.init, "KMeans: init")
            if given.shape != (self.n_clusters, X.shape[1]):
                raise ValueError(f"KMeans: init must have shape (n_clusters, n_features) = "
                                 f"{(self.n_clusters, X.shape[1])}, received {tuple(given.shape)}")
            return xp.asarray(given, dtype=X.dtype) - mean
        return kmeans_plusplus(X, self.n_clusters, rng, x_squared)

    def __repr__(self):
        return f"KMeans(n_clusters={self.n_clusters}, init={self.init!r}, n_init={self.n_init!r})"


def kmeans_plusplus(X, n_clusters, rng, x_squared=None):
    """k-means++ starting centres (greedy, 2 + ⌊ln k⌋ candidate draws per centre).

    The first centre is a sample drawn uniformly; each next one is the best, by the
    resulting potential Σ_i D(x_i)², of a few samples drawn with probability ∝ D(x)².
    The loop runs over the k centres; each pass is whole-array work over the samples.
    """
    xp = backend.array_module(X)
    if x_squared is None:
        x_squared = (X * X).sum(axis=1)
    n_samples = X.shape[0]
    trials = 2 + int(math.log(n_clusters))
    centers = xp.empty((n_clusters, X.shape[1]), dtype=X.dtype)
    centers[0] = X[int(rng.integers(n_samples))]
    closest = _squared_distances(X, x_squared, centers[:1])[:, 0]
    for c in range(1, n_clusters):
        cumulative = xp.cumsum(closest, dtype="float64")
        draws = xp.asarray(rng.random(trials)) * cumulative[-1]
        candidates = xp.minimum(xp.searchsorted(cumulative, draws), n_samples - 1)
        to_candidates = _squared_distances(X, x_squared, X[candidates])          # (n_samples, trials)
        potentials = xp.minimum(closest[:, None], to_candidates).sum(axis=0, dtype="float64")
        best = int(potentials.argmin())
        centers[c] = X[int(candidates[best])]
        closest = xp.minimum(closest, to_candidates[:, best])
    return centers


def _squared_distances(X, x_squared, centers):
    """‖x_i − μ_j‖² = ‖x_i‖² − 2 x_i·μ_j + ‖μ_j‖², clipped at 0 (rounding can dip below)."""
    xp = backend.array_module(X)
    distances = X @ centers.T
    distances *= -2
    distances += x_squared[:, None]
    distances += (centers * centers).sum(axis=1)[None, :]
    return xp.maximum(distances, 0, out=distances)


def _assign(X, x_squared, centers):
    """The closest centre of every sample and the squared distance to it."""
    distances = _squared_distances(X, x_squared, centers)
    labels = distances.argmin(axis=1)
    closest = backend.array_module(X).take_along_axis(distances, labels[:, None], axis=1)[:, 0]
    return labels, closest


# rows per block of a Lloyd step on the CPU: the block's second read (for the means) then
# comes from cache; measured ~25% faster per iteration than two whole-array passes on MNIST
CPU_BLOCK_ROWS = 2048


def _lloyd_step(X, x_squared, centers):
    """One assign-and-update step: every sample's closest centre, and the new centres.

    Each centre becomes the mean of its samples, (one-hot assignment)ᵀ X / counts, summed
    block by block of rows (the whole array at once on the GPU). On the CPU with numba, the
    distances' GEMM is followed by one compiled pass that picks each row's centre and adds
    the row to its sum (kmeans_numba.py: no one-hot GEMM, no chain of small array passes). A centre left without
    samples moves to the sample farthest from its own centre, as scikit-learn relocates
    empty clusters. Returns (new centres, labels, squared distance to the closest centre).
    """
    xp = backend.array_module(X)
    n_samples, n_clusters = X.shape[0], centers.shape[0]
    block = CPU_BLOCK_ROWS if xp is numpy else n_samples
    kernels = _numba_kernels() if xp is numpy else None
    sums = xp.zeros_like(centers)
    counts = xp.zeros(n_clusters, dtype=X.dtype)
    labels = xp.empty(n_samples, dtype="int64")
    closest = xp.empty(n_samples, dtype=X.dtype)
    cluster_ids = xp.arange(n_clusters)[None, :]
    c_squared = (centers * centers).sum(axis=1)
    for start in range(0, n_samples, block):
        rows = slice(start, start + block)
        if kernels is not None:
            kernels.assign_and_sum(X[rows], X[rows] @ centers.T, x_squared[rows], c_squared, labels[rows],
                                   closest[rows], sums, counts)
        else:
            labels[rows], closest[rows] = _assign(X[rows], x_squared[rows], centers)
            one_hot = (labels[rows, None] == cluster_ids).astype(X.dtype)
            sums += one_hot.T @ X[rows]
            counts += one_hot.sum(axis=0)
    empty = xp.flatnonzero(counts == 0)
    if empty.size:
        farthest = xp.argsort(-closest)[:int(empty.size)]
        sums[empty] = X[farthest]
        counts[empty] = 1
    return sums / counts[:, None], labels, closest


_kernels = []


def _numba_kernels():
    """nerve.classic.kmeans_numba, or None without numba or with NERVE_NUMBA=0 (then the GEMM)."""
    if os.environ.get("NERVE_NUMBA", "1") == "0":
        return None
    if not _kernels:
        try:
            from . import kmeans_numba
        except ModuleNotFoundError as error:
            if error.name != "numba":
                raise
            kmeans_numba = None
        _kernels.append(kmeans_numba)
    return _kernels[0]


def _lloyd(X, x_squared, centers, max_iter, tol):
    """Lloyd's iterations from ``centers``; returns (centers, labels, inertia, iterations run)."""
    xp = backend.array_module(X)
    labels = None
    strict = False
    for iteration in range(1, max_iter + 1):
        new_centers, new_labels, closest = _lloyd_step(X, x_squared, centers)
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if labels is not None and bool((new_labels == labels).all()):
            strict = True                 # the assignment is a fixed point: nothing can change
        labels = new_labels
        if strict or shift <= tol:
            break
    if not strict:                        # labels and inertia from the final centres
        labels, closest = _assign(X, x_squared, centers)
    inertia = float(closest.sum(dtype=xp.float64))
    return centers, labels, inertia, iteration

"""KMeans: scikit-learn's inertia on the same data and seeds, its attributes and its errors."""

import numpy as np
import pytest

from nerve.classic import KMeans, kmeans_plusplus

from classic_data import blobs

DATA_SETS = {   # name: (X, k)
    "3 tight blobs in 2-D": (blobs(300, 2, 3, 0.5, seed=0)[0], 3),
    "5 overlapping blobs in 10-D": (blobs(1000, 10, 5, 4.0, seed=1)[0], 5),
    "uniform square, k=6": (np.random.default_rng(2).uniform(0, 1, (800, 2)), 6),
}


@pytest.mark.parametrize("name", list(DATA_SETS))
@pytest.mark.parametrize("seed", [0, 1])
def test_inertia_within_one_percent_of_sklearn(name, seed):
    cluster = pytest.importorskip("sklearn.cluster", reason="scikit-learn is not installed")
    X, k = DATA_SETS[name]
    ours = KMeans(k, n_init=3, random_state=seed).fit(X)
    theirs = cluster.KMeans(k, n_init=3, random_state=seed).fit(X)
    assert abs(ours.inertia_ / theirs.inertia_ - 1) < 0.01, (ours.inertia_, theirs.inertia_)


@pytest.mark.parametrize("seed", [0, 1])
def test_mnist_digits_inertia_within_one_percent_of_sklearn(mnist_digits, seed):
    cluster = pytest.importorskip("sklearn.cluster", reason="scikit-learn is not installed")
    X, _ = mnist_digits
    ours = KMeans(10, n_init=2, random_state=seed).fit(X)
    theirs = cluster.KMeans(10, n_init=2, random_state=seed).fit(X)
    assert ours.cluster_centers_.dtype == np.float32
    assert abs(ours.inertia_ / theirs.inertia_ - 1) < 0.01, (ours.inertia_, theirs.inertia_)


def test_attributes_agree_with_each_other():
    X, _ = blobs(400, 3, 4, 1.0, seed=3)
    model = KMeans(4, random_state=0).fit(X)
    assert model.cluster_centers_.shape == (4, 3) and model.labels_.shape == (400,)
    assert 1 <= model.n_iter_ <= model.max_iter
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    distances = model.transform(X)
    assert distances.shape == (400, 4)
    np.testing.assert_array_equal(distances.argmin(axis=1), model.labels_)
    brute = ((X[:, None, :] - model.cluster_centers_[None]) ** 2).sum(-1)
    np.testing.assert_allclose(distances ** 2, brute, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.inertia_, brute.min(axis=1).sum(), rtol=1e-9)
    for j in range(4):      # every centre is the mean of its cluster (converged)
        np.testing.assert_allclose(model.cluster_centers_[j], X[model.labels_ == j].mean(axis=0), atol=1e-9)
    np.testing.assert_array_equal(KMeans(4, random_state=0).fit_predict(X), model.labels_)


def test_separated_blobs_are_recovered_exactly():
    X, labels = blobs(300, 2, 3, 0.3, seed=0)
    found = KMeans(3, random_state=0).fit_predict(X)
    pairs = set(zip(labels.tolist(), found.tolist()))
    assert len(pairs) == 3           # a one-to-one relabelling


def test_same_seed_same_result_and_init_options():
    X, _ = blobs(500, 4, 6, 2.0, seed=4)
    a, b = KMeans(6, random_state=7).fit(X), KMeans(6, random_state=7).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert KMeans(6, init="random", random_state=0).fit(X).inertia_ > 0
    given = X[:6].copy()
    model = KMeans(6, init=given, max_iter=1).fit(X)
    assert model.n_iter_ == 1


def test_kmeans_plusplus_picks_distinct_spread_samples():
    X, _ = blobs(300, 2, 3, 0.2, seed=5)
    centers = kmeans_plusplus(X, 3, np.random.default_rng(0))
    assert all((X == c).all(axis=1).any() for c in centers)       # every centre is a sample
    assert len({tuple(c) for c in centers}) == 3
    gaps = np.linalg.norm(centers[:, None] - centers[None], axis=-1)[np.triu_indices(3, 1)]
    assert gaps.min() > 3            # one seed in each far-apart blob


def test_an_empty_cluster_is_relocated():
    X = np.array([[0.0], [0.1], [10.0], [10.1]])
    model = KMeans(2, init=np.array([[0.05], [100.0]]), max_iter=10).fit(X)
    assert sorted(np.bincount(model.labels_, minlength=2).tolist()) == [2, 2]


def test_float32_stays_float32():
    X = blobs(200, 3, 2, 1.0, seed=6)[0].astype("float32")
    model = KMeans(2, random_state=0).fit(X)
    assert model.cluster_centers_.dtype == np.float32
    assert model.transform(X).dtype == np.float32


def test_errors_in_nerves_words():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"n_samples=3 should be >= n_clusters=5"):
        KMeans(5).fit(X)
    with pytest.raises(ValueError, match="NaN or infinity"):
        KMeans(2).fit(np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 2.0]]))
    with pytest.raises(ValueError, match="2-D array"):
        KMeans(2).fit(np.zeros(5))
    with pytest.raises(ValueError, match="n_clusters must be a positive integer"):
        KMeans(0)
    with pytest.raises(RuntimeError, match="not fitted"):
        KMeans(2).predict(X)
    model = KMeans(2, random_state=0).fit(np.arange(8.0).reshape(4, 2))
    with pytest.raises(ValueError, match="expected 2 features"):
        model.predict(np.zeros((3, 5)))


def test_compiled_and_matrix_product_updates_agree(monkeypatch):
    pytest.importorskip("numba", reason="numba is not installed: only the matrix-product update exists")
    from nerve.classic import kmeans as module
    X = blobs(5000, 6, 5, 2.0, seed=8)[0].astype("float32")   # more rows than one CPU block
    x_squared = (X * X).sum(axis=1)
    centers = X[:5].copy()
    monkeypatch.setenv("NERVE_NUMBA", "1")
    compiled = module._lloyd_step(X, x_squared, centers)
    monkeypatch.setenv("NERVE_NUMBA", "0")
    product = module._lloyd_step(X, x_squared, centers)
    np.testing.assert_array_equal(compiled[1], product[1])
    np.testing.assert_allclose(compiled[0], product[0], rtol=1e-5, atol=1e-5)

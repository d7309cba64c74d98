"""PCA: scikit-learn's components (up to sign) and explained variance, transforms, errors."""

import numpy as np
import pytest

from nerve.classic import PCA

from classic_data import blobs


def _correlated(n_samples, n_features, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((n_features, n_features)) * np.linspace(3, 0.1, n_features)[:, None]
    return rng.standard_normal((n_samples, n_features)) @ mixing + rng.uniform(-5, 5, n_features)


DATA_SETS = {
    "tall (500 x 12)": (_correlated(500, 12, 0), 5),
    "wide (20 x 50)": (_correlated(20, 50, 1), 8),
    "blobs (300 x 6)": (blobs(300, 6, 4, 1.5, seed=2)[0], 3),
}


def _same_up_to_sign(ours, theirs, **tolerance):
    signs = np.sign((ours * theirs).sum(axis=1))
    np.testing.assert_allclose(ours * signs[:, None], theirs, **tolerance)


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_matches_sklearn(name):
    decomposition = pytest.importorskip("sklearn.decomposition", reason="scikit-learn is not installed")
    X, k = DATA_SETS[name]
    ours = PCA(k).fit(X)
    theirs = decomposition.PCA(k, svd_solver="full").fit(X)
    _same_up_to_sign(ours.components_, theirs.components_, atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-5)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-5)
    np.testing.assert_allclose(ours.singular_values_, theirs.singular_values_, rtol=1e-5)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.noise_variance_, theirs.noise_variance_, rtol=1e-5)
    _same_up_to_sign(ours.transform(X).T, theirs.transform(X).T, atol=1e-7)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X)),
                               theirs.inverse_transform(theirs.transform(X)), atol=1e-7)


def test_mnist_digits_match_sklearn(mnist_digits):
    decomposition = pytest.importorskip("sklearn.decomposition", reason="scikit-learn is not installed")
    X, _ = mnist_digits
    ours = PCA(30).fit(X)
    theirs = decomposition.PCA(30, svd_solver="full").fit(X.astype("float64"))
    assert ours.components_.dtype == np.float32
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-5)
    _same_up_to_sign(ours.components_, theirs.components_, atol=2e-3)


def test_whitening_gives_unit_variance_and_inverts():
    decomposition = pytest.importorskip("sklearn.decomposition", reason="scikit-learn is not installed")
    X, k = DATA_SETS["tall (500 x 12)"]
    model = PCA(k, whiten=True).fit(X)
    Z = model.transform(X)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), np.ones(k), rtol=1e-9)
    theirs = decomposition.PCA(k, whiten=True, svd_solver="full").fit(X)
    _same_up_to_sign(Z.T, theirs.transform(X).T, atol=1e-7)
    np.testing.assert_allclose(model.inverse_transform(Z), theirs.inverse_transform(theirs.transform(X)), atol=1e-7)


def test_all_components_reconstruct_exactly_and_fraction_picks_k():
    X, _ = DATA_SETS["tall (500 x 12)"]
    full = PCA().fit(X)
    assert full.n_components_ == 12
    np.testing.assert_allclose(full.explained_variance_ratio_.sum(), 1.0)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-9)
    np.testing.assert_allclose(full.components_ @ full.components_.T, np.eye(12), atol=1e-10)
    assert np.all(np.diff(full.explained_variance_) <= 0)
    k = PCA(0.9).fit(X).n_components_
    cumulative = np.cumsum(full.explained_variance_ratio_)
    assert cumulative[k - 1] >= 0.9 > cumulative[k - 2]


def test_signs_follow_sklearns_convention():
    X, _ = DATA_SETS["blobs (300 x 6)"]
    components = PCA(4).fit(X).components_
    biggest = np.abs(components).argmax(axis=1)
    assert (components[np.arange(4), biggest] > 0).all()


def test_errors_in_nerves_words():
    X = np.zeros((10, 4))
    with pytest.raises(ValueError, match=r"n_components=5 must be between 0 and min\(n_samples, n_features\)=4"):
        PCA(5).fit(X)
    with pytest.raises(ValueError, match="n_components must be"):
        PCA(-1)
    with pytest.raises(ValueError, match="NaN or infinity"):
        PCA(1).fit(np.array([[1.0, np.inf], [0.0, 1.0]]))
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA(1).transform(X)
    model = PCA(2).fit(np.random.default_rng(0).standard_normal((10, 4)))
    with pytest.raises(ValueError, match="expected 4 features"):
        model.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="expected 2 features"):
        model.inverse_transform(np.zeros((2, 3)))

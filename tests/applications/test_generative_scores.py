"""nerve.metrics.generative on inputs whose answers are known in closed form."""

import math

import numpy as np
import pytest

from nerve import layers
from nerve.metrics.generative import (
    class_entropy, classifier_outputs, confident_share, frechet_distance, frechet_distance_gaussians,
    score_generator,
)
from nerve.models import Sequential


def test_frechet_distance_of_identical_sets_is_zero(rng):
    features = rng.standard_normal((500, 6)) @ rng.standard_normal((6, 6))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_of_diagonal_gaussians_matches_the_closed_form():
    # N(μa, diag(a)) vs N(μb, diag(b)): d² = ‖μa − μb‖² + Σ (√a − √b)²
    mean_a, mean_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, -1.0])
    var_a, var_b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = ((mean_a - mean_b) ** 2).sum() + ((np.sqrt(var_a) - np.sqrt(var_b)) ** 2).sum()
    assert frechet_distance_gaussians(mean_a, np.diag(var_a), mean_b, np.diag(var_b)) == pytest.approx(expected)
    assert expected == pytest.approx(12.0)


def test_frechet_distance_of_samples_approaches_the_gaussians(rng):
    a = rng.standard_normal((200000, 2)) * [1.0, 2.0]
    b = rng.standard_normal((200000, 2)) * [3.0, 2.0] + [2.0, 0.0]
    assert frechet_distance(a, b) == pytest.approx(4.0 + 4.0, rel=0.01)


def test_frechet_distance_with_full_covariances_matches_scipy(rng):
    linalg = pytest.importorskip("scipy.linalg")
    ma, mb = rng.standard_normal(4), rng.standard_normal(4)
    ca = (lambda m: m @ m.T)(rng.standard_normal((4, 4)))
    cb = (lambda m: m @ m.T)(rng.standard_normal((4, 4)))
    reference = ((ma - mb) ** 2).sum() + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real)
    assert frechet_distance_gaussians(ma, ca, mb, cb) == pytest.approx(reference, rel=1e-6)


def test_frechet_distance_rejects_mismatched_sets():
    with pytest.raises(ValueError, match="same d"):
        frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))


def test_class_entropy_uniform_single_and_two_classes():
    assert class_entropy(np.eye(10)) == pytest.approx(math.log(10))
    assert class_entropy(np.eye(10)[[3] * 7]) == 0.0
    assert class_entropy(np.eye(10)[[1, 2, 1, 2]]) == pytest.approx(math.log(2))


def test_confident_share():
    probabilities = np.array([[0.95, 0.05], [0.5, 0.5], [0.1, 0.9], [0.2, 0.8]])
    assert confident_share(probabilities) == 0.5
    assert confident_share(probabilities, threshold=0.99) == 0.0


def test_classifier_outputs_and_score_generator(rng):
    model = Sequential([layers.Input((4, 4, 1)), layers.Flatten(), layers.Dense(5, activation="relu"),
                        layers.Dense(3, activation="softmax")])
    images = rng.random((20, 4, 4, 1)).astype("float32")
    features, probabilities = classifier_outputs(model, images, batch_size=7)
    hidden = Sequential([layers.Input((4, 4, 1)), model.layers[0], model.layers[1]])
    np.testing.assert_allclose(features, hidden.predict(images, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(probabilities, model.predict(images, verbose=0), rtol=1e-6)
    scores = score_generator(model, images, images)
    assert scores["frechet_distance"] == pytest.approx(0.0, abs=1e-6) and scores["samples"] == 20
    assert 0.0 <= scores["class_entropy"] <= math.log(3) + 1e-9

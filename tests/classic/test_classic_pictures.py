"""The PCA and k-means pictures: each writes a PNG, and refuses data of the wrong shape."""

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

from nerve import visualize  # noqa: E402


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_picture_writes_a_png(tmp_path):
    rng = np.random.default_rng(0)
    visualize.plot_pca_projection(rng.standard_normal((200, 2)), rng.integers(0, 3, 200), tmp_path / "p.png")
    visualize.plot_explained_variance(np.array([0.5, 0.3, 0.15, 0.05]), tmp_path / "v.png")
    visualize.plot_centroids(rng.random((4, 16)), tmp_path / "c.png", image_shape=(4, 4), columns=2)
    visualize.plot_elbow([1, 2, 3], [30.0, 12.0, 10.0], tmp_path / "e.png")
    visualize.plot_learning_curve([(10, 9.0), (25, 15.0), (60, 35.0)], tmp_path / "l.png",
                                  evaluations=[(50, 40.0)], threshold=475)
    for name in "pvcel":
        assert _is_png(tmp_path / f"{name}.png")


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError, match=r"plot_pca_projection: expected projections of shape"):
        visualize.plot_pca_projection(np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"plot_centroids: expected centres of shape \(k, 784\)"):
        visualize.plot_centroids(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="no episode ended"):
        visualize.plot_learning_curve([])

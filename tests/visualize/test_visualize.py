"""Each picture function writes a non-empty PNG (and returns its Figure)."""

import csv

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import nerve  # noqa: E402
from nerve import visualize  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 1000 and data.startswith(PNG)


HISTORY = {"loss": [0.9, 0.4, 0.3], "accuracy": [0.7, 0.88, 0.9],
           "val_loss": [0.5, 0.35, 0.33], "val_accuracy": [0.85, 0.89, 0.9]}


def test_plot_history_from_dict_history_object_and_csv(tmp_path):
    figure = visualize.plot_history(HISTORY, tmp_path / "a.png")
    assert _is_png(tmp_path / "a.png") and len(figure.axes) == 2

    class History:
        history = {"loss": [1.0, 0.5]}
    visualize.plot_history(History(), tmp_path / "b.png")
    assert _is_png(tmp_path / "b.png")

    log = tmp_path / "history.csv"
    with open(log, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *HISTORY])
        for epoch, row in enumerate(zip(*HISTORY.values())):
            writer.writerow([epoch, *row])
    visualize.plot_history(str(log), tmp_path / "c.png")
    assert _is_png(tmp_path / "c.png")


def test_confusion_matrix_counts_and_picture(tmp_path):
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 2, 0])
    np.testing.assert_array_equal(visualize.confusion_matrix(y_true, y_pred),
                                  [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    probabilities = np.eye(3)[y_pred]
    np.testing.assert_array_equal(visualize.confusion_matrix(np.eye(3)[y_true], probabilities),
                                  visualize.confusion_matrix(y_true, y_pred))
    visualize.plot_confusion_matrix(y_true, probabilities, tmp_path / "cm.png", class_names=["a", "b", "c"])
    assert _is_png(tmp_path / "cm.png")


def test_plot_misclassified(tmp_path, rng):
    x = rng.random((20, 8, 8, 1)).astype("float32")
    y_true = rng.integers(0, 3, 20)
    y_pred = y_true.copy()
    y_pred[[2, 5, 11]] = (y_true[[2, 5, 11]] + 1) % 3
    figure = visualize.plot_misclassified(x, y_true, np.eye(3)[y_pred], tmp_path / "m.png")
    assert _is_png(tmp_path / "m.png") and len(figure.axes) == 3
    visualize.plot_misclassified(x.repeat(3, -1), y_true, y_true,
                                 tmp_path / "none.png")                  # RGB, and nothing wrong
    assert _is_png(tmp_path / "none.png")


def test_classic_filters():
    filters = visualize.classic_filters()
    assert len(filters) == 4
    gaussian = next(v for k, v in filters.items() if k.startswith("Gaussian"))
    assert abs(gaussian.sum() - 1) < 1e-6


@pytest.fixture
def lenet():
    from nerve.applications import LeNet5
    return LeNet5(modern=True)


def test_plot_filters_and_feature_maps(tmp_path, lenet, rng):
    figure = visualize.plot_filters(lenet, tmp_path / "filters.png")
    assert _is_png(tmp_path / "filters.png") and len(figure.axes) >= 6 + 4
    image = rng.random((28, 28, 1)).astype("float32")
    visualize.plot_feature_maps(lenet, image, tmp_path / "maps.png")
    assert _is_png(tmp_path / "maps.png")
    assert [layer.name for layer in visualize.conv_layers(lenet)] == ["c1", "c3", "c5"]


def test_plot_filters_needs_a_conv_layer(tmp_path):
    from nerve.applications import MLP
    with pytest.raises(ValueError, match="no Conv2D"):
        visualize.plot_filters(MLP(), tmp_path / "x.png")

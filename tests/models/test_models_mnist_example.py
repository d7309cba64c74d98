"""examples/mnist_convnet.py (Keras's official example, nerve imported as keras) runs unchanged on
a small generated stand-in for MNIST: summary, fit with validation_split, evaluate."""

import pathlib
import runpy

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "mnist_convnet.py"


def _fake_mnist(n_train=60, n_test=20, seed=0):
    """Digits-shaped uint8 images whose class is written as a bright bar position (learnable)."""
    rng = np.random.default_rng(seed)

    def make(n):
        y = rng.integers(0, 10, size=n).astype("uint8")
        x = rng.integers(0, 40, size=(n, 28, 28)).astype("uint8")
        for i, label in enumerate(y):
            x[i, 2 + 2 * label: 4 + 2 * label, 4:24] = 255
        return x, y
    return make(n_train), make(n_test)


def test_mnist_convnet_example_runs_unchanged(monkeypatch, capsys):
    import nerve.datasets.mnist
    monkeypatch.setattr(nerve.datasets.mnist, "load_data", lambda path=None: _fake_mnist())
    namespace = runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert 'Model: "sequential' in out and "Total params: 34,826" in out
    assert "Epoch 15/15" in out and "val_accuracy" in out
    history = namespace["model"].history.history
    assert len(history["loss"]) == 15 and len(history["val_loss"]) == 15
    assert history["loss"][-1] < history["loss"][0]
    score = namespace["score"]
    assert len(score) == 2 and 0.0 <= score[1] <= 1.0

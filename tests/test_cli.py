"""The nerve command end to end: train a tiny run, evaluate, predict a PNG, summary, models, bad arguments."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nerve import cli

MIRROR = os.environ.get("NERVE_DATASETS_MIRROR", "")


@pytest.fixture
def mnist(monkeypatch):
    """Real MNIST from the offline mirror when there is one, else a small synthetic stand-in."""
    if MIRROR and os.path.isdir(os.path.join(MIRROR.split(os.pathsep)[0], "mnist")):
        return "mirror"
    from nerve.datasets import mnist as module
    rng = np.random.default_rng(0)

    def load_data(path=None):
        y_train, y_test = rng.integers(0, 10, 600), rng.integers(0, 10, 200)
        x_train = (rng.random((600, 28, 28)) * 40 + y_train[:, None, None] * 20).astype("uint8")
        x_test = (rng.random((200, 28, 28)) * 40 + y_test[:, None, None] * 20).astype("uint8")
        return (x_train, y_train.astype("uint8")), (x_test, y_test.astype("uint8"))
    monkeypatch.setattr(module, "load_data", load_data)
    return "synthetic"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("run")


def test_train_writes_the_run_folder(mnist, run_dir, capsys):
    status = cli.main(["train", "mlp", "--dataset", "mnist", "--epochs", "1", "--limit", "512",
                       "--seed", "1", "--out", str(run_dir), "--verbose", "2"])
    assert status == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "top-5 error" in out
    for name in ["model.nerve", "history.csv", "metrics.json", "history.png", "confusion_matrix.png",
                 "misclassified.png"]:
        assert (run_dir / name).stat().st_size > 0, name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train_samples"] == 512 and metrics["params"] == 269_322
    assert 0 <= metrics["test_top5_error"] <= 1 - metrics["test_accuracy"] + 1e-9
    if mnist == "mirror":
        assert metrics["test_accuracy"] > 0.3      # chance is 0.1
    assert (run_dir / "history.csv").read_text().startswith("epoch")


def test_evaluate_the_saved_model(mnist, run_dir, capsys):
    assert cli.main(["evaluate", str(run_dir / "model.nerve"), "--dataset", "mnist", "--limit", "500"]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_predict_png_files(run_dir, tmp_path, capsys):
    from PIL import Image
    gray = np.zeros((40, 30), "uint8")
    gray[8:32, 13:17] = 255                              # a "1", larger than 28x28
    Image.fromarray(gray).save(tmp_path / "one.png")
    Image.fromarray(np.stack([255 - gray] * 3, -1)).save(tmp_path / "one_rgb.jpg")
    assert cli.main(["predict", str(run_dir / "model.nerve"), str(tmp_path / "one.png"),
                     str(tmp_path / "one_rgb.jpg"), "--invert"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.count("%") == 3 for line in lines)


def test_summary_and_models(run_dir, capsys):
    assert cli.main(["models"]) == 0
    listing = capsys.readouterr().out
    assert "lenet5" in listing and "mlp" in listing and "simple_cnn" in listing
    assert cli.main(["summary", "lenet5", "--modern"]) == 0
    assert "61,706" in capsys.readouterr().out.replace(" ", "").replace("61706", "61,706")
    assert cli.main(["summary", str(run_dir / "model.nerve")]) == 0
    assert capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["train", "resnet9000", "--dataset", "mnist"], "unknown model 'resnet9000'"),
    (["train", "mlp", "--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["train", "mlp", "--dataset", "mnist", "--epochs", "0"], "positive integer"),
    (["train", "mlp", "--dataset", "mnist", "--modern"], "--modern applies to lenet5 only"),
    (["summary", "nothing_like_this"], "unknown model"),
    (["predict", "missing.nerve", "x.png"], "no such file"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_python_m_nerve_help_and_bad_argument():
    done = subprocess.run([sys.executable, "-m", "nerve", "train", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--dataset" in done.stdout and "--limit" in done.stdout
    done = subprocess.run([sys.executable, "-m", "nerve", "train", "nope", "--dataset", "mnist"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "unknown model" in done.stderr

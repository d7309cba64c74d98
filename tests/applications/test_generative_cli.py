"""nerve train dcgan|vae|autoencoder and nerve generate on a small synthetic MNIST; the last good model."""

import json

import numpy as np
import pytest
from PIL import Image

import nerve
from nerve import cli, layers
from nerve.applications import generative_run
from nerve.models import Sequential, load_model


@pytest.fixture
def tiny_mnist(monkeypatch):
    from nerve.datasets import mnist
    rng = np.random.default_rng(0)

    def load_data(path=None):
        y_train, y_test = rng.integers(0, 10, 64), rng.integers(0, 10, 32)
        x_train = (rng.random((64, 28, 28)) * 60 + y_train[:, None, None] * 19).astype("uint8")
        x_test = (rng.random((32, 28, 28)) * 60 + y_test[:, None, None] * 19).astype("uint8")
        return (x_train, y_train.astype("uint8")), (x_test, y_test.astype("uint8"))
    monkeypatch.setattr(mnist, "load_data", load_data)


@pytest.fixture
def scorer(tmp_path, monkeypatch):
    monkeypatch.setattr(generative_run, "SCORE_SAMPLES", 40)
    classifier = Sequential([layers.Input((28, 28, 1)), layers.Flatten(), layers.Dense(8, activation="relu"),
                             layers.Dense(10, activation="softmax")])
    path = tmp_path / "classifier.nerve"
    classifier.save(path)
    return str(path)


def train(model, out, *extra):
    status = cli.main(["train", model, "--dataset", "mnist", "--epochs", "2", "--batch-size", "32", "--seed", "0",
                       "--out", str(out), "--verbose", "0", *extra])
    assert status == 0
    return json.loads((out / "metrics.json").read_text())


def test_train_vae_writes_run_folder_scores_and_draws_the_same_samples_for_a_seed(tiny_mnist, scorer, tmp_path):
    run = tmp_path / "vae"
    metrics = train("vae", run, "--scorer", scorer)
    assert metrics["epochs_completed"] == 2 and not metrics["stopped_on_nan"]
    assert len(metrics["history"]["loss"]) == 2 and metrics["test"]["loss"] > 0
    assert set(metrics["scores"]) >= {"confident_share", "class_entropy", "frechet_distance"}
    for name in ("model.nerve", "samples_epoch_01.png", "samples_epoch_02.png", "latent_walk.png", "prior_samples.png"):
        assert (run / name).is_file(), name
    with Image.open(run / "samples.gif") as gif:
        assert gif.n_frames == 2
    first, again, other = (tmp_path / f"{n}.png" for n in ("a", "b", "c"))
    for path, seed in ((first, "1"), (again, "1"), (other, "2")):
        argv = ["generate", str(run / "model.nerve"), "--samples", "9", "--seed", seed, "--out", str(path)]
        assert cli.main(argv) == 0
    assert first.read_bytes() == again.read_bytes() != other.read_bytes()


def test_train_dcgan_and_generate(tiny_mnist, tmp_path, capsys):
    run = tmp_path / "dcgan"
    metrics = train("dcgan", run, "--limit", "32", "--scorer", str(tmp_path / "absent.nerve"))
    assert metrics["scores"] is None and set(metrics["history"]) == {"d_loss", "g_loss"}
    assert "not scored" in capsys.readouterr().out
    assert cli.main(["generate", str(run / "model.nerve"), "--samples", "4", "--out", str(tmp_path / "g.png")]) == 0
    with Image.open(tmp_path / "g.png") as grid:
        assert grid.size == (2 * 58 + 2, 2 * 58 + 2)        # 2x2 tiles of 28*2 pixels and 2-pixel gaps


def test_train_denoising_autoencoder_reports_both_errors(tiny_mnist, tmp_path):
    run = tmp_path / "ae"
    metrics = train("autoencoder", run, "--noise", "0.5", "--latent-dim", "2")
    assert metrics["test_noisy_input_mse"] > 0 and metrics["test_reconstruction_mse"] > 0
    assert (run / "code_space.png").is_file() and (run / "samples.gif").is_file()


def test_generate_refuses_a_classifier(tmp_path, scorer, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", scorer, "--out", str(tmp_path / "x.png")])
    assert exit_info.value.code == 2 and "does not generate" in capsys.readouterr().err


def test_keep_last_good_model_stops_on_nan_and_keeps_the_previous_epoch(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    saved = {}

    def remember(epoch, logs):
        saved.setdefault("kernel", model.layers[0].kernel.numpy().copy())

    def poison(epoch, logs):
        if epoch == 1:
            model.layers[0].kernel.assign(np.full((3, 1), np.nan, "float32"))
    keeper = generative_run.KeepLastGoodModel(str(tmp_path / "model.nerve"))
    watch = nerve.callbacks.LambdaCallback(on_epoch_begin=poison, on_epoch_end=remember)
    history = model.fit(x, y, epochs=4, batch_size=4, verbose=0, callbacks=[keeper, watch])
    assert keeper.stopped and keeper.good_epochs == 1 and len(history.history["loss"]) == 2
    kept = load_model(tmp_path / "model.nerve", compile=False).layers[0].kernel.numpy()
    assert np.isfinite(kept).all() and np.array_equal(kept, saved["kernel"])


def test_classifier_options_are_refused(tiny_mnist, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "dcgan", "--dataset", "mnist", "--optimizer", "sgd", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2 and "--optimizer do not apply to dcgan" in capsys.readouterr().err


def test_generate_labels_need_a_conditional_gan(tiny_mnist, tmp_path, capsys):
    run = tmp_path / "vae"
    train("vae", run, "--limit", "32", "--scorer", str(tmp_path / "absent.nerve"))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", str(run / "model.nerve"), "--labels", "3", "--out", str(tmp_path / "x.png")])
    assert exit_info.value.code == 2 and "not conditioned on labels" in capsys.readouterr().err

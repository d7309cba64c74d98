"""Saving: one zip of JSON + safetensors; load_model rebuilds Sequential, functional and registered
subclassed models with identical predictions and optimizer state; damaged files fail clearly;
writes are atomic; no pickle, no code from the file."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

import nerve
from nerve import layers
from nerve.saving import saving_lib


@nerve.saving.register_keras_serializable(package="Tests")
class Residual(nerve.Model):
    def __init__(self, units=8, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.units, self.classes = units, classes
        self.stem = layers.Dense(units, activation="relu")
        self.blocks = [layers.Dense(units), layers.Dense(units)]
        self.head = layers.Dense(classes, activation="softmax")

    def call(self, x, training=None):
        h = self.stem(x)
        for block in self.blocks:
            h = h + block(h)
        return self.head(h)


@pytest.fixture
def blobs(rng):
    """Three separable classes in 6 dimensions: (x float32 (96, 6), y int64 (96,))."""
    centers = rng.normal(size=(3, 6)) * 3
    y = rng.integers(0, 3, size=96)
    return (centers[y] + rng.normal(size=(96, 6))).astype("float32"), y


def _sequential():
    return nerve.Sequential([nerve.Input((6,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                             layers.Dense(3, activation="softmax")])


def _functional():
    a, b = nerve.Input((6,), name="a"), nerve.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    trunk = nerve.Sequential([layers.Dense(5, activation="relu")], name="trunk")
    h = layers.Concatenate()([trunk(shared(a)), shared(layers.Dense(6)(b))])
    return nerve.Model([a, b], [layers.Dense(3, activation="softmax", name="label")(h),
                                layers.Dense(1, name="value")(h)])


def _subclassed():
    return Residual(units=8)


def _inputs(model, x):
    return [x, x[:, :2]] if isinstance(getattr(model, "input_shape", None), list) else x


def _targets(model, y):
    return [y, y[:, None].astype("float32")] if isinstance(getattr(model, "output_shape", None), list) else y


def _trained(make, blobs):
    x, y = blobs
    model = make()
    losses = ["sparse_categorical_crossentropy", "mse"] if make is _functional else "sparse_categorical_crossentropy"
    model.compile(nerve.optimizers.Adam(0.01), losses, metrics=[["accuracy"], []] if make is _functional
                  else ["accuracy"])
    model.fit(_inputs(model, x), _targets(model, y), epochs=2, batch_size=32, verbose=0)
    return model


def _predictions(model, x):
    out = model.predict(_inputs(model, x), verbose=0)
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("make", [_sequential, _functional, _subclassed], ids=["sequential", "functional", "subclassed"])
def test_save_load_identical_predictions_and_compile_state(make, blobs, tmp_path):
    x, y = blobs
    model = _trained(make, blobs)
    path = tmp_path / "model.nerve"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == sorted(["metadata.json", "config.json", "model.weights.safetensors",
                                                      "optimizer.weights.safetensors", "random_state.json"])
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        json.loads(archive.read("config.json"))
    loaded = nerve.models.load_model(path)
    assert type(loaded) is type(model) and loaded.name == model.name
    for a, b in zip(_predictions(model, x), _predictions(loaded, x)):
        np.testing.assert_array_equal(a, b)
    assert loaded.compiled and type(loaded.optimizer) is nerve.optimizers.Adam
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert loaded.evaluate(_inputs(model, x), _targets(model, y), verbose=0) == pytest.approx(
        model.evaluate(_inputs(model, x), _targets(model, y), verbose=0))
    uncompiled = nerve.models.load_model(path, compile=False)
    assert not uncompiled.compiled


@pytest.mark.parametrize("make", [_sequential, _functional, _subclassed], ids=["sequential", "functional", "subclassed"])
def test_resumed_training_matches_uninterrupted_training(make, blobs, tmp_path):
    x, y = blobs
    model = _trained(make, blobs)
    model.save(tmp_path / "m.nerve")
    resumed = nerve.models.load_model(tmp_path / "m.nerve")
    batch_x, batch_y = _inputs(model, x[:32]), _targets(model, y[:32])
    model.train_on_batch(batch_x, batch_y)
    resumed.train_on_batch(batch_x, batch_y)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weight_paths_do_not_depend_on_automatic_names(tmp_path):
    model = _subclassed()
    model(np.zeros((1, 6), "float32"))
    assert sorted(saving_lib.weight_paths(model)) == sorted(
        [f"{p}/vars/{i}" for p in ("stem", "blocks/dense", "blocks/dense_1", "head") for i in (0, 1)])
    assert sorted(saving_lib.weight_paths(_sequential()))[:2] == ["layers/batch_normalization/vars/0",
                                                                 "layers/batch_normalization/vars/1"]
    config = json.loads(model.to_json())
    assert config["registered_name"] == "Tests>Residual" and config["config"]["units"] == 8


def test_save_weights_and_load_weights(blobs, tmp_path):
    x, _ = blobs
    model, other = _trained(_sequential, blobs), _sequential()
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    other.load_weights(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))
    model.save(tmp_path / "full.nerve")
    third = _sequential()
    third.load_weights(tmp_path / "full.nerve")
    np.testing.assert_array_equal(model.predict(x, verbose=0), third.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"\.weights\.safetensors"):
        model.save_weights(tmp_path / "w.weights.npz")
    with pytest.raises(ValueError, match=r"\.nerve"):
        model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="not built"):
        nerve.Sequential([layers.Dense(2)]).load_weights(path)


def test_load_weights_mismatch_and_skip_mismatch(tmp_path):
    small = nerve.Sequential([nerve.Input((6,)), layers.Dense(2)])
    small.save_weights(tmp_path / "s.weights.safetensors")
    big = nerve.Sequential([nerve.Input((6,)), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"shape \(6, 3\).*shape \(6, 2\)"):
        big.load_weights(tmp_path / "s.weights.safetensors")
    with pytest.warns(UserWarning, match="skipped 2 weights"):
        big.load_weights(tmp_path / "s.weights.safetensors", skip_mismatch=True)


def test_clone_model_and_json_round_trip(blobs):
    x, _ = blobs
    for make in (_sequential, _functional):
        model = make()
        clone = nerve.models.clone_model(model)
        assert type(clone) is type(model) and clone.count_params() == model.count_params()
        assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
        clone.set_weights(model.get_weights())
        for a, b in zip(_predictions(model, x), _predictions(clone, x)):
            np.testing.assert_array_equal(a, b)
        rebuilt = nerve.models.model_from_json(model.to_json())
        assert rebuilt.count_params() == model.count_params()
    replaced = nerve.models.clone_model(_sequential(), clone_function=lambda layer: (
        layers.Dense(5, activation="relu") if isinstance(layer, layers.Dense) and layer.units == 8
        else type(layer).from_config(layer.get_config())))
    assert replaced.layers[0].units == 5


# ---- damaged files --------------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(3, name="d")])
    model.compile("adam", "mse")
    path = tmp_path / "good.nerve"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return path, members


def _rewrite(path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def _with_config(members, edit):
    config = json.loads(members["config.json"])
    edit(config)
    return dict(members, **{"config.json": json.dumps(config).encode()})


def _with_weights(members, edit):
    arrays = load_tensors(members["model.weights.safetensors"])
    edit(arrays)
    return dict(members, **{"model.weights.safetensors": save_tensors(arrays)})


def _set_class(config, name):
    config["config"]["layers"][1]["class_name"] = name


def _corruptions(path, members):
    data = path.read_bytes()
    return {
        "not a zip": (b"hello, not a zip" * 10, "not a valid nerve model archive"),
        "truncated": (data[: len(data) // 2], "not a valid nerve model archive"),
        "flipped byte": (data[:200] + bytes([data[200] ^ 0xFF]) + data[201:], "not a valid|cannot load"),
        "missing member": ({k: v for k, v in members.items() if k != "model.weights.safetensors"},
                           "has no 'model.weights.safetensors'"),
        "bad json": (dict(members, **{"config.json": b"{not json"}), "not valid JSON"),
        "unknown class": (_with_config(members, lambda c: _set_class(c, "NoSuchLayer")), "unknown class 'NoSuchLayer'"),
        "not a model": (dict(members, **{"config.json": b"[1, 2]"}), "does not describe a model"),
        "bad weights": (dict(members, **{"model.weights.safetensors": b"\x00" * 12}), "not a valid safetensors"),
        "shape": (_with_weights(members, lambda a: a.update({"layers/dense/vars/0": np.zeros((4, 2), "float32")})),
                  r"shape \(4, 3\).*\(4, 2\)"),
        "dtype": (_with_weights(members, lambda a: a.update({"layers/dense/vars/1": np.zeros(3, "float64")})),
                  "dtype float64"),
        "missing weight": (_with_weights(members, lambda a: a.pop("layers/dense/vars/1")), "missing|no tensor"),
        "extra weight": (_with_weights(members, lambda a: a.update({"layers/x/vars/0": np.zeros(1, "float32")})),
                         "unexpected"),
    }


@pytest.mark.parametrize("case", ["not a zip", "truncated", "flipped byte", "missing member", "bad json",
                                  "unknown class", "not a model", "bad weights", "shape", "dtype",
                                  "missing weight", "extra weight"])
def test_damaged_files_raise_a_clear_value_error(case, saved, tmp_path):
    path, members = saved
    content, message = _corruptions(path, members)[case]
    target = tmp_path / "bad.nerve"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        _rewrite(target, content)
    with pytest.raises(ValueError, match=message) as error:
        nerve.models.load_model(target)
    assert str(target) in str(error.value)


def test_missing_file_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="File not found"):
        nerve.models.load_model(tmp_path / "absent.nerve")


def test_lambda_layers_are_refused(tmp_path):
    inputs = nerve.Input((3,))
    model = nerve.Model(inputs, layers.Lambda(lambda t: t * 2)(inputs))
    path = tmp_path / "lambda.nerve"
    try:
        model.save(path)
    except (TypeError, ValueError):
        config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "Lambda", "config": {"function": "payload"}}]}}
        _rewrite(path, {"config.json": json.dumps(config).encode(), "model.weights.safetensors": save_tensors({})})
    with pytest.raises(ValueError, match="Lambda"):
        nerve.models.load_model(path, safe_mode=False)


def test_atomic_write_keeps_the_old_file_when_a_save_fails(saved, monkeypatch):
    path, _ = saved
    before = path.read_bytes()
    written = []
    original = saving_lib._write_member

    def failing(archive, name, data):
        if written:
            raise OSError("disk full (simulated)")
        written.append(name)
        original(archive, name, data)

    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(3)])
    monkeypatch.setattr(saving_lib, "_write_member", failing)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]           # no temporary file left behind
    monkeypatch.setattr(saving_lib, "_write_member", original)
    model.save(path)
    assert path.read_bytes() != before and os.listdir(path.parent) == [path.name]


def test_no_pickle_in_the_saving_code():
    import inspect

    from nerve.saving import serialization
    for module in (saving_lib, serialization):
        assert "pickle" not in inspect.getsource(module).replace("unpickled", "").replace("no pickle", "")


def test_custom_objects_argument(tmp_path):
    class Doubler(layers.Layer):
        def call(self, x):
            return x * 2

    inputs = nerve.Input((2,))
    model = nerve.Model(inputs, Doubler(name="doubler")(inputs))
    path = tmp_path / "c.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path, custom_objects={"Doubler": Doubler})
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2), "float32"), verbose=0), [[2.0, 2.0]])


def test_overwrite_false_without_a_terminal_is_a_clear_error(tmp_path, monkeypatch):
    import io
    model = nerve.Sequential([nerve.Input((2,)), layers.Dense(1)])
    path = tmp_path / "m.nerve"
    model.save(path)
    before = path.read_bytes()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))          # a script or a job: no terminal
    with pytest.raises(FileExistsError, match="overwrite=False.*no terminal"):
        model.save(path, overwrite=False)
    model.save_weights(tmp_path / "w.weights.safetensors")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(tmp_path / "w.weights.safetensors", overwrite=False)
    assert path.read_bytes() == before
    model.save(tmp_path / "new.nerve", overwrite=False)              # nothing to overwrite: written

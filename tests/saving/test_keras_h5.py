"""Keras's HDF5 weight files without Keras itself (h5py only): nerve's .weights.h5 and .keras
round trips, legacy Keras 2 files keyed by layer name, clear mismatch errors, hostile files refused."""

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.saving import ModelFileError

h5py = pytest.importorskip("h5py")


def _model(seed=0):
    nerve.utils.set_random_seed(seed)
    inputs = nerve.Input((6, 6, 2))
    x = layers.Conv2D(3, 3, name="conv1")(inputs)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(4, name="fc")(x)
    return nerve.Model(inputs, outputs)


@pytest.fixture
def x(rng):
    return rng.normal(size=(3, 6, 6, 2)).astype("float32")


def test_weights_h5_round_trip_in_keras_3_layout(tmp_path, x):
    model = _model(0)
    model.layers[2].moving_mean.assign(np.full(3, 0.5, "float32"))
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as f:
        assert sorted(f["layers"]) == ["batch_normalization", "conv2d", "dense"]
        assert f["layers/conv2d/vars/0"].shape == (3, 3, 2, 3)
        assert f["layers/batch_normalization/vars/2"][()].tolist() == [0.5] * 3
    other = _model(1)
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras_archive_round_trip_with_compile_state(tmp_path, x, rng):
    model = _model(0)
    model.compile(nerve.optimizers.Adam(0.01), "mse")
    model.fit(x, rng.normal(size=(3, 4)).astype("float32"), epochs=2, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = nerve.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(loaded.optimizer.iterations) == 2
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh = _model(3)
    fresh.load_weights(path)                     # the weights of a .keras archive
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_weight_that_does_not_fit_names_the_layer_and_both_shapes(tmp_path):
    _model(0).save_weights(tmp_path / "m.weights.h5")
    inputs = nerve.Input((6, 6, 2))
    wider = nerve.Model(inputs, layers.Dense(5)(layers.Flatten()(layers.BatchNormalization()(
        layers.Conv2D(3, 3, name="conv1")(inputs)))))
    with pytest.raises(ModelFileError, match=r"weight 'dense.*/kernel' has shape \(48, 5\) in the model but "
                                             r"\(48, 4\) in the file"):
        wider.load_weights(tmp_path / "m.weights.h5")
    with pytest.warns(UserWarning, match="skipped 2 weights"):
        wider.load_weights(tmp_path / "m.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(wider.layers[1].kernel.numpy(), _model(0).layers[1].kernel.numpy())


def _legacy_file(path, model, reverse=False, prefix=""):
    """A Keras 2 weights file: layer_names on the root, weight_names on each layer's group, each
    weight + 1 (so a load is visible)."""
    with h5py.File(path, "w") as f:
        root = f.create_group(prefix) if prefix else f
        with_weights = [layer for layer in model.layers if layer.weights]
        with_weights = with_weights[::-1] if reverse else with_weights
        root.attrs["layer_names"] = np.array([layer.name.encode() for layer in with_weights])
        for layer in with_weights:
            group = root.create_group(layer.name)
            weights = layer.trainable_weights + layer.non_trainable_weights
            weight_names = [f"{layer.name}/{w.name}:0" for w in weights]
            group.attrs["weight_names"] = np.array([w.encode() for w in weight_names])
            for weight_name, w in zip(weight_names, weights):
                group.create_dataset(weight_name, data=w.numpy() + 1.0)


def test_legacy_keras_2_files_load_by_order_and_by_name(tmp_path, x):
    source = _model(0)
    _legacy_file(tmp_path / "legacy.h5", source)
    target = _model(1)
    target.load_weights(tmp_path / "legacy.h5")
    for a, b in zip(target.weights, source.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy() + 1.0)
    _legacy_file(tmp_path / "full.h5", source, reverse=True, prefix="model_weights")   # a full-model file
    by_name = _model(2)
    with pytest.raises(ModelFileError, match=r"weight 'conv1/kernel' has shape \(3, 3, 2, 3\) in the model "
                                             r"but \(48, 4\) in the file"):
        by_name.load_weights(tmp_path / "full.h5")          # by order, fc's weights meet conv1
    by_name.load_weights(tmp_path / "full.h5", by_name=True)
    np.testing.assert_array_equal(by_name.predict(x, verbose=0), target.predict(x, verbose=0))


@pytest.mark.parametrize("attack, reason", [
    ("soft_link", "SoftLink"), ("external_link", "ExternalLink"), ("bomb", "decompression bomb"),
    ("strings", "weights are numbers"), ("big_attribute", "5242880 bytes: refused"), ("not_hdf5", "not an HDF5"),
])
def test_hostile_files_are_refused_before_reading(tmp_path, attack, reason):
    path = tmp_path / "evil.weights.h5"
    model = _model(0)
    if attack == "not_hdf5":
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    elif attack == "big_attribute":                # a legacy file whose layer_names is 5 MB
        with h5py.File(path, "w", libver="latest") as f:
            f.attrs.create("layer_names", np.array([b"x" * (5 << 20)]))
    else:
        model.save_weights(path)
        with h5py.File(path, "a") as f:
            group = f["layers/dense/vars"]
            if attack == "soft_link":
                group["2"] = h5py.SoftLink("/layers/conv2d/vars/0")
            elif attack == "external_link":
                group["2"] = h5py.ExternalLink("/etc/passwd", "/x")
            elif attack == "bomb":
                group.create_dataset("2", shape=(1 << 20, 1 << 12), dtype="float32", chunks=(1024, 1024),
                                     compression="gzip")
            else:
                group.create_dataset("2", data=np.array([b"abc"]))
    with pytest.raises(ModelFileError, match=rf"evil\.weights\.h5'.*{reason}"):
        model.load_weights(path)


def test_nerve_only_layers_are_refused_in_a_keras_file(tmp_path):
    inputs = nerve.Input((4, 4, 2))
    model = nerve.Model(inputs, layers.InstanceNormalization()(inputs))
    with pytest.raises(ValueError, match="InstanceNormalization is nerve's own class.*\\.nerve"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    model.save(tmp_path / "m.nerve")                  # nerve's own format holds it


def _security_attacks():
    """The CVE patterns of tests/security/test_code_attacks.py (one list of attacks for every format)."""
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "security", "test_code_attacks.py")
    spec = importlib.util.spec_from_file_location("nerve_code_attacks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_code_attacks_are_refused_in_a_keras_archive_too(tmp_path):
    import json
    import zipfile
    attacks = _security_attacks()
    marker = tmp_path / "PWNED"
    base = tmp_path / "base.keras"
    attacks._base_model().save(base)
    with zipfile.ZipFile(base) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    refused = 0
    for i, (name, (config, compile_config)) in enumerate(attacks.attacks(str(marker)).items()):
        path = tmp_path / f"attack_{i}.keras"
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in members.items():
                if member == "config.json":
                    data = json.dumps(dict(config, compile_config=compile_config)).encode()
                archive.writestr(member, data)
        with pytest.raises(ValueError):
            nerve.saving.load_model(path)
        assert not marker.exists(), name
        refused += 1
    assert refused >= 20

"""nerve's VGG16, VGG19, ResNet50 and ResNet101 against keras.applications' (Keras 3, torch
backend; skipped without Keras): the same layers, names and weight shapes in the same order, and
Keras weight files of them load into nerve's models with Keras's predictions.

Files: ``.weights.h5`` written by Keras 3's own ``save_weights``; and a legacy Keras 2 HDF5 file
keyed by layer name (the layout of the keras.applications ImageNet files: root attribute
``layer_names``, a group per layer with ``weight_names``), written here with h5py from the Keras
model's weights, because Keras 3 writes that format only through TensorFlow.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

from nerve.applications import resnet, vgg  # noqa: E402

# Keras's torch backend converts with np.array(x) on every weight read (a NumPy 2 deprecation, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

SMALL = {"input_shape": (32, 32, 3), "classes": 7, "classifier_activation": None, "weights": None}
PAIRS = {"VGG16": (keras.applications.VGG16, vgg.VGG16), "VGG19": (keras.applications.VGG19, vgg.VGG19),
         "ResNet50": (keras.applications.ResNet50, resnet.ResNet50),
         "ResNet101": (keras.applications.ResNet101, resnet.ResNet101)}


def keras_model(name, seed=0):
    """keras.applications' model at 32x32 with random weights, its batch-norm statistics and
    scales randomised too (so inference exercises every stored array)."""
    keras.utils.set_random_seed(seed)
    model = PAIRS[name][0](**SMALL)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.1, n), rng.normal(0, 0.1, n),
                               rng.uniform(0.5, 1.5, n)])
    return model


@pytest.mark.parametrize("name", list(PAIRS))
def test_same_layers_names_and_weight_shapes_as_keras(name):
    theirs = PAIRS[name][0](**SMALL)
    ours = PAIRS[name][1](**SMALL)
    assert ours.name == theirs.name

    def described(model):
        return [(layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights])
                for layer in model.layers[1:]]               # the input layers' names differ by counter
    assert described(ours) == described(theirs)
    assert ours.count_params() == theirs.count_params()


@pytest.mark.parametrize("name", ["VGG16", "ResNet50"])
def test_keras3_weights_file_loads_with_keras_predictions(name, tmp_path, rng):
    theirs = keras_model(name)
    path = str(tmp_path / f"{name.lower()}.weights.h5")
    theirs.save_weights(path)
    ours = PAIRS[name][1](**{**SMALL, "weights": path})
    x = rng.random((2, 32, 32, 3), dtype=np.float32)
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    got = np.asarray(ours.predict(x, verbose=0))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def write_legacy_h5(model, path, order=None):
    """``model``'s weights in the Keras 2 by-layer-name HDF5 layout of the keras.applications files."""
    layers = [layer for layer in model.layers]
    if order is not None:
        layers = [layers[i] for i in order]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.asarray([layer.name.encode() for layer in layers])    # fixed-size, as Keras 2
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = np.asarray([n.encode() for n in names])
            for n, w in zip(names, layer.weights):
                group.create_dataset(n, data=keras.ops.convert_to_numpy(w))


def test_legacy_by_name_h5_file_loads_with_keras_predictions(tmp_path, rng):
    theirs = keras_model("ResNet50", seed=1)
    x = rng.random((2, 32, 32, 3), dtype=np.float32)
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    in_order = str(tmp_path / "resnet50_legacy.h5")
    write_legacy_h5(theirs, in_order)
    ours = resnet.ResNet50(**{**SMALL, "weights": in_order})       # as keras.applications loads its files
    np.testing.assert_allclose(np.asarray(ours.predict(x, verbose=0)), want, rtol=1e-4,
                               atol=1e-4 * np.abs(want).max())
    shuffled = str(tmp_path / "resnet50_shuffled.h5")
    write_legacy_h5(theirs, shuffled, order=np.random.default_rng(0).permutation(len(theirs.layers)))
    by_name = resnet.ResNet50(**SMALL)
    by_name.load_weights(shuffled, by_name=True)                     # keyed by layer name, any order
    np.testing.assert_allclose(np.asarray(by_name.predict(x, verbose=0)), want, rtol=1e-4,
                               atol=1e-4 * np.abs(want).max())


def test_a_weight_that_does_not_fit_names_the_layer_and_both_shapes(tmp_path):
    theirs = keras_model("VGG16")
    path = str(tmp_path / "vgg16.weights.h5")
    theirs.save_weights(path)
    with pytest.raises(ValueError, match=r"predictions[\s\S]*\(4096, 7\)[\s\S]*\(4096, 3\)|"
                                         r"predictions[\s\S]*\(4096, 3\)[\s\S]*\(4096, 7\)"):
        vgg.VGG16(**{**SMALL, "classes": 3, "weights": path})

"""nerve and real Keras 3 (KERAS_BACKEND=torch) reading each other's files: a .keras archive and a
.weights.h5 written by Keras load in nerve with the same predictions (and optimizer state), and
nerve's load in Keras; a legacy .h5 written by Keras loads in nerve; Keras's Lambda stays refused.
Keras is imported once, when the first of these tests runs (not when pytest collects them: it is
slow to import); skipped cleanly without it."""

import os
import sys

import numpy as np
import pytest

import nerve

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")    # Keras's own, on NumPy 2
keras = None


@pytest.fixture(scope="module", autouse=True)
def _keras():
    global keras
    pytest.importorskip("h5py")
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons run Keras on its torch backend")
    return keras


def _keras_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    skip = keras.layers.Dense(6, activation="tanh")(x)
    x = keras.layers.Add()([keras.layers.Dense(6)(x), skip])
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 8, 8, 3)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")


@pytest.fixture(scope="module")
def keras_files(_keras, tmp_path_factory, data):
    """A Keras-trained model saved by Keras as .keras, .weights.h5 and legacy .h5."""
    from keras.src.legacy.saving import legacy_h5_format
    import h5py
    folder = tmp_path_factory.mktemp("keras_files")
    model = _keras_model()
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit(*data, batch_size=8, epochs=2, verbose=0)
    model.save(folder / "k.keras")
    model.save_weights(folder / "k.weights.h5")
    with h5py.File(folder / "legacy.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    expected = model.predict(data[0], verbose=0)
    return folder, expected, int(model.optimizer.iterations)


def test_a_keras_archive_loads_in_nerve_with_the_same_predictions(keras_files, data):
    folder, expected, iterations = keras_files
    model = nerve.saving.load_model(folder / "k.keras")
    np.testing.assert_allclose(model.predict(data[0], verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert model.loss == "mse" and int(model.optimizer.iterations) == iterations
    model.fit(*data, batch_size=8, epochs=1, verbose=0)          # and trains on from Keras's state


def test_keras_weight_files_load_into_the_same_nerve_architecture(keras_files, data):
    folder, expected, _ = keras_files
    for name in ("k.weights.h5", "legacy.h5"):
        model = nerve.models.model_from_json(_keras_json(folder))
        model.load_weights(folder / name)
        np.testing.assert_allclose(model.predict(data[0], verbose=0), expected, rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def _keras_json(folder):
    """nerve's architecture from the Keras archive (the same layers, nerve's fresh weights)."""
    return nerve.saving.load_model(folder / "k.keras", compile=False).to_json()


def test_nerve_files_load_in_keras_with_the_same_predictions(tmp_path, keras_files, data):
    folder, _, _ = keras_files
    model = nerve.saving.load_model(folder / "k.keras")
    model.fit(*data, batch_size=8, epochs=1, verbose=0)
    expected = model.predict(data[0], verbose=0)
    model.save(tmp_path / "n.keras")
    model.save_weights(tmp_path / "n.weights.h5")
    loaded = keras.saving.load_model(tmp_path / "n.keras")
    np.testing.assert_allclose(loaded.predict(data[0], verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    fresh = _keras_model()
    fresh.load_weights(tmp_path / "n.weights.h5")
    np.testing.assert_allclose(fresh.predict(data[0], verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_a_sequential_written_by_nerve_loads_in_keras(tmp_path, data):
    model = nerve.Sequential([nerve.Input((8, 8, 3)), nerve.layers.Conv2D(2, 3, padding="same"),
                              nerve.layers.GlobalAveragePooling2D(), nerve.layers.Dropout(0.2),
                              nerve.layers.Dense(2)])
    model.save(tmp_path / "s.keras")
    loaded = keras.saving.load_model(tmp_path / "s.keras")
    assert isinstance(loaded, keras.Sequential)
    np.testing.assert_allclose(loaded.predict(data[0], verbose=0), model.predict(data[0], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_a_keras_lambda_stays_refused(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="(?i)lambda"):
        nerve.saving.load_model(tmp_path / "lambda.keras")


def test_every_keras_ops_name_nerve_has_is_callable_like_keras():
    import inspect

    import nerve.ops
    shared = [name for name in dir(keras.ops) if not name.startswith("_") and hasattr(nerve.ops, name)]
    assert len(shared) > 100                            # (113 of keras.ops's 341 names on 2026-11-30)
    for name in shared:
        theirs, ours = getattr(keras.ops, name), getattr(nerve.ops, name)
        if callable(theirs) and not inspect.ismodule(theirs):
            assert callable(ours) and not inspect.ismodule(ours), f"nerve.ops.{name} is not callable"
    assert nerve.ops.shape(np.zeros((2, 3)))[0] == 2


def test_training_resumes_in_nerve_as_it_would_in_keras(keras_files, data):
    # the optimizer state came across: one more Adam step gives the weights Keras's step gives
    folder, _, _ = keras_files
    ours = nerve.saving.load_model(folder / "k.keras")
    theirs = keras.saving.load_model(folder / "k.keras")
    x, y = data[0][:8], data[1][:8]
    ours.train_on_batch(x, y)
    theirs.train_on_batch(x, y)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-5)

"""The recurrent layers against real Keras 3 (torch backend) on Keras's own weights: masked and
unmasked batches, both directions, states, stacked models fed by Embedding(mask_zero=True).
Skipped when Keras is not installed."""

import os

import numpy as np
import pytest

import nerve


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", reason="Keras 3 is not installed: Keras comparisons skipped")


MASK = np.array([[True, True, True, False, False], [False, False, True, True, True], [True, False, True, True, False]])


def _numpy(values):
    values = values if isinstance(values, (list, tuple)) else [values]
    return [v.numpy() if isinstance(v, nerve.tensor.Tensor) else v.detach().cpu().numpy() for v in values]


def _same(nerve_out, keras_out):
    got, want = _numpy(nerve_out), _numpy(keras_out)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,kwargs", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                         ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_layers_match_keras_on_a_masked_batch(keras, rng, name, kwargs, go_backwards):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    options = dict(return_sequences=True, return_state=True, go_backwards=go_backwards, **kwargs)
    reference = getattr(keras.layers, name)(3, **options)
    expected = reference(x, mask=MASK)
    layer = getattr(nerve.layers, name)(3, **options)
    layer(x)
    layer.set_weights(reference.get_weights())
    _same(layer(x, mask=MASK), expected)
    _same(layer(x), reference(x))
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in reference.weights]


@pytest.mark.parametrize("merge_mode", ["concat", "ave", None])
def test_bidirectional_matches_keras(keras, rng, merge_mode):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    reference = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True, return_state=True),
                                           merge_mode=merge_mode)
    expected = reference(x, mask=MASK)
    layer = nerve.layers.Bidirectional(nerve.layers.LSTM(3, return_sequences=True, return_state=True),
                                       merge_mode=merge_mode)
    layer(x)
    layer.set_weights(reference.get_weights())
    _same(layer(x, mask=MASK), expected)


def test_masked_sequential_model_matches_keras(keras, rng):
    """Embedding(mask_zero) -> LSTM(sequences) -> Dense -> GRU, and a pooled branch: the mask travels
    through every layer as in Keras."""
    ids = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 7, 1], [5, 0, 6, 0, 2]])

    def build(lib):
        inputs = lib.Input((5,), dtype="int32")
        h = lib.layers.Embedding(8, 4, mask_zero=True)(inputs)
        h = lib.layers.LSTM(3, return_sequences=True)(h)
        h = lib.layers.Dense(3)(h)
        last = lib.layers.GRU(2)(h)
        pooled = lib.layers.GlobalAveragePooling1D()(h)
        return lib.Model(inputs, [last, pooled])

    reference, model = build(keras), build(nerve)
    model.set_weights(reference.get_weights())
    _same(model(ids), reference(ids))


def test_time_distributed_and_masking_layer_match_keras(keras, rng):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    x[0, 2:] = 0.0
    x[1, 0] = 0.0
    reference = keras.Sequential([keras.Input((4, 3)), keras.layers.Masking(),
                                  keras.layers.TimeDistributed(keras.layers.Dense(5)), keras.layers.SimpleRNN(2)])
    model = nerve.Sequential([nerve.Input((4, 3)), nerve.layers.Masking(),
                              nerve.layers.TimeDistributed(nerve.layers.Dense(5)), nerve.layers.SimpleRNN(2)])
    model.set_weights(reference.get_weights())
    _same(model(x), reference(x))


def test_masked_sequence_loss_matches_keras(keras):
    """The mask reaches the loss: padded steps are left out of the mean, as in Keras's evaluate."""
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 0, 0], [5, 6, 2, 2, 1]])
    targets = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 0, 0], [1, 1, 1, 1, 1]])

    def build(lib):
        inputs = lib.Input((5,), dtype="int32")
        h = lib.layers.LSTM(3, return_sequences=True)(lib.layers.Embedding(8, 4, mask_zero=True)(inputs))
        model = lib.Model(inputs, lib.layers.Dense(8)(h))
        model.compile(optimizer="sgd", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    reference, model = build(keras), build(nerve)
    model.set_weights(reference.get_weights())
    np.testing.assert_allclose(model.evaluate(ids, targets, verbose=0),
                               reference.evaluate(ids, targets, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("merge", ["Add", "Average", "Subtract", "Concatenate"])
def test_merged_masks_match_keras(keras, merge):
    """Two masked embeddings merged, then a GRU and a masked average: the merged mask is Keras's."""
    a = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 7, 1]])
    b = np.array([[3, 1, 0, 0, 0], [0, 5, 2, 7, 1]])

    def build(lib):
        i, j = lib.Input((5,), dtype="int32"), lib.Input((5,), dtype="int32")
        x = lib.layers.Embedding(8, 4, mask_zero=True)(i)
        y = lib.layers.Embedding(8, 4, mask_zero=True)(j)
        merged = getattr(lib.layers, merge)()([x, y])
        return lib.Model([i, j], [lib.layers.GRU(2)(merged), lib.layers.GlobalAveragePooling1D()(merged)])

    reference, model = build(keras), build(nerve)
    model.set_weights(reference.get_weights())
    _same(model([a, b]), reference([a, b]))


def test_keras_files_both_ways(keras, tmp_path):
    """A .keras file Keras wrote loads in nerve with the same outputs, and the other way round."""
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    reference = keras.Sequential([
        keras.Input((5,), dtype="int32"), keras.layers.Embedding(8, 4, mask_zero=True),
        keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True)),
        keras.layers.TimeDistributed(keras.layers.Dense(3)), keras.layers.GRU(2, reset_after=False),
        keras.layers.Dense(2)])
    reference.save(tmp_path / "keras.keras")
    model = nerve.models.load_model(str(tmp_path / "keras.keras"))
    _same(model(ids), reference(ids))
    model.save(str(tmp_path / "nerve.keras"))
    _same(model(ids), keras.models.load_model(tmp_path / "nerve.keras")(ids))

"""Masks as Keras 3 propagates them: created by Embedding(mask_zero=True) and Masking, carried on tensors
through Sequential and functional models, honoured by the recurrent layers and GlobalAveragePooling1D,
dropped by layers that do not support masking; wrong shapes named."""

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.layers.masking import get_keras_mask, set_keras_mask
from nerve.testing import gradcheck

IDS = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 7, 1], [5, 0, 6, 0, 2]])   # post, pre and inner padding


def test_embedding_mask_zero_and_masking_layer():
    embedded = layers.Embedding(8, 3, mask_zero=True)(IDS)
    np.testing.assert_array_equal(get_keras_mask(embedded).numpy(), IDS != 0)
    assert get_keras_mask(layers.Embedding(8, 3)(IDS)) is None
    x = np.ones((2, 3, 2), "float32")
    x[0, 1] = -1.0
    x[1, 2, 0] = -1.0                       # one feature at the mask value: the step is kept
    out = layers.Masking(mask_value=-1.0)(x)
    np.testing.assert_array_equal(get_keras_mask(out).numpy(), [[True, False, True], [True, True, True]])
    np.testing.assert_array_equal(out.numpy()[0, 1], 0.0)
    np.testing.assert_array_equal(out.numpy()[1], x[1])
    assert layers.Masking(mask_value=-1.0).get_config()["mask_value"] == -1.0


def _per_sequence(rnn, embedding, ids):
    """Each sequence run alone with its padded steps removed: what a mask must reproduce."""
    return np.stack([rnn(embedding(row[row != 0][None])).numpy()[0] for row in ids])


@pytest.mark.parametrize("kind", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_masked_recurrence_skips_padding_anywhere(kind):
    embedding, rnn = layers.Embedding(8, 4, mask_zero=True), kind(3)
    model = nerve.Sequential([nerve.Input((5,), dtype="int32"), embedding, rnn])
    expected = _per_sequence(rnn, embedding, IDS)
    np.testing.assert_allclose(model(IDS).numpy(), expected, rtol=1e-5, atol=1e-6)
    inputs = nerve.Input((5,), dtype="int32")
    functional = nerve.Model(inputs, rnn(layers.Dropout(0.5)(embedding(inputs))))
    np.testing.assert_allclose(functional(IDS).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_mask_flows_through_stacked_rnns_and_dense():
    embedding = layers.Embedding(8, 4, mask_zero=True)
    first, dense, second = layers.LSTM(3, return_sequences=True), layers.Dense(3), layers.GRU(2)
    model = nerve.Sequential([embedding, first, dense, second])
    out = model(IDS)
    expected = np.stack([second(dense(first(embedding(row[row != 0][None])))).numpy()[0] for row in IDS])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    sequence = first(embedding(IDS))
    np.testing.assert_array_equal(get_keras_mask(sequence).numpy(), IDS != 0)
    assert get_keras_mask(layers.LSTM(3)(embedding(IDS))) is None      # a last output has no steps


def test_global_average_pooling_averages_kept_steps(rng):
    x = rng.standard_normal((3, 5, 2)).astype("float32")
    mask = IDS != 0
    out = layers.GlobalAveragePooling1D()(x, mask=mask)
    expected = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    carried = nerve.tensor.Tensor(x)
    set_keras_mask(carried, mask)
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(carried).numpy(), expected, rtol=1e-6)
    assert get_keras_mask(out) is None
    # Keras's GlobalMaxPooling1D ignores masks: nerve's too
    np.testing.assert_allclose(layers.GlobalMaxPooling1D()(carried).numpy(), x.max(axis=1))


def test_layers_without_mask_support_drop_it():
    embedded = layers.Embedding(8, 4, mask_zero=True)(IDS)
    assert get_keras_mask(layers.Flatten()(embedded)) is None
    assert get_keras_mask(layers.Dense(2)(embedded)) is not None


def test_name_mask_arguments_are_filled_per_tensor_argument():
    """Keras's rule for several tensor arguments (MultiHeadAttention's query_mask/value_mask)."""
    class Probe(layers.Layer):
        def call(self, query, value, query_mask=None, value_mask=None):
            self.seen = (query_mask, value_mask)
            return query

    q = layers.Embedding(8, 2, mask_zero=True)(IDS)
    v = layers.Embedding(8, 2)(IDS)
    probe = Probe()
    probe(q, v)
    np.testing.assert_array_equal(probe.seen[0].numpy(), IDS != 0)
    assert probe.seen[1] is None


def test_explicit_mask_wins_and_is_checked():
    x = np.ones((2, 4, 3), "float32")
    layer = layers.LSTM(2)
    a = layer(x, mask=np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)).numpy()
    np.testing.assert_allclose(a[0], layer(x[:1, :2]).numpy()[0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"LSTM 'lstm.*\(batch, steps\) = \(2, 4\).*\(2, 4, 3\).*\(4, 2\)"):
        layer(x, mask=np.ones((4, 2), bool))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D.*\(2, 4\).*\(2, 3\)"):
        layers.GlobalAveragePooling1D()(x, mask=np.ones((2, 3), bool))


def test_with_initial_state_the_mask_must_be_passed():
    """Keras 3's rule (checked against Keras 3.15): a mask is filled in only for a call's one tensor
    argument; LSTM(x, initial_state=[h, c]) gets none unless ``mask=`` is given."""
    ids = np.array([[1, 2, 0, 0]])
    x = layers.Embedding(5, 3, mask_zero=True)(ids)
    lstm = layers.LSTM(2)
    h = nerve.ops.zeros((1, 2))
    masked = lstm(x).numpy()
    assert not np.allclose(lstm(x, initial_state=[h, h]).numpy(), masked)
    np.testing.assert_allclose(lstm(x, initial_state=[h, h], mask=ids != 0).numpy(), masked, rtol=1e-6)


def test_merging_layers_combine_masks():
    a = layers.Embedding(8, 2, mask_zero=True)(np.array([[1, 2, 0, 0]]))
    b = layers.Embedding(8, 2, mask_zero=True)(np.array([[0, 3, 0, 4]]))
    plain = layers.Embedding(8, 2)(np.array([[1, 1, 1, 1]]))
    np.testing.assert_array_equal(get_keras_mask(layers.Add()([a, b])).numpy(), [[True, True, False, True]])
    assert get_keras_mask(layers.Add()([a, plain])) is None              # one input without a mask
    np.testing.assert_array_equal(get_keras_mask(layers.Concatenate()([a, plain])).numpy(), [[True] * 4])
    np.testing.assert_array_equal(get_keras_mask(layers.Concatenate(axis=1)([a, b])).numpy(),
                                  [[True, True, False, False, False, True, False, True]])


def test_gradients_through_masking_and_masked_pooling(rng):
    nerve.config.set_floatx("float64")
    x = rng.standard_normal((3, 5, 2))
    x[0, 3:] = 0.0
    x[2, 1] = 0.0
    # Masking is not differentiable at a padded step (nudging it unmasks it): its gradient is the
    # kept indicator, checked exactly; the pooling's gradient by central differences
    xt = nerve.tensor.Tensor(x, requires_grad=True)
    r = rng.standard_normal(x.shape)
    (g,) = nerve.autodiff.grad(nerve.ops.sum(layers.Masking()(xt) * r), [xt])
    kept = (x != 0).any(axis=-1, keepdims=True)
    np.testing.assert_array_equal(g.numpy(), r * kept)
    mask = IDS != 0
    pool = layers.GlobalAveragePooling1D()
    assert gradcheck(lambda a: pool(a, mask=mask), x)

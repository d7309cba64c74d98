"""MultiHeadAttention, Attention, PositionEmbedding: Keras's weights and numbers, PyTorch, gradients, masks."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.testing import gradcheck


@pytest.fixture
def keras():
    """Keras 3 on its torch backend, as the reference layers; skipped cleanly without it."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is not installed: Keras comparison skipped")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()}, the comparison uses its torch backend")
    return keras


def softmax(s):
    p = np.exp(s - s.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def mha_reference(weights, query, value, key=None, allowed=None):
    """NumPy MultiHeadAttention with Keras's weight layout; ``allowed`` (B, T, S) or None."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    key = value if key is None else key
    q = np.einsum("btd,dnh->bnth", query, wq) + bq[None, :, None]
    k = np.einsum("bsd,dnh->bnsh", key, wk) + bk[None, :, None]
    v = np.einsum("bsd,dnh->bnsh", value, wv) + bv[None, :, None]
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(wq.shape[-1])
    if allowed is not None:
        s = np.where(allowed[:, None], s, -1e9)
    p = softmax(s) if allowed is None else softmax(s) * allowed[:, None]
    return np.einsum("bnts,bnsh,nho->bto", p, v, wo) + bo, p


# ---- MultiHeadAttention -------------------------------------------------------------------

def test_mha_weights_are_keras_shapes_and_order(check):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5)
    mha(check.data((2, 6, 7)), check.data((2, 4, 8)), check.data((2, 4, 9)))
    check.weights_round_trip(mha, [(7, 2, 3), (2, 3), (9, 2, 3), (2, 3), (8, 2, 4), (2, 4), (2, 4, 5), (5,)])
    assert [w.path for w in mha.weights][:2] == [f"{mha.name}/query/kernel", f"{mha.name}/query/bias"]
    check.config_round_trip(mha)


def test_mha_matches_numpy_with_cross_attention_key_and_masks(check, rng):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    q, v, k = check.data((2, 5, 6)), check.data((2, 7, 8)), check.data((2, 7, 5))
    mha(q, v, k)
    allowed = rng.random((2, 5, 7)) > 0.4
    out, scores = mha(q, v, k, attention_mask=allowed, use_causal_mask=True, return_attention_scores=True)
    causal = np.tril(np.ones((5, 7), bool))
    want, p = mha_reference(mha.get_weights(), q, v, k, allowed & causal)
    np.testing.assert_allclose(out.numpy(), want, atol=2e-5)
    np.testing.assert_allclose(scores.numpy(), p, atol=2e-6)
    fused = mha(q, v, k, attention_mask=allowed, use_causal_mask=True)       # no scores: the fused op
    np.testing.assert_allclose(fused.numpy(), out.numpy(), atol=1e-6)


def test_mha_query_and_value_masks_equal_the_attention_mask(check, rng):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = check.data((2, 5, 6)), check.data((2, 7, 6))
    q_mask, v_mask = rng.random((2, 5)) > 0.3, rng.random((2, 7)) > 0.3
    by_parts = mha(q, v, query_mask=q_mask, value_mask=v_mask)
    whole = mha(q, v, attention_mask=q_mask[:, :, None] & v_mask[:, None, :])
    np.testing.assert_allclose(by_parts.numpy(), whole.numpy(), atol=1e-6)


def test_mha_matches_torch_multihead_attention(check, torch):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = check.data((2, 5, 8)), check.data((2, 6, 8))
    mha(q, v)
    wq, bq, wk, bk, wv, bv, wo, bo = mha.get_weights()
    ref = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.tensor(np.concatenate([w.reshape(8, -1).T for w in (wq, wk, wv)])))
        ref.in_proj_bias.copy_(torch.tensor(np.concatenate([b.ravel() for b in (bq, bk, bv)])))
        ref.out_proj.weight.copy_(torch.tensor(wo.reshape(-1, 8).T))
        ref.out_proj.bias.copy_(torch.tensor(bo))
    want, want_p = ref(*(torch.tensor(a) for a in (q, v, v)), average_attn_weights=False)
    out, p = mha(q, v, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), want.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(p.numpy(), want_p.detach().numpy(), atol=1e-6)


def test_mha_matches_keras(check, rng, keras):
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    q, v = check.data((2, 5, 6)), check.data((2, 7, 6))
    allowed = rng.random((2, 5, 7)) > 0.4
    theirs(q, v)
    ours(q, v)
    ours.set_weights(theirs.get_weights())
    for kwargs in ({}, {"attention_mask": allowed, "use_causal_mask": True}):
        want, want_p = theirs(q, v, return_attention_scores=True, **kwargs)
        out, p = ours(q, v, return_attention_scores=True, **kwargs)
        np.testing.assert_allclose(out.numpy(), keras.ops.convert_to_numpy(want), atol=1e-5)
        np.testing.assert_allclose(p.numpy(), keras.ops.convert_to_numpy(want_p), atol=1e-6)


def test_mha_gradients_of_inputs_and_every_weight(rng):
    nerve.config.set_floatx("float64")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3, output_shape=3)
    q, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    mha(q, v)
    allowed = rng.random((2, 3, 4)) > 0.3
    originals = mha._projections

    def fn(q, v, *ws):
        mha._projections = [tuple(ws[i:i + 2]) for i in range(0, 8, 2)]
        try:
            return mha(q, v, attention_mask=allowed)
        finally:
            mha._projections = originals
    assert gradcheck(fn, q, v, *mha.get_weights())


def test_mha_dropout_only_in_training(check):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    q = check.data((2, 5, 8))
    first = mha(q, q).numpy()
    np.testing.assert_array_equal(mha(q, q).numpy(), first)
    assert not np.allclose(mha(q, q, training=True).numpy(), first)


def test_mha_in_a_functional_model_builds_and_saves(check, tmp_path):
    tokens = layers.Input((5, 8))
    out = layers.MultiHeadAttention(num_heads=2, key_dim=4)(tokens, tokens)
    model = nerve.Model(tokens, out)
    x = check.data((3, 5, 8))
    assert model(x).shape == (3, 5, 8) and model.count_params() == 4 * (8 * 8 + 8)
    model.save(tmp_path / "mha.nerve")
    again = nerve.models.load_model(tmp_path / "mha.nerve")
    np.testing.assert_allclose(again(x).numpy(), model(x).numpy(), atol=1e-6)


def test_mha_bad_masks_name_layer_and_shapes(check):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")
    q, v = check.data((2, 5, 8)), check.data((2, 6, 8))
    with pytest.raises(ValueError, match=r"MultiHeadAttention 'mha': `attention_mask` of shape \(2, 6, 5\).*\(2, 5, 6\)"):
        mha(q, v, attention_mask=np.ones((2, 6, 5), bool))
    with pytest.raises(ValueError, match=r"'mha': `value_mask` of shape \(2, 5\).*\(2, 6\)"):
        mha(q, v, value_mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=(1, 2))


def test_mha_honours_an_embedding_padding_mask(check):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    embed = layers.Embedding(10, 8, mask_zero=True)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    x = embed(ids)
    np.testing.assert_array_equal(x._keras_mask.numpy(), ids != 0)
    out = mha(x, x)
    want = mha(x, x, query_mask=ids != 0, value_mask=ids != 0)
    np.testing.assert_allclose(out.numpy(), want.numpy(), atol=1e-6)
    assert not np.allclose(out.numpy(), mha(x.detach(), x.detach()).numpy())
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)          # the query's mask goes on
    luong = layers.Attention()
    np.testing.assert_allclose(luong([x, x]).numpy(), luong([x, x], mask=[ids != 0, ids != 0]).numpy(), atol=1e-6)


# ---- Attention (Luong) -------------------------------------------------------------------

@pytest.mark.parametrize("score_mode,use_scale", [("dot", False), ("dot", True), ("concat", True)])
def test_attention_matches_numpy(check, rng, score_mode, use_scale):
    layer = layers.Attention(use_scale=use_scale, score_mode=score_mode)
    q, v, k = check.data((2, 4, 3)), check.data((2, 5, 3)), check.data((2, 5, 3))
    layer([q, v, k])
    if layer.weights:
        layer.set_weights([np.float32(0.7)] * len(layer.weights))
    q_mask, v_mask = rng.random((2, 4)) > 0.3, rng.random((2, 5)) > 0.3
    v_mask[:, 0] = True
    out, p = layer([q, v, k], mask=[q_mask, v_mask], return_attention_scores=True, use_causal_mask=True)
    if score_mode == "dot":
        s = (q @ np.swapaxes(k, 1, 2)) * (0.7 if use_scale else 1.0)
    else:
        s = 0.7 * np.tanh(0.7 * (q[:, :, None] + k[:, None])).sum(-1)
    allowed = v_mask[:, None] & np.tril(np.ones((4, 5), bool))
    want_p = softmax(s - 1e9 * ~allowed)
    np.testing.assert_allclose(p.numpy(), want_p, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), (want_p @ v) * q_mask[..., None], atol=1e-5)
    fused = layer([q, v, k], mask=[q_mask, v_mask], use_causal_mask=True)
    np.testing.assert_allclose(fused.numpy(), out.numpy(), atol=1e-5)


def test_attention_matches_keras(check, keras):
    q, v = check.data((2, 4, 3)), check.data((2, 5, 3))
    for mode in ("dot", "concat"):
        ours, theirs = layers.Attention(use_scale=True, score_mode=mode), keras.layers.Attention(use_scale=True, score_mode=mode)
        theirs([q, v])
        ours([q, v])
        theirs.set_weights([np.float32(1.3)] * len(theirs.weights))
        ours.set_weights(theirs.get_weights())
        want = keras.ops.convert_to_numpy(theirs([q, v], use_causal_mask=True))
        np.testing.assert_allclose(ours([q, v], use_causal_mask=True).numpy(), want, atol=1e-5)


def test_attention_gradients(rng):
    nerve.config.set_floatx("float64")
    layer = layers.Attention(use_scale=True, score_mode="concat")
    q, v = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 4, 2))
    layer([q, v])

    def fn(q, v, scale, weight):
        layer.scale, layer.concat_score_weight = scale, weight
        return layer([q, v], use_causal_mask=True)
    assert gradcheck(fn, q, v, np.float64(0.8), np.float64(1.2))


def test_attention_bad_inputs(check):
    layer = layers.Attention(name="att")
    with pytest.raises(ValueError, match="'att': must be called on a list"):
        layer(check.data((2, 3, 4)))
    with pytest.raises(ValueError, match=r"'att': `value mask` of shape \(2, 3\).*\(2, 5\)"):
        layer([check.data((2, 3, 4)), check.data((2, 5, 4))], mask=[None, np.ones((2, 3), bool)])


# ---- PositionEmbedding -------------------------------------------------------------------

def test_position_embedding(check):
    layer = layers.PositionEmbedding(sequence_length=6, name="pos")
    x = check.data((2, 4, 3))
    out = layer(x)
    table = layer.get_weights()[0]
    assert table.shape == (6, 3)
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(table[:4], (2, 4, 3)))
    np.testing.assert_array_equal(layer(x[:, :2], start_index=3).numpy()[0], table[3:5])
    check.config_round_trip(layer)
    with pytest.raises(ValueError, match=r"PositionEmbedding 'pos': positions 0 to 6 .*\(2, 7, 3\).* 6 positions"):
        layer(check.data((2, 7, 3)))


def test_position_embedding_gradient(rng):
    nerve.config.set_floatx("float64")
    layer = layers.PositionEmbedding(sequence_length=5)
    x = rng.standard_normal((2, 3, 2))
    layer(x)

    def fn(x, table):
        layer.position_embeddings = table
        return x * layer(x, start_index=1)
    assert gradcheck(fn, x, layer.get_weights()[0])

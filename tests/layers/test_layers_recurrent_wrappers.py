"""Bidirectional and TimeDistributed: Keras's merge modes, state order, masking and configs; the
bidirectional LSTM against the NumPy reference cells (recurrent_reference.py) and
torch.nn.LSTM(bidirectional=True)."""

import numpy as np
import pytest

import nerve
import recurrent_reference as ref
from nerve import layers
from nerve.testing import gradcheck

MASK = np.array([[True, True, True, False], [False, True, True, True]])


def _pair(rng, merge_mode="concat", **kwargs):
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    bi = layers.Bidirectional(layers.GRU(2, **kwargs), merge_mode=merge_mode)
    bi(x)
    forward, backward = layers.GRU(2, **kwargs), layers.GRU(2, go_backwards=True, **kwargs)
    forward(x), backward(x)
    weights = bi.get_weights()
    forward.set_weights(weights[:3])
    backward.set_weights(weights[3:])
    return x, bi, forward, backward


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_merge_modes(rng, merge_mode):
    x, bi, forward, backward = _pair(rng, merge_mode, return_sequences=True)
    y, y_rev = forward(x).numpy(), backward(x).numpy()[:, ::-1]
    expected = {"concat": np.concatenate([y, y_rev], -1), "sum": y + y_rev, "mul": y * y_rev,
                "ave": (y + y_rev) / 2, None: [y, y_rev]}[merge_mode]
    out = bi(x)
    got = [o.numpy() for o in out] if merge_mode is None else out.numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    symbolic = bi(nerve.Input((4, 3)))
    shapes = [s.shape for s in symbolic] if merge_mode is None else symbolic.shape
    assert shapes == ([(None, 4, 2)] * 2 if merge_mode is None else (None, 4, 4 if merge_mode == "concat" else 2))


def test_states_and_masked_sequences(rng):
    x, bi, forward, backward = _pair(rng, return_sequences=True, return_state=True)
    out, h_forward, h_backward = bi(x, mask=MASK)
    forward.zero_output_for_mask = backward.zero_output_for_mask = True     # Keras's rule with sequences
    y, hf = forward(x, mask=MASK)
    y_rev, hb = backward(x, mask=MASK)
    np.testing.assert_allclose(out.numpy(), np.concatenate([y.numpy(), y_rev.numpy()[:, ::-1]], -1), atol=1e-6)
    np.testing.assert_array_equal(out.numpy()[0, 3], 0.0)
    np.testing.assert_allclose(h_forward.numpy(), hf.numpy(), atol=1e-6)
    np.testing.assert_allclose(h_backward.numpy(), hb.numpy(), atol=1e-6)
    assert [w.path.split("/")[0] for w in bi.weights] == ["gru_cell"] * 6
    named = layers.Bidirectional(layers.GRU(2, name="encoder"))
    assert (named.forward_layer.name, named.backward_layer.name) == ("forward_encoder", "backward_encoder")


def test_config_round_trip_and_gradients(check, rng):
    bi = layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="sum")
    bi(check.data((2, 3, 2)))
    again = check.config_round_trip(bi)
    assert again.merge_mode == "sum" and again.backward_layer.go_backwards
    nerve.config.set_floatx("float64")
    bi = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True))
    assert gradcheck(lambda x: bi(x), rng.standard_normal((2, 3, 2)))


def test_bidirectional_lstm_matches_numpy_reference(rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True, return_state=True))
    bi(x)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.5 for w in bi.get_weights()]
    bi.set_weights(weights)                          # Keras's order: forward (k, r, b), then backward
    start = [np.zeros((2, 4), "float32")] * 2
    _, y_f, (h_f, c_f) = ref.run(lambda x, s: ref.lstm_cell(x, s, *weights[:3]), x, start)
    _, y_b, (h_b, c_b) = ref.run(lambda x, s: ref.lstm_cell(x, s, *weights[3:]), x, start, go_backwards=True)
    out, *states = bi(x)
    np.testing.assert_allclose(out.numpy(), np.concatenate([y_f, y_b[:, ::-1]], -1), rtol=1e-5, atol=1e-6)
    for got, want in zip(states, [h_f, c_f, h_b, c_b]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_bidirectional_lstm_matches_torch(torch, rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True))
    bi(x)
    module = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    k, r, b, kb, rb, bb = bi.get_weights()
    with torch.no_grad():
        for suffix, (kernel, recurrent, bias) in (("", (k, r, b)), ("_reverse", (kb, rb, bb))):
            getattr(module, "weight_ih_l0" + suffix).copy_(torch.from_numpy(kernel.T.copy()))
            getattr(module, "weight_hh_l0" + suffix).copy_(torch.from_numpy(recurrent.T.copy()))
            getattr(module, "bias_ih_l0" + suffix).copy_(torch.from_numpy(bias))
            getattr(module, "bias_hh_l0" + suffix).zero_()
    expected, _ = module(torch.from_numpy(x))
    np.testing.assert_allclose(bi(x).numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="Bidirectional.*recurrent layer"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="Bidirectional.*merge_mode.*'max'"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Bidirectional.*go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="Bidirectional.*return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True))


def test_time_distributed_dense_and_conv(check, rng):
    x = check.data((2, 3, 4))
    td = layers.TimeDistributed(layers.Dense(5))
    out = check.shapes(lambda: layers.TimeDistributed(layers.Dense(5)), (2, 3, 4), x=x)
    assert out.shape == (2, 3, 5)
    out = td(x)
    dense = td.layer
    np.testing.assert_allclose(out.numpy(), np.stack([dense(x[:, t]).numpy() for t in range(3)], 1), rtol=1e-6)
    images = check.data((2, 3, 6, 6, 1))
    conv = layers.TimeDistributed(layers.Conv2D(2, 3))
    assert conv(images).shape == (2, 3, 4, 4, 2)
    again = check.config_round_trip(td)
    assert again.layer.units == 5
    nerve.config.set_floatx("float64")
    td64 = layers.TimeDistributed(layers.Dense(2))
    assert gradcheck(lambda a: td64(a), rng.standard_normal((2, 3, 2)))


def test_time_distributed_passes_the_mask_on_and_checks_rank():
    embedded = layers.Embedding(5, 3, mask_zero=True)(np.array([[1, 2, 0], [3, 0, 0]]))
    out = layers.TimeDistributed(layers.Dense(2))(embedded)
    np.testing.assert_array_equal(nerve.layers.masking.get_keras_mask(out).numpy(), [[1, 1, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"TimeDistributed.*rank >= 3.*\(2, 3\)"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))

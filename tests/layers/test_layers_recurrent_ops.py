"""nerve.ops.recurrent: the fused LSTM/GRU/SimpleRNN recurrences against a step-by-step NumPy
reference (Keras's masked loop) and central differences, over masks, go_backwards and
zero_output_for_mask."""

import numpy as np
import pytest

from nerve.ops.recurrent import gru_sequence, lstm_sequence, simple_rnn_sequence
from nerve.tensor import Tensor
from nerve.testing import gradcheck

import recurrent_reference as ref

B, T, D, H = 3, 5, 4, 3
MASK = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]], bool)
CASES = [(None, False, False), (MASK, False, False), (MASK, True, False), (MASK, False, True), (None, True, False)]


@pytest.fixture
def data(rng):
    def make(gates, bias_shape=None):
        x = rng.standard_normal((B, T, D))
        kernel = rng.standard_normal((D, gates * H)) * 0.5
        recurrent = rng.standard_normal((H, gates * H)) * 0.5
        bias = rng.standard_normal(bias_shape or (gates * H,)) * 0.5
        h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
        return x, kernel, recurrent, bias, h0, c0
    return make


def _check_against_reference(packed, outputs, states):
    """The ops are time-major: (steps + states, batch, units)."""
    np.testing.assert_allclose(packed[:T].transpose(1, 0, 2), outputs, atol=1e-12)
    for i, state in enumerate(states):
        np.testing.assert_allclose(packed[T + i], state, atol=1e-12)


@pytest.mark.parametrize("compiled", ["numba", "numpy"])
@pytest.mark.parametrize("mask,backwards,zero_output", CASES)
def test_lstm_sequence(data, monkeypatch, compiled, mask, backwards, zero_output):
    """Both backward forms: the compiled step (recurrent_numba, when numba is installed) and NumPy's."""
    if compiled == "numba":
        pytest.importorskip("numba")
    else:
        monkeypatch.setenv("NERVE_NUMBA", "0")
    x, kernel, recurrent, bias, h0, c0 = data(4)
    flags = dict(mask=mask, go_backwards=backwards, zero_output_for_mask=zero_output)
    _, outputs, states = ref.run(lambda xt, s: ref.lstm_cell(xt, s, kernel, recurrent, bias), x, [h0, c0],
                                 mask, backwards, zero_output)
    xw = (x @ kernel + bias).transpose(1, 0, 2).copy()
    _check_against_reference(lstm_sequence(Tensor(xw), Tensor(h0), Tensor(c0), Tensor(recurrent), **flags).numpy(),
                             outputs, states)
    assert gradcheck(lambda a, h, c, u: lstm_sequence(a, h, c, u, **flags), xw, h0, c0, recurrent)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask,backwards,zero_output", CASES)
def test_gru_sequence(data, reset_after, mask, backwards, zero_output):
    x, kernel, recurrent, bias, h0, _ = data(3, (2, 3 * H) if reset_after else None)
    flags = dict(mask=mask, go_backwards=backwards, zero_output_for_mask=zero_output)
    _, outputs, states = ref.run(lambda xt, s: ref.gru_cell(xt, s, kernel, recurrent, bias, reset_after), x, [h0],
                                 mask, backwards, zero_output)
    if reset_after:
        xw = (x @ kernel + bias[0]).transpose(1, 0, 2).copy()
        packed = gru_sequence(Tensor(xw), Tensor(h0), Tensor(recurrent), Tensor(bias[1]), **flags)
        assert gradcheck(lambda a, h, u, b: gru_sequence(a, h, u, b, **flags), xw, h0, recurrent, bias[1])
    else:
        xw = (x @ kernel + bias).transpose(1, 0, 2).copy()
        packed = gru_sequence(Tensor(xw), Tensor(h0), Tensor(recurrent), reset_after=False, **flags)
        assert gradcheck(lambda a, h, u: gru_sequence(a, h, u, reset_after=False, **flags), xw, h0, recurrent)
    _check_against_reference(packed.numpy(), outputs, states)


@pytest.mark.parametrize("mask,backwards,zero_output", CASES)
def test_simple_rnn_sequence(data, mask, backwards, zero_output):
    x, kernel, recurrent, bias, h0, _ = data(1)
    flags = dict(mask=mask, go_backwards=backwards, zero_output_for_mask=zero_output)
    _, outputs, states = ref.run(lambda xt, s: ref.simple_rnn_cell(xt, s, kernel, recurrent, bias), x, [h0],
                                 mask, backwards, zero_output)
    xw = (x @ kernel + bias).transpose(1, 0, 2).copy()
    _check_against_reference(simple_rnn_sequence(Tensor(xw), Tensor(h0), Tensor(recurrent), **flags).numpy(),
                             outputs, states)
    assert gradcheck(lambda a, h, u: simple_rnn_sequence(a, h, u, **flags), xw, h0, recurrent)


def test_float32_stays_float32(data):
    x, kernel, recurrent, bias, h0, c0 = data(4)
    f32 = [np.asarray(a, "float32") for a in ((x @ kernel + bias).transpose(1, 0, 2), h0, c0, recurrent)]
    out = lstm_sequence(*[Tensor(a) for a in f32])
    assert out.dtype == np.float32

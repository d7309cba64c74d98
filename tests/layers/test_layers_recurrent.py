"""SimpleRNN, LSTM, GRU (and their cells under RNN): Keras's weights and semantics, the fused op and the
step-by-step cell loop against a NumPy reference, central differences, PyTorch and Keras's own numbers."""

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.testing import gradcheck

import recurrent_reference as ref

B, T, D, H = 2, 4, 3, 2
MASK = np.array([[True, True, True, False], [False, True, True, True]])


def _reference_cell(layer, weights):
    if isinstance(layer, layers.LSTM):
        return lambda x, s: ref.lstm_cell(x, s, *weights)
    if isinstance(layer, layers.GRU):
        return lambda x, s: ref.gru_cell(x, s, *weights, reset_after=layer.reset_after)
    return lambda x, s: ref.simple_rnn_cell(x, s, *weights)


def _make(kind, **kwargs):
    if kind == "gru_reset_before":
        return layers.GRU(H, reset_after=False, **kwargs)
    return {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}[kind](H, **kwargs)


def _loop_only(layer):
    """Force the step-by-step cell loop (the path of any non-default configuration)."""
    layer._fused_sequence = lambda *args: None
    return layer


KINDS = ["simple_rnn", "lstm", "gru", "gru_reset_before"]


@pytest.mark.parametrize("path", ["fused", "loop"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mask,go_backwards,zero_output", [(None, False, False), (MASK, True, False),
                                                            (MASK, False, True)])
def test_layers_match_the_numpy_reference(rng, kind, path, mask, go_backwards, zero_output):
    x = rng.standard_normal((B, T, D)).astype("float32")
    layer = _make(kind, return_sequences=True, return_state=True, go_backwards=go_backwards,
                  zero_output_for_mask=zero_output)
    layer(x)
    weights = [rng.standard_normal(w.shape).astype("float32") * 0.5 for w in layer.get_weights()]
    layer.set_weights(weights)
    if path == "loop":
        _loop_only(layer)
    outputs, *states = layer(x, mask=mask)
    n_states = 2 if kind == "lstm" else 1
    start = [np.zeros((B, H), "float32")] * n_states
    _, expected, expected_states = ref.run(_reference_cell(layer, weights), x, start, mask, go_backwards, zero_output)
    np.testing.assert_allclose(outputs.numpy(), expected, rtol=1e-5, atol=1e-6)
    for got, want in zip(states, expected_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    last = _make(kind, go_backwards=go_backwards)
    last(x)
    last.set_weights(weights)
    np.testing.assert_allclose(last(x, mask=mask).numpy(), expected_states[0], rtol=1e-5, atol=1e-6)


def cell_gradcheck(layer, x, **call_kwargs):
    """gradcheck of ``layer(x)`` with respect to x and every weight of its cell (conftest's
    ``check.gradients`` swaps weights on the layer itself; an RNN's live on its cell)."""
    layer(x, **call_kwargs)
    cell = layer.cell
    names = [w.path.split("/")[-1] for w in cell.trainable_weights]
    originals = [getattr(cell, name) for name in names]

    def fn(inputs, *weights):
        for name, w in zip(names, weights):
            object.__setattr__(cell, name, w)
        return layer(inputs, **call_kwargs)
    try:
        # C order: gradcheck perturbs its inputs through a flat view (orthogonal kernels come F-ordered)
        return gradcheck(fn, x, *[np.ascontiguousarray(w.numpy()) for w in originals])
    finally:
        for name, w in zip(names, originals):
            object.__setattr__(cell, name, w)


@pytest.mark.parametrize("path", ["fused", "loop"])
@pytest.mark.parametrize("kind", KINDS)
def test_gradients(rng, kind, path):
    nerve.config.set_floatx("float64")
    layer = _make(kind, return_sequences=True)
    assert cell_gradcheck(_loop_only(layer) if path == "loop" else layer, rng.standard_normal((B, T, D)))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gradients_through_masked_steps_and_initial_state(rng, kind):
    nerve.config.set_floatx("float64")
    layer = _make(kind, return_sequences=True, return_state=True, go_backwards=True)
    x = rng.standard_normal((B, T, D))
    layer(x)
    n_states = 2 if kind == "lstm" else 1
    states = [rng.standard_normal((B, H)) for _ in range(n_states)]

    def fn(inputs, *initial):
        out, *final = layer(inputs, initial_state=list(initial), mask=MASK)
        return nerve.ops.concatenate([out, *[nerve.ops.expand_dims(s, 1) for s in final]], axis=1)
    assert gradcheck(fn, x, *states)


def test_keras_recorded_lstm_masking():
    """Keras 3's own test (lstm_test.py::test_masking): constant weights, a right-padded batch."""
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    init = dict(kernel_initializer=nerve.initializers.Constant(0.01),
                recurrent_initializer=nerve.initializers.Constant(0.02),
                bias_initializer=nerve.initializers.Constant(0.03))
    np.testing.assert_allclose(layers.LSTM(2, unroll=True, **init)(sequence, mask=mask).numpy(),
                               [[0.11755939, 0.11755939], [0.28556206, 0.28556206]], atol=1e-5)
    out = layers.LSTM(2, return_sequences=True, zero_output_for_mask=True, **init)(sequence, mask=mask).numpy()
    np.testing.assert_allclose(out[0], [[0.0158891, 0.0158891], [0.05552048, 0.05552048],
                                        [0.11755939, 0.11755939], [0.0, 0.0]], atol=1e-5)
    np.testing.assert_allclose(out[1, :2], [[0.14185596, 0.14185596], [0.28556206, 0.28556206]], atol=1e-5)
    np.testing.assert_allclose(out[1, 2:], 0.0)


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_matches_torch(torch, rng, kind):
    """torch.nn.RNN/LSTM/GRU with the weights mapped (GRU: reset_after=True, gates r, z, n in torch)."""
    x = rng.standard_normal((3, 6, 5)).astype("float32")
    layer = _make(kind, return_sequences=True)
    layer(x)
    kernel, recurrent, bias = layer.get_weights()
    module = {"simple_rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](5, H, batch_first=True)
    if kind == "gru":
        def reorder(w):     # keras z, r, h -> torch r, z, n along the last axis
            z, r, h = np.split(w, 3, axis=-1)
            return np.concatenate([r, z, h], axis=-1)
        weights = [reorder(kernel).T, reorder(recurrent).T, reorder(bias[0]), reorder(bias[1])]
    else:
        weights = [kernel.T, recurrent.T, bias, np.zeros_like(bias)]
    with torch.no_grad():
        for param, value in zip((module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0),
                                weights):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt = torch.from_numpy(x).requires_grad_(True)
    expected, _ = module(xt)
    np.testing.assert_allclose(layer(x).numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    # gradients of the same loss: the input and the input kernel
    (expected ** 2).sum().backward()
    xn = nerve.tensor.Tensor(x, requires_grad=True)
    gx, gk = nerve.autodiff.grad(nerve.ops.sum(nerve.ops.square(layer(xn))), [xn, layer.cell.kernel])
    np.testing.assert_allclose(gx.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    torch_kernel_grad = module.weight_ih_l0.grad.numpy().T
    if kind == "gru":
        r, z, h = np.split(torch_kernel_grad, 3, axis=-1)
        torch_kernel_grad = np.concatenate([z, r, h], axis=-1)
    np.testing.assert_allclose(gk.numpy(), torch_kernel_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_shapes_config_and_weights(check, kind):
    check.shapes(lambda: _make(kind), (B, T, D))
    check.shapes(lambda: _make(kind, return_sequences=True), (B, T, D))
    layer = _make(kind, return_state=True, go_backwards=True, dropout=0.1)
    outs = layer(check.data((B, T, D)))
    assert [tuple(o.shape) for o in outs] == [(B, H)] * (3 if kind == "lstm" else 2)
    again = check.config_round_trip(layer)
    assert again.units == H and again.go_backwards and again.dropout == 0.1
    gates = {"simple_rnn": 1, "lstm": 4}.get(kind, 3)
    bias = (2, 3 * H) if kind == "gru" else (gates * H,)
    check.weights_round_trip(layer, [(D, gates * H), (H, gates * H), bias])
    assert [w.path for w in layer.weights][0].endswith("_cell/kernel")


def test_lstm_forget_bias_starts_at_one():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 4), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1] + [0] * 6)
    no_unit = layers.LSTM(3, unit_forget_bias=False)
    no_unit(np.zeros((1, 2, 4), "float32"))
    np.testing.assert_array_equal(no_unit.get_weights()[2], np.zeros(12))


def test_rnn_over_a_cell_equals_the_layer(rng):
    x = rng.standard_normal((B, T, D)).astype("float32")
    lstm = layers.LSTM(H, return_sequences=True)
    rnn = layers.RNN(layers.LSTMCell(H), return_sequences=True)
    lstm(x), rnn(x)
    rnn.set_weights(lstm.get_weights())
    np.testing.assert_allclose(rnn(x, mask=MASK).numpy(), lstm(x, mask=MASK).numpy(), rtol=1e-5, atol=1e-6)
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "LSTMCell"
    assert layers.RNN.from_config(config).cell.units == H


def test_stateful_carries_states_between_batches(rng):
    x = rng.standard_normal((B, 6, D)).astype("float32")
    whole = layers.GRU(H, return_sequences=True)
    stateful = layers.GRU(H, return_sequences=True, stateful=True)
    whole(x), stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_state()
    halves = np.concatenate([stateful(x[:, :3]).numpy(), stateful(x[:, 3:]).numpy()], axis=1)
    np.testing.assert_allclose(halves, whole(x).numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_state()
    np.testing.assert_allclose(stateful(x[:, :3]).numpy(), whole(x[:, :3]).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        stateful(x[:1, :3])


def test_initial_state_and_its_checks(rng):
    x = rng.standard_normal((B, T, D)).astype("float32")
    h0, c0 = rng.standard_normal((B, H)).astype("float32"), rng.standard_normal((B, H)).astype("float32")
    layer = layers.LSTM(H, return_state=True)
    out, h, c = layer(x, initial_state=[h0, c0])
    weights = layer.get_weights()
    _, _, states = ref.run(lambda xt, s: ref.lstm_cell(xt, s, *weights), x, [h0, c0])
    np.testing.assert_allclose(h.numpy(), states[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), states[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"LSTM 'lstm.*initial_state.*\(2, 2\), \(2, 2\)"):
        layer(x, initial_state=[h0])


def test_dropout_acts_in_training_only(rng):
    x = rng.standard_normal((B, T, D)).astype("float32")
    for kwargs in ({"dropout": 0.5}, {"recurrent_dropout": 0.5}):
        layer = layers.LSTM(H, seed=1, **kwargs)
        inference = layer(x).numpy()
        np.testing.assert_array_equal(layer(x, training=False).numpy(), inference)
        assert not np.allclose(layer(x, training=True).numpy(), inference)
        grads = nerve.autodiff.grad(nerve.ops.sum(layer(x, training=True)), layer.trainable_weights)
        assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)


def test_bad_inputs_name_the_layer_and_shapes(rng):
    layer = layers.GRU(H)
    with pytest.raises(ValueError, match=r"GRU 'gru.*rank 3.*\(2, 3\)"):
        layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"GRU 'gru.*mask of shape \(batch, steps\) = \(2, 4\).*\(2, 3\)"):
        layer(np.zeros((2, 4, 3), "float32"), mask=np.ones((2, 3), bool))
    with pytest.raises(TypeError, match="Dense.*return_state"):
        layers.Dense(2, return_state=True)
    with pytest.raises(ValueError, match="RNN.*state_size"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(ValueError, match="RNN.*list of cells.*stack RNN layers"):
        layers.RNN([layers.LSTMCell(2), layers.LSTMCell(2)])


@pytest.mark.parametrize("extension", [".nerve", ".keras"])
def test_model_files_round_trip(tmp_path, extension):
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    model = nerve.Sequential([nerve.Input((5,), dtype="int32"), layers.Embedding(8, 4, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
                              layers.RNN(layers.GRUCell(2)), layers.Dense(2)])
    path = str(tmp_path / f"model{extension}")
    model.save(path)
    np.testing.assert_allclose(nerve.models.load_model(path)(ids).numpy(), model(ids).numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind", ["lstm", "gru", "gru_reset_before"])
def test_recurrent_dropout_draws_one_mask_per_gate(rng, kind):
    """Keras's implementation 1 (forced by recurrent dropout): each gate gets its own input and state
    masks; checked against NumPy with the masks fixed."""
    layer = _make(kind, dropout=0.5, recurrent_dropout=0.5)
    x = rng.standard_normal((B, D)).astype("float32")
    h = rng.standard_normal((B, H)).astype("float32")
    cell = layer.cell
    cell.build((B, D))
    gates = 4 if kind == "lstm" else 3
    assert len(cell.get_dropout_mask(nerve.tensor.Tensor(x))) == gates
    assert len(cell.get_recurrent_dropout_mask(nerve.tensor.Tensor(h))) == gates
    cell.reset_dropout_masks()
    x_masks = [(rng.random((B, D)) > 0.5).astype("float32") * 2 for _ in range(gates)]
    h_masks = [(rng.random((B, H)) > 0.5).astype("float32") * 2 for _ in range(gates)]
    cell._dropout_mask = [nerve.tensor.Tensor(m) for m in x_masks]
    cell._recurrent_dropout_mask = [nerve.tensor.Tensor(m) for m in h_masks]
    kernel, recurrent, bias = cell.get_weights()
    w, u = np.split(kernel, gates, axis=1), np.split(recurrent, gates, axis=1)
    xs = [(x * m) @ wg for m, wg in zip(x_masks, w)]
    hs = [(h * m) @ ug for m, ug in zip(h_masks, u)]
    if kind == "lstm":
        c = rng.standard_normal((B, H)).astype("float32")
        out, _ = cell(x, [h, c], training=True)
        i, f, g, o = [a + b + bg for a, b, bg in zip(xs, hs, np.split(bias, 4))]
        expected = ref.sigmoid(o) * np.tanh(ref.sigmoid(f) * c + ref.sigmoid(i) * np.tanh(g))
    else:
        out, _ = cell(x, [h], training=True)
        if kind == "gru":
            xs = [a + b for a, b in zip(xs, np.split(bias[0], 3))]
            hs = [a + b for a, b in zip(hs, np.split(bias[1], 3))]
            z, r = ref.sigmoid(xs[0] + hs[0]), ref.sigmoid(xs[1] + hs[1])
            candidate = np.tanh(xs[2] + r * hs[2])
        else:
            xs = [a + b for a, b in zip(xs, np.split(bias, 3))]
            z, r = ref.sigmoid(xs[0] + hs[0]), ref.sigmoid(xs[1] + hs[1])
            candidate = np.tanh(xs[2] + (r * h * h_masks[2]) @ u[2])
        expected = z * h + (1 - z) * candidate
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)

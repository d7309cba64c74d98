"""Plain NumPy references for the recurrent layers: Keras's cells and its masked loop, step by step."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_cell(x, states, kernel, recurrent_kernel, bias):
    h, c = states
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def gru_cell(x, states, kernel, recurrent_kernel, bias, reset_after=True):
    (h,) = states
    n = h.shape[-1]
    if reset_after:
        xw = x @ kernel + bias[0]
        inner = h @ recurrent_kernel + bias[1]
        z = sigmoid(xw[:, :n] + inner[:, :n])
        r = sigmoid(xw[:, n:2 * n] + inner[:, n:2 * n])
        candidate = np.tanh(xw[:, 2 * n:] + r * inner[:, 2 * n:])
    else:
        xw = x @ kernel + bias
        z = sigmoid(xw[:, :n] + h @ recurrent_kernel[:, :n])
        r = sigmoid(xw[:, n:2 * n] + h @ recurrent_kernel[:, n:2 * n])
        candidate = np.tanh(xw[:, 2 * n:] + (r * h) @ recurrent_kernel[:, 2 * n:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def simple_rnn_cell(x, states, kernel, recurrent_kernel, bias):
    h = np.tanh(x @ kernel + bias + states[0] @ recurrent_kernel)
    return h, [h]


def run(cell, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Keras's ``backend.rnn``: (last output, outputs in processing order, final states)."""
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs, previous = [], None
    for t in steps:
        out, new_states = cell(x[:, t], states)
        if mask is not None:
            m = mask[:, t, None]
            keep = np.zeros_like(out) if zero_output_for_mask or previous is None else previous
            out = np.where(m, out, keep)
            new_states = [np.where(m, s, old) for s, old in zip(new_states, states)]
        outputs.append(out)
        previous, states = out, new_states
    return outputs[-1], np.stack(outputs, axis=1), states

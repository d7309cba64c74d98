"""Plain NumPy references for nerve's fused and optimized ops: the oracle that needs no torch.

Each function is the op's definition written the slow, obvious way (loops over output
positions and window offsets, float64 throughout), so that a test of nerve's fast path
compares it with something whose correctness can be read off the page. Channels last.
"""

import itertools
import math

import numpy as np


# ---- window geometry (Keras's "same": the extra zero row/column goes after) ------------------

def _pads(spatial, kernel, strides, dilation, padding):
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    pads = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        out = math.ceil(n / s)
        total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _out_sizes(spatial, kernel, strides, dilation, padded):
    return [(p - (d * (k - 1) + 1)) // s + 1 for p, k, s, d in zip(padded, kernel, strides, dilation)]


def _padded(x, pads, value=0.0):
    return np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)


# ---- convolutions --------------------------------------------------------------------------

def conv(x, w, strides, padding="valid", dilation=None):
    """y[n, o, f] = Σ_k Σ_c x_pad[n, o·S + k·d, c] · w[k, c, f]; x (N, *S, C), w (*K, C, F)."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    kernel = w.shape[:rank]
    xp = _padded(x, _pads(x.shape[1:-1], kernel, strides, dilation, padding))
    out = _out_sizes(x.shape[1:-1], kernel, strides, dilation, xp.shape[1:-1])
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for o in itertools.product(*[range(n) for n in out]):
        for k in itertools.product(*[range(n) for n in kernel]):
            at = tuple(oi * s + ki * d for oi, ki, s, d in zip(o, k, strides, dilation))
            y[(slice(None), *o)] += xp[(slice(None), *at)] @ w[k]
    return y


def depthwise_conv(x, w, strides, padding="valid", dilation=None):
    """y[n, o, c·M + m] = Σ_k x_pad[n, o·S + k·d, c] · w[k, c, m]; w (*K, C, M)."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    channels, mult = w.shape[-2:]
    per_channel = [conv(x[..., c:c + 1], w[..., c:c + 1, :], strides, padding, dilation) for c in range(channels)]
    return np.concatenate(per_channel, axis=-1).reshape(per_channel[0].shape[:-1] + (channels * mult,))


def conv_transpose(x, w, strides, padding="valid", output_padding=None, dilation=None):
    """Scatter form: each input position i adds w[k] · x[n, i] at output i·S + k·d − P_before.

    x (N, *I, C_in), w (*K, C_out, C_in); output sizes as Keras's deconv_output_length.
    """
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    kernel = w.shape[:rank]
    sizes, befores = [], []
    for i, (n, k, s, d) in enumerate(zip(x.shape[1:-1], kernel, strides, dilation)):
        k_eff = d * (k - 1) + 1
        if output_padding is None:
            length = n * s + max(k_eff - s, 0) if padding == "valid" else n * s
        else:
            length = (n - 1) * s + k_eff - 2 * (k_eff // 2 if padding == "same" else 0) + output_padding[i]
        reach = (n - 1) * s + k_eff
        sizes.append(length)
        befores.append(max(reach - length, 0) // 2 if padding == "same" else 0)
    y = np.zeros((x.shape[0], *sizes, w.shape[-2]))
    for i in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        for k in itertools.product(*[range(n) for n in kernel]):
            at = tuple(ii * s + ki * d - b for ii, ki, s, d, b in zip(i, k, strides, dilation, befores))
            if all(0 <= a < n for a, n in zip(at, sizes)):
                y[(slice(None), *at)] += x[(slice(None), *i)] @ w[k].T
    return y


# ---- pooling -------------------------------------------------------------------------------

def pool(x, kind, pool_size, strides, padding="valid"):
    """max or average over each window's real (non-padded) elements."""
    x = np.asarray(x, np.float64)
    rank = x.ndim - 2
    pads = _pads(x.shape[1:-1], pool_size, strides, (1,) * rank, padding)
    xp = _padded(x, pads, np.nan)             # NaN marks padding: ignored by nanmax / nanmean
    out = _out_sizes(x.shape[1:-1], pool_size, strides, (1,) * rank, xp.shape[1:-1])
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    reduce = np.nanmax if kind == "max" else np.nanmean
    for o in itertools.product(*[range(n) for n in out]):
        window = xp[(slice(None), *[slice(oi * s, oi * s + k) for oi, s, k in zip(o, strides, pool_size)])]
        y[(slice(None), *o)] = reduce(window.reshape(x.shape[0], -1, x.shape[-1]), axis=1)
    return y


def max_pool_gradient(x, upstream, pool_size, strides, padding="valid"):
    """dx of max pooling: each window sends its upstream value to its first maximum in row-major
    order (ties: the earliest element; padding is never chosen), as PyTorch's and TensorFlow's kernels."""
    x = np.asarray(x, np.float64)
    rank = x.ndim - 2
    pads = _pads(x.shape[1:-1], pool_size, strides, (1,) * rank, padding)
    xp = _padded(x, pads, -np.inf)
    out = _out_sizes(x.shape[1:-1], pool_size, strides, (1,) * rank, xp.shape[1:-1])
    gx = np.zeros(xp.shape)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[-1])):
        for o in itertools.product(*[range(m) for m in out]):
            starts = [oi * s for oi, s in zip(o, strides)]
            window = xp[(n, *[slice(b, b + k) for b, k in zip(starts, pool_size)], c)]
            first = np.unravel_index(np.argmax(window), window.shape)        # argmax: the first maximum
            gx[(n, *[b + f for b, f in zip(starts, first)], c)] += upstream[(n, *o, c)]
    return gx[(slice(None), *[slice(before, before + m) for (before, _), m in zip(pads, x.shape[1:-1])])]


# ---- normalization -------------------------------------------------------------------------

def normalize(x, stat_axes, scale=None, offset=None, epsilon=1e-3):
    """(x − mean) / sqrt(var + ε) · scale + offset, statistics over ``stat_axes`` (biased var)."""
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=stat_axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=stat_axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + epsilon)
    return y * (1 if scale is None else scale) + (0 if offset is None else offset)


def group_norm(x, groups, scale=None, offset=None, epsilon=1e-3):
    x = np.asarray(x, np.float64)
    grouped = x.reshape(x.shape[:-1] + (groups, x.shape[-1] // groups))
    stat_axes = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
    y = normalize(grouped, stat_axes, epsilon=epsilon).reshape(x.shape)
    return y * (1 if scale is None else scale) + (0 if offset is None else offset)


# ---- activations (the textbook formulas, element by element) -------------------------------

def _sigmoid(v):
    return 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = {
    "relu": lambda v: max(v, 0.0),
    "relu6": lambda v: min(max(v, 0.0), 6.0),
    "leaky_relu": lambda v: v if v > 0 else 0.2 * v,
    "elu": lambda v: v if v > 0 else math.expm1(v),
    "selu": lambda v: _SELU_SCALE * (v if v > 0 else _SELU_ALPHA * math.expm1(v)),
    "sigmoid": _sigmoid,
    "log_sigmoid": lambda v: -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v)),
    "tanh": math.tanh,
    "softplus": lambda v: max(v, 0.0) + math.log1p(math.exp(-abs(v))),
    "softsign": lambda v: v / (1 + abs(v)),
    "silu": lambda v: v * _sigmoid(v),
    "hard_sigmoid": lambda v: min(max(v / 6 + 0.5, 0.0), 1.0),
    "hard_silu": lambda v: v * min(max(v / 6 + 0.5, 0.0), 1.0),
    "gelu": lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))),
    "gelu_exact": lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))),
}


# nerve.activations by Keras's names ("gelu" there is the exact form, as keras.activations.gelu)
NAMED_ACTIVATIONS = {
    **{name: f for name, f in ACTIVATIONS.items() if name != "gelu_exact"},
    "gelu": ACTIVATIONS["gelu_exact"],
    "swish": ACTIVATIONS["silu"],
    "hard_swish": ACTIVATIONS["hard_silu"],
    "celu": lambda v: max(v, 0.0) + min(0.0, math.expm1(v)),
    "hard_tanh": lambda v: min(max(v, -1.0), 1.0),
    "tanh_shrink": lambda v: v - math.tanh(v),
    "mish": lambda v: v * math.tanh(ACTIVATIONS["softplus"](v)),
    "exponential": math.exp,
    "linear": lambda v: v,
}


def activation(name, x, table=ACTIVATIONS):
    """The activation ``name`` of ``table`` (nerve.ops's names by default) applied element by element."""
    return np.vectorize(table[name], otypes=[np.float64])(np.asarray(x, np.float64))


def log_softmax(x, axis=-1):
    x = np.asarray(x, np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ---- image warps (augmentation layers) -----------------------------------------------------

def bilinear_warp(images, matrices, fill_value=0.0):
    """out[n, i, j] = Σ over the 4 pixels around (y, x) = M_n·(i, j, 1) of the bilinear weights ·
    the pixel, or ``fill_value`` for a pixel outside the image; images (N, H, W, C), M (N, 2, 3)."""
    images = np.asarray(images, np.float64)
    n, height, width, channels = images.shape
    out = np.zeros(images.shape)
    for b, i, j in itertools.product(range(n), range(height), range(width)):
        y, x = np.asarray(matrices[b], np.float64) @ [i, j, 1.0]
        y0, x0 = math.floor(y), math.floor(x)
        for yy, xx in itertools.product((y0, y0 + 1), (x0, x0 + 1)):
            weight = (1 - abs(y - yy)) * (1 - abs(x - xx))
            inside = 0 <= yy < height and 0 <= xx < width
            out[b, i, j] += weight * (images[b, yy, xx] if inside else np.full(channels, fill_value))
    return out


# ---- the fused losses (per sample; probabilities clipped to [ε, 1 − ε] as Keras) ------------

def categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    """−Σ target · log p over ``axis``; p = softmax(output), or output / Σ output clipped."""
    target = np.asarray(target, np.float64)
    if from_logits:
        log_p = log_softmax(output, axis)
    else:
        p = np.asarray(output, np.float64)
        log_p = np.log(np.clip(p / p.sum(axis=axis, keepdims=True), epsilon, 1 - epsilon))
    return -(target * log_p).sum(axis=axis)


def sparse_categorical_crossentropy(labels, output, from_logits=False, epsilon=1e-7, axis=-1):
    """categorical_crossentropy of the one-hot labels, the classes along ``axis`` of output."""
    output = np.moveaxis(np.asarray(output, np.float64), axis, -1)
    one_hot = np.eye(output.shape[-1])[np.asarray(labels).reshape(output.shape[:-1])]
    return categorical_crossentropy(one_hot, output, from_logits, -1, epsilon)


def binary_crossentropy(target, output, from_logits=False, epsilon=1e-7):
    """Elementwise −(t·log p + (1 − t)·log(1 − p)); p = sigmoid(output) or output clipped."""
    t = np.asarray(target, np.float64)
    if from_logits:
        z = np.asarray(output, np.float64)
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    p = np.clip(np.asarray(output, np.float64), epsilon, 1 - epsilon)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


# ---- image resize (half-pixel centers, channels last) ---------------------------------------

def _triangle_weights(n_in, n_out, width):
    """weights[i][j] ∝ max(0, 1 − |(j + ½) − (i + ½)·n_in/n_out| / width), each row summing to 1.

    width 1 is bilinear interpolation (a source left of pixel 0 or right of the last reads that
    pixel); width n_in/n_out > 1 is the antialiasing triangle stretched over the downsampled span.
    """
    weights = []
    for i in range(n_out):
        center = (i + 0.5) * n_in / n_out
        row = [max(0.0, 1.0 - abs(j + 0.5 - center) / width) for j in range(n_in)]
        weights.append([w / sum(row) for w in row])
    return weights


def resize(images, size, interpolation="bilinear", antialias=False):
    """y[n, i, j, c] = Σ_a Σ_b w_h[i][a] · w_w[j][b] · x[n, a, b, c] (bilinear), or
    x[n, ⌊(i + ½)·H/h⌋, ⌊(j + ½)·W/w⌋, c] (nearest); images (N, H, W, C)."""
    x = np.asarray(images, np.float64)
    (height, width), (out_h, out_w) = x.shape[1:3], size
    y = np.zeros((x.shape[0], out_h, out_w, x.shape[-1]))
    if interpolation == "nearest":
        for i in range(out_h):
            for j in range(out_w):
                a = min(math.floor((i + 0.5) * height / out_h), height - 1)
                b = min(math.floor((j + 0.5) * width / out_w), width - 1)
                y[:, i, j] = x[:, a, b]
        return y
    w_h = _triangle_weights(height, out_h, max(height / out_h, 1.0) if antialias else 1.0)
    w_w = _triangle_weights(width, out_w, max(width / out_w, 1.0) if antialias else 1.0)
    for i in range(out_h):
        for j in range(out_w):
            for a in range(height):
                for b in range(width):
                    y[:, i, j] += w_h[i][a] * w_w[j][b] * x[:, a, b]
    return y

"""Image ops (``keras.ops.image``): resize.

Images are channels_last: (height, width, channels) or (batch, height, width, channels).
Resizing is separable: each spatial axis is mapped on its own by a small linear
operator A (out × in), y = A_h · x · A_wᵀ, so the gradient is the same operators
transposed, dx = A_hᵀ · dy · A_w. Bilinear applies A as a matrix (einsum, a GEMM);
nearest neighbour gathers rows (A is one-hot) and scatter-adds them back.

Sampling grid (TensorFlow/Keras ``tf.image.resize``, PyTorch ``align_corners=False``):
output pixel i of an axis resized from ``n_in`` to ``n_out`` sits at source
coordinate ``(i + 0.5)·s − 0.5`` with ``s = n_in / n_out`` (half-pixel centers).
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from .shape_ops import getitem, pad

__all__ = []     # keras exposes resize only as keras.ops.image.resize

_KERAS_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")


class Resample(Function):
    """y = x with each listed axis mapped by a linear operator:  y[.., o, ..] = Σ_j A[o, j]·x[.., j, ..].

    dx = Aᵀ applied to dy along the same axes. ``steps`` holds (axis, matrix, index): bilinear
    axes carry the (out, in) matrix A; nearest axes carry the source index of each output
    (A one-hot) and gather in forward, scatter-add in backward.
    """

    def __init__(self, steps):
        self.steps = steps

    def forward(self, x):
        xp = backend.array_module(x)
        self.in_shape = x.shape
        for axis, matrix, index in self.steps:
            x = xp.take(x, index, axis=axis) if matrix is None else _contract(xp, matrix, x, axis)
        return xp.ascontiguousarray(x)

    def backward(self, gy):
        xp = backend.array_module(gy)
        for axis, matrix, index in reversed(self.steps):
            if matrix is None:
                gy = _scatter_add(xp, gy, index, self.in_shape[axis], axis)
            else:
                gy = _contract(xp, matrix.T, gy, axis)
        return (gy,)


def _contract(xp, matrix, x, axis):
    """Apply ``matrix`` (out, in) along ``axis`` of x."""
    letters = "abcdefgh"[: x.ndim]
    out = letters[:axis] + "z" + letters[axis + 1:]
    return xp.einsum(f"z{letters[axis]},{letters}->{out}", matrix, x, optimize=True)


def _scatter_add(xp, g, index, n, axis):
    """Sum the gradient of every output back onto the source element it copied (along ``axis``)."""
    out = g.shape[axis]
    if out % n == 0:         # integer upsampling: output o copied source o // f, f = out / n
        f = out // n
        return g.reshape(g.shape[:axis] + (n, f) + g.shape[axis + 1:]).sum(axis=axis + 1)
    one_hot = (index[:, None] == xp.arange(n)[None, :]).astype(g.dtype)
    return _contract(xp, one_hot.T, g, axis)


# ---- per-axis operators -------------------------------------------------------------

def _bilinear_matrix(xp, n_in, n_out, dtype):
    """(n_out, n_in) two-tap linear interpolation at the half-pixel source coordinates.

    src = (i + 0.5)·n_in/n_out − 0.5, taps floor(src) and floor(src) + 1 clamped into
    [0, n_in − 1], weights 1 − frac and frac (a source left of pixel 0 reads pixel 0).
    """
    i = xp.arange(n_out, dtype="float64")
    src = xp.maximum((i + 0.5) * (n_in / n_out) - 0.5, 0.0)
    lower = xp.floor(src)
    frac = src - lower
    lower = lower.astype("int64")
    lower = xp.minimum(lower, n_in - 1)
    upper = xp.minimum(lower + 1, n_in - 1)
    rows = xp.arange(n_out)
    matrix = xp.zeros((n_out, n_in), dtype="float64")
    matrix[rows, lower] += 1.0 - frac
    matrix[rows, upper] += frac
    return matrix.astype(dtype)


def _antialiased_matrix(xp, n_in, n_out, dtype):
    """(n_out, n_in) triangle filter stretched by the downsampling factor s = n_in/n_out > 1.

    A[i, j] ∝ max(0, 1 − |j + 0.5 − (i + 0.5)·s| / s), rows normalised to sum 1 (TensorFlow's
    scale_and_translate "triangle" kernel; PyTorch's ``antialias=True``).
    """
    scale = n_in / n_out
    centers = (xp.arange(n_out, dtype="float64")[:, None] + 0.5) * scale
    taps = xp.arange(n_in, dtype="float64")[None, :] + 0.5
    weights = xp.maximum(1.0 - xp.abs(taps - centers) / scale, 0.0)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(dtype)


def _nearest_index(xp, n_in, n_out):
    """Source of output i: floor((i + 0.5)·n_in/n_out), clamped (TF half_pixel_centers=True;
    PyTorch "nearest-exact"). Integer arithmetic, so no rounding surprises."""
    i = xp.arange(n_out, dtype="int64")
    return xp.minimum(((2 * i + 1) * n_in) // (2 * n_out), n_in - 1)


# ---- the public function (keras.ops.image.resize) -----------------------------------

def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """Resize images to ``size`` = (height, width), as ``keras.ops.image.resize``.

        y = A_h · x · A_wᵀ  (per image and channel),  dx = A_hᵀ · dy · A_w

    "bilinear": half-pixel centers (TF/Keras; PyTorch ``interpolate(mode="bilinear",
    align_corners=False)``). With ``antialias=True`` a downsampled axis is filtered by a
    triangle stretched by the factor (TF ``antialias=True``; PyTorch ``antialias=True``);
    it changes nothing when upsampling. "nearest": source floor((i + 0.5)·n_in/n_out), as
    Keras's TensorFlow backend (half_pixel_centers=True) and PyTorch "nearest-exact";
    PyTorch's plain "nearest" (floor(i·n_in/n_out)) agrees on integer upsampling only.
    ``antialias`` does not apply to "nearest" (as in TensorFlow).

    Args:
        images: (height, width, channels) or (batch, height, width, channels).
        size: (height, width) of the output, positive ints.
        interpolation: "bilinear" or "nearest" ("bicubic", "lanczos3", "lanczos5" and "area"
            are Keras names nerve does not implement: ValueError).
        antialias: filter before downsampling (bilinear only).
        crop_to_aspect_ratio: first crop the largest centered window with the target
            aspect ratio (Keras's arithmetic).
        pad_to_aspect_ratio: first pad (with ``fill_value``) to the target aspect ratio.
        fill_mode: "constant" only (as Keras).
        fill_value: the padding value for ``pad_to_aspect_ratio``.
        data_format: None or "channels_last".
    Returns:
        Tensor of shape (..., height, width, channels); float images keep their dtype,
        integer images come back in ``floatx()`` for "bilinear" and unchanged for "nearest".
    """
    x = as_tensor(images)
    target = _check_resize_args(x, size, interpolation, fill_mode, data_format,
                                crop_to_aspect_ratio, pad_to_aspect_ratio)
    if interpolation == "bilinear" and not backend.is_float_dtype(x.dtype):
        x = as_tensor(x, backend.floatx())
    if crop_to_aspect_ratio:
        x = _crop_to_aspect_ratio(x, target)
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect_ratio(x, target, fill_value)
    xp = backend.array_module(x.data)
    steps = []
    for axis, n_out in zip((x.ndim - 3, x.ndim - 2), target):
        n_in = x.shape[axis]
        if n_in == n_out:
            continue
        if interpolation == "nearest":
            steps.append((axis, None, _nearest_index(xp, n_in, n_out)))
        elif antialias and n_out < n_in:
            steps.append((axis, _antialiased_matrix(xp, n_in, n_out, x.dtype), None))
        else:
            steps.append((axis, _bilinear_matrix(xp, n_in, n_out, x.dtype), None))
    return Resample(steps)(x) if steps else x


def _check_resize_args(x, size, interpolation, fill_mode, data_format, crop, pad_):
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"resize: nerve is channels_last only; expected data_format None or 'channels_last', "
            f"received {data_format!r}"
        )
    if interpolation not in ("bilinear", "nearest"):
        known = "a Keras method nerve does not implement" if interpolation in _KERAS_INTERPOLATIONS else "unknown"
        raise ValueError(
            f"resize: interpolation {interpolation!r} is {known}; expected 'bilinear' or 'nearest'"
        )
    if fill_mode != "constant":
        raise ValueError(f"resize: fill_mode must be 'constant' (as Keras), received {fill_mode!r}")
    if crop and pad_:
        raise ValueError("resize: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    if x.ndim not in (3, 4):
        raise ValueError(
            "resize: expected images of rank 3 (height, width, channels) or 4 (batch, height, width, "
            f"channels), received shape {tuple(x.shape)}"
        )
    try:
        target = tuple(int(n) for n in size)
    except (TypeError, ValueError):
        target = ()
    if len(target) != 2 or min(target) < 1 or any(float(a) != b for a, b in zip(size, target)):
        raise ValueError(f"resize: size must be (height, width), two positive ints, received {size!r}")
    return target


def _crop_to_aspect_ratio(x, target):
    """The largest centered window of the image with the target aspect ratio (Keras's rounding)."""
    height, width = x.shape[-3], x.shape[-2]
    target_height, target_width = target
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    top = int((height - crop_height) / 2)
    left = int((width - crop_width) / 2)
    index = (Ellipsis, slice(top, top + crop_height), slice(left, left + crop_width), slice(None))
    return getitem(x, index)


def _pad_to_aspect_ratio(x, target, fill_value):
    """Pad rows (or else columns) equally on both sides to reach the target aspect ratio (as Keras)."""
    height, width = x.shape[-3], x.shape[-2]
    target_height, target_width = target
    top = int((max(height, int(width * target_height / target_width)) - height) / 2)
    left = int((max(width, int(height * target_width / target_height)) - width) / 2)
    widths = [(0, 0)] * x.ndim
    if top > 0:
        widths[-3] = (top, top)
    elif left > 0:
        widths[-2] = (left, left)
    else:
        return x
    return pad(x, widths, constant_values=fill_value)

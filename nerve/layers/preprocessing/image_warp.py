"""One affine warp for every geometric augmentation: flip aside, crop, zoom, shift and rotate.

Inverse mapping: each output pixel (y, x) reads the input at

    y_in = a00 * y + a01 * x + a02
    x_in = a10 * y + a11 * x + a12

(pixel centres at integer coordinates), one 2x3 matrix per sample, all samples at
once. Bilinear interpolation blends the four neighbouring pixels; points outside
the image take their value from ``fill_mode``:

    reflect   (d c b a | a b c d | d c b a)   reflect about the edge of the last pixel
    wrap      (a b c d | a b c d | a b c d)
    nearest   (a a a a | a b c d | d d d d)
    constant  (k k k k | a b c d | k k k k)   k = fill_value

Raw arrays in, raw array out: augmentation is data-side and has no gradient.
"""

from ... import backend

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("bilinear", "nearest")


def affine_warp(images, matrices, output_size=None, interpolation="bilinear", fill_mode="reflect",
                fill_value=0.0):
    """Resample ``images`` at the input coordinates the ``matrices`` give each output pixel.

    Args:
        images: array (batch, height, width, channels), float.
        matrices: array (batch, 2, 3): output (y, x, 1) -> input (y, x), as above.
        output_size: (height, width) of the output; the input's by default.
        interpolation: "bilinear" or "nearest".
        fill_mode: "reflect", "wrap", "nearest" or "constant".
        fill_value: the value of points outside the image with ``fill_mode="constant"``.

    Returns:
        array (batch, out_height, out_width, channels) of the images' dtype.
    """
    xp = backend.array_module(images)
    n, h, w, _ = images.shape
    out_h, out_w = output_size or (h, w)
    dtype = images.dtype
    m = matrices.astype(dtype, copy=False)[:, :, :, None, None]          # (n, 2, 3, 1, 1)
    ys = xp.arange(out_h, dtype=dtype)[:, None]
    xs = xp.arange(out_w, dtype=dtype)[None, :]
    src_y = m[:, 0, 0] * ys + m[:, 0, 1] * xs + m[:, 0, 2]               # (n, out_h, out_w)
    src_x = m[:, 1, 0] * ys + m[:, 1, 1] * xs + m[:, 1, 2]
    batch = xp.arange(n)[:, None, None]

    if interpolation == "nearest":
        taps = [(xp.floor(src_y + 0.5).astype(xp.int64), xp.floor(src_x + 0.5).astype(xp.int64), None)]
    else:
        y0, x0 = xp.floor(src_y), xp.floor(src_x)
        dy, dx = src_y - y0, src_x - x0
        y0, x0 = y0.astype(xp.int64), x0.astype(xp.int64)
        taps = [(y0, x0, (1 - dy) * (1 - dx)), (y0, x0 + 1, (1 - dy) * dx),
                (y0 + 1, x0, dy * (1 - dx)), (y0 + 1, x0 + 1, dy * dx)]

    out = None
    for yi, xi, weight in taps:          # one or four gathers, each over the whole batch
        yi, y_inside = _fold(xp, yi, h, fill_mode)
        xi, x_inside = _fold(xp, xi, w, fill_mode)
        values = images[batch, yi, xi]                                     # (n, out_h, out_w, c)
        if fill_mode == "constant":
            inside = (y_inside & x_inside)[..., None]
            values = xp.where(inside, values, xp.asarray(fill_value, dtype=dtype))
        if weight is not None:
            values = weight[..., None] * values
        out = values if out is None else out + values
    return out.astype(dtype, copy=False)


def _fold(xp, index, size, fill_mode):
    """Integer coordinates brought inside [0, size) as ``fill_mode`` says, and where they were inside."""
    inside = (index >= 0) & (index < size)
    if fill_mode == "reflect":
        index = index % (2 * size)
        index = xp.where(index >= size, 2 * size - 1 - index, index)
    elif fill_mode == "wrap":
        index = index % size
    else:   # nearest; constant reads a clipped index, then masks it
        index = xp.clip(index, 0, size - 1)
    return index, inside


# ---- the matrices of the geometric augmentations ----------------------------------------

def _identity(xp, n, dtype):
    m = xp.zeros((n, 2, 3), dtype=dtype)
    m[:, 0, 0] = 1
    m[:, 1, 1] = 1
    return m


def zoom_matrices(xp, zoom_y, zoom_x, height, width, dtype):
    """Scale about the image centre: y_in = zy (y - cy) + cy; zoom > 1 shows more (zooms out)."""
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    m = _identity(xp, zoom_y.shape[0], dtype)
    m[:, 0, 0], m[:, 0, 2] = zoom_y, cy * (1 - zoom_y)
    m[:, 1, 1], m[:, 1, 2] = zoom_x, cx * (1 - zoom_x)
    return m


def translation_matrices(xp, shift_y, shift_x, dtype):
    """Shift by (shift_y, shift_x) pixels: y_in = y - dy (positive moves the content down/right)."""
    m = _identity(xp, shift_y.shape[0], dtype)
    m[:, 0, 2] = -shift_y
    m[:, 1, 2] = -shift_x
    return m


def rotation_matrices(xp, angles, height, width, dtype):
    """Rotate about the image centre by ``angles`` radians, counter-clockwise as seen on screen.

    With y pointing down, the output pixel at offset (y, x) from the centre reads the input at
    (x sin a + y cos a, x cos a - y sin a).
    """
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    cos, sin = xp.cos(angles), xp.sin(angles)
    m = xp.empty((angles.shape[0], 2, 3), dtype=dtype)
    m[:, 0, 0], m[:, 0, 1] = cos, sin
    m[:, 1, 0], m[:, 1, 1] = -sin, cos
    m[:, 0, 2] = cy - cos * cy - sin * cx
    m[:, 1, 2] = cx + sin * cy - cos * cx
    return m


def crop_matrices(xp, top, left, dtype):
    """Read the window whose top-left corner is (top, left): y_in = y + top."""
    m = _identity(xp, top.shape[0], dtype)
    m[:, 0, 2] = top
    m[:, 1, 2] = left
    return m

"""Ops that move, select or copy elements without arithmetic.

Reshape-like ops send the gradient back through the inverse reshaping; ops that
select elements (indexing, take) scatter-add it back, so an element picked
twice receives both gradients.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_tensor
from .reduction import normalize_axis


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return (gy.reshape(self.in_shape),)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return (gy.transpose(inverse),)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return backend.array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return (gy,)    # autodiff.sum_to folds it back to the input's shape


class GetItem(Function):
    """y = x[key]; the gradient is scattered (added) back into zeros of x's shape."""

    def __init__(self, key):
        self.key = key

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.key]

    def backward(self, gy):
        xp = backend.array_module(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        if _is_basic_index(self.key):
            gx[self.key] = gy          # slices and ints never repeat an element
        else:
            xp.add.at(gx, self.key, gy)
        return (gx,)


def _is_basic_index(key):
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in keys)


class Concatenate(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return backend.array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        grads, start = [], 0
        index = [slice(None)] * gy.ndim
        for n in self.sizes:
            index[self.axis] = slice(start, start + n)
            grads.append(gy[tuple(index)])
            start += n
        return tuple(grads)


class Pad(Function):
    """Pads with a constant; the gradient is the un-padded window of the output gradient."""

    def __init__(self, pad_width, constant_values):
        self.pad_width, self.constant_values = pad_width, constant_values

    def forward(self, x):
        xp = backend.array_module(x)
        return xp.pad(x, self.pad_width, mode="constant", constant_values=self.constant_values)

    def backward(self, gy):
        window = tuple(slice(lo, gy.shape[i] - hi) for i, (lo, hi) in enumerate(self.pad_width))
        return (gy[window],)


class Tile(Function):
    def __init__(self, repeats):
        self.repeats = repeats

    def forward(self, x):
        self.shape = x.shape
        return backend.array_module(x).tile(x, self.repeats)

    def backward(self, gy):
        # view the output as (r0, n0, r1, n1, ...) and sum over the repeat axes
        split = []
        for r, n in zip(self.repeats, self.shape):
            split += [r, n]
        g = gy.reshape(split)
        return (g.sum(axis=tuple(range(0, len(split), 2))),)


class Repeat(Function):
    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        self.shape = x.shape
        return backend.array_module(x).repeat(x, self.repeats, axis=self.axis)

    def backward(self, gy):
        xp = backend.array_module(gy)
        n = self.shape[self.axis]
        if isinstance(self.repeats, int):
            shape = list(self.shape)
            shape[self.axis: self.axis + 1] = [n, self.repeats]
            return (gy.reshape(shape).sum(axis=self.axis + 1),)
        source = xp.repeat(xp.arange(n), xp.asarray(self.repeats))   # output slot -> input slot
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        xp.add.at(xp.moveaxis(gx, self.axis, 0), source, xp.moveaxis(gy, self.axis, 0))
        return (gx,)


class TakeAlongAxis(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x, indices):
        self.shape, self.indices = x.shape, indices
        return backend.array_module(x).take_along_axis(x, indices, axis=self.axis)

    def backward(self, gy):
        xp = backend.array_module(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        index = list(xp.indices(self.indices.shape, sparse=True))
        index[self.axis] = self.indices
        xp.add.at(gx, tuple(index), gy)
        return gx, None


class ScatterAdd(Function):
    """y = zeros(shape) with ``updates`` added at ``indices`` (duplicates add up);
    dy/dupdates gathers the output gradient at the same indices."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, indices, updates):
        xp = backend.array_module(updates)
        self.index = tuple(indices[..., i] for i in range(indices.shape[-1]))
        out = xp.zeros(self.shape, dtype=updates.dtype)
        xp.add.at(out, self.index, updates)
        return out

    def backward(self, gy):
        return None, gy[self.index]


# ---- the public functions (keras.ops names) -------------------------------------------

def reshape(x, newshape):
    """``x`` with shape ``newshape`` (one size may be −1): the same elements in row-major order.

    The gradient is reshaped back.
    """
    x = as_tensor(x)
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    known = 1
    for n in newshape:
        known *= n if n != -1 else 1
    if (newshape.count(-1) == 0 and known != x.size) or (known == 0 or x.size % known):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {newshape}")
    return Reshape(newshape)(x)


def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None); the gradient is permuted back."""
    x = as_tensor(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Transpose(axes)(x)


def swapaxes(x, axis1, axis2):
    """``x`` with axes ``axis1`` and ``axis2`` exchanged."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def moveaxis(x, source, destination):
    """``x`` with axis ``source`` moved to position ``destination``, the others keeping their order."""
    x = as_tensor(x)
    axes = [a for a in range(x.ndim) if a != source % x.ndim]
    axes.insert(destination % x.ndim, source % x.ndim)
    return transpose(x, axes)


def expand_dims(x, axis):
    """``x`` with a new axis of size 1 inserted at ``axis``."""
    x = as_tensor(x)
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else x.ndim + 1 + axis, 1)
    return Reshape(tuple(shape))(x)


def squeeze(x, axis=None):
    """``x`` without its axes of size 1 (only ``axis`` when given, which must have size 1)."""
    x = as_tensor(x)
    if axis is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = normalize_axis(axis, x.ndim, "squeeze")
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    return Reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))(x)


def flatten(x):
    """``x`` as a 1-D tensor (all of its elements in row-major order)."""
    return reshape(x, (-1,))


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (NumPy rules);  dx = dy summed over the broadcast axes."""
    return BroadcastTo(tuple(shape))(x)


def getitem(x, key):
    """y = x[key] (ints, slices, None, Ellipsis, integer or boolean arrays);
    the gradient is added back into zeros of x's shape (repeated indices add up).
    """
    x = as_tensor(x)
    if isinstance(key, Tensor):
        key = key.data
    elif isinstance(key, tuple):
        key = tuple(k.data if isinstance(k, Tensor) else k for k in key)
    elif isinstance(key, list):
        key = backend.array_module(x.data).asarray(key)
    return GetItem(key)(x)


def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along ``axis``; each input gets its slice of the gradient."""
    xs = [as_tensor(x) for x in xs]
    ref = xs[0]
    axis = axis % ref.ndim
    for x in xs[1:]:
        if x.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, ref.shape)) if i != axis):
            raise ValueError(
                f"concatenate: shapes {ref.shape} and {x.shape} differ outside axis {axis}"
            )
    return Concatenate(axis)(*xs)


def stack(xs, axis=0):
    """The tensors ``xs`` (same shape) stacked along a new axis ``axis``."""
    xs = [as_tensor(x) for x in xs]
    for x in xs[1:]:
        if x.shape != xs[0].shape:
            raise ValueError(f"stack: all tensors need one shape, received {xs[0].shape} and {x.shape}")
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into equal sections (an int) or at the given indices (a list), as keras.ops.split."""
    x = as_tensor(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into {indices_or_sections} equal parts")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0] + list(indices_or_sections) + [n]
    index = [slice(None)] * x.ndim
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(lo, hi)
        parts.append(getitem(x, tuple(index)))
    return parts


def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` ((before, after) per axis) with ``constant_values``
    (mode "constant" only); the gradient is the un-padded window of dy.
    """
    x = as_tensor(x)
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; nerve pads with a constant")
    pad_width = [tuple(p) if isinstance(p, (list, tuple)) else (p, p) for p in pad_width]
    if len(pad_width) == 1:
        pad_width = pad_width * x.ndim
    if len(pad_width) != x.ndim:
        raise ValueError(f"pad: pad_width has {len(pad_width)} entries for a tensor of rank {x.ndim}")
    return Pad(tuple(pad_width), constant_values or 0)(x)


def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis (as ``numpy.tile``);
    dx = the sum of the copies' gradients.
    """
    x = as_tensor(x)
    repeats = [repeats] if isinstance(repeats, int) else list(repeats)
    repeats = [1] * (x.ndim - len(repeats)) + repeats
    if len(repeats) > x.ndim:
        x = reshape(x, (1,) * (len(repeats) - x.ndim) + x.shape)
    return Tile(tuple(repeats))(x)


def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (flattened when None),
    as ``numpy.repeat``; dx = the sum over each element's copies.
    """
    x = as_tensor(x)
    if axis is None:
        x, axis = flatten(x), 0
    return Repeat(repeats, axis % x.ndim)(x)


def take(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis`` (of the flattened x when None);
    the gradient is scatter-added back.
    """
    x = as_tensor(x)
    indices = as_tensor(indices).data
    if axis is None:
        return getitem(flatten(x), indices)
    index = [slice(None)] * x.ndim
    index[axis] = indices
    return getitem(x, tuple(index))


def take_along_axis(x, indices, axis=None):
    """y[..., i, ...] = x[..., indices[..., i, ...], ...] along ``axis``.

    As ``numpy.take_along_axis``; the gradient is scatter-added back.
    """
    x = as_tensor(x)
    if axis is None:
        x, axis = flatten(x), 0
    return TakeAlongAxis(axis % x.ndim)(x, as_tensor(indices))


def scatter(indices, values, shape):
    """zeros(shape) with ``values`` added at ``indices`` (shape (..., rank)), as keras.ops.scatter."""
    return ScatterAdd(shape)(as_tensor(indices), values)


scatter_add = scatter


def one_hot(x, num_classes, axis=-1, dtype=None):
    """y[..., c] = 1 where x == c else 0, for c in [0, num_classes) (a new axis at ``axis``); no gradient."""
    x = as_tensor(x)
    xp = backend.array_module(x.data)
    out = (x.data[..., None] == xp.arange(num_classes)).astype(dtype or backend.floatx())
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor.wrap(out)


def stop_gradient(x):
    """``x`` itself as a value, cut from the graph: no gradient flows back through it."""
    return as_tensor(x).detach()

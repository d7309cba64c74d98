"""Merge layers: combine a list of tensors into one (Add, Subtract, Multiply, Average,
Maximum, Minimum, Concatenate, Dot), plus Keras's functional shortcuts (``add([a, b])``...)."""

import functools

from .. import backend, ops
from ..tensor import Tensor, as_tensor
from .layer import Layer
from .layer_utils import describe


def _broadcast_shapes(shape1, shape2, owner):
    """The broadcast of two shapes (batch excluded) with None for unknown sizes."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return tuple(shape1)
    result = list(shape1[: len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            result.append(None)
        elif i == 1 or j == 1:
            result.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(f"{owner}: inputs have incompatible shapes {tuple(shape1)} and {tuple(shape2)} "
                             "(batch axis excluded); expected equal or broadcastable shapes")
        else:
            result.append(i)
    return tuple(result)


class Merge(Layer):
    """Base of the elementwise merges: checks the list of inputs and broadcasts their shapes.

    Inputs of lower rank get size-1 axes inserted after the batch axis (as Keras), so
    (batch, C) merges with (batch, H, W, C).
    """

    min_inputs = 1

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"{describe(self)}: expected a list of at least {self.min_inputs} inputs, "
                             f"received input_shape={input_shape}")
        if len(input_shape) < self.min_inputs:
            raise ValueError(f"{describe(self)}: expected a list of at least {self.min_inputs} inputs, "
                             f"received {len(input_shape)} (shapes {list(input_shape)})")
        batches = {s[0] for s in input_shape if s} - {None}
        if len(batches) > 1:
            raise ValueError(f"{describe(self)}: cannot merge tensors with different batch sizes, "
                             f"received shapes {list(input_shape)}")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)      # validates
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shape = tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            shape = _broadcast_shapes(shape, tuple(s[1:]), describe(self))
        batches = {s[0] for s in input_shape} - {None}
        return (batches.pop() if len(batches) == 1 else None,) + shape

    def call(self, inputs):
        rank = max(x.ndim for x in inputs)
        inputs = [x if x.ndim == rank else ops.reshape(x, (x.shape[0],) + (1,) * (rank - x.ndim) + x.shape[1:])
                  for x in inputs]
        return self._merge_function(inputs)

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: a step is kept where any input keeps it, when every input has a mask
        (Add, Subtract, Multiply, Average, Maximum, Minimum); otherwise no mask. (Keras 3.15 also
        substitutes, in Multiply/Maximum/Minimum, the other inputs' values for an input's masked
        steps; nerve merges the values as they are.)"""
        if mask is None or not isinstance(mask, (list, tuple)) or any(m is None for m in mask):
            return None
        kept = _mask_data(mask[0])
        for m in mask[1:]:
            kept = kept | _mask_data(m)
        return Tensor.wrap(kept)


class Add(Merge):
    """Elementwise sum of the inputs: ``add([a, b, ...]) = a + b + ...``."""

    def _merge_function(self, inputs):
        return functools.reduce(ops.add, inputs)


class Subtract(Merge):
    """Elementwise difference of exactly two inputs: ``a − b``."""

    min_inputs = 2

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and len(input_shape) != 2:
            raise ValueError(f"{describe(self)}: expected exactly 2 inputs, received {len(input_shape)}")
        return super().compute_output_shape(input_shape)

    def _merge_function(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Elementwise product of the inputs."""

    def _merge_function(self, inputs):
        return functools.reduce(ops.multiply, inputs)


class Average(Merge):
    """Elementwise mean of the inputs: (a + b + ...) / n."""

    def _merge_function(self, inputs):
        return functools.reduce(ops.add, inputs) * (1.0 / len(inputs))


class Maximum(Merge):
    """Elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        return functools.reduce(ops.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        return functools.reduce(ops.minimum, inputs)


class Concatenate(Merge):
    """Joins the inputs along ``axis``; every other axis must agree.

    Args:
        axis: the axis to concatenate along (default −1).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        rank = len(input_shape[0])
        if any(len(s) != rank for s in input_shape) or not -rank <= self.axis < rank:
            raise ValueError(f"{describe(self)}: expected inputs of one rank with axis {self.axis} in range, "
                             f"received shapes {list(input_shape)}")
        axis = self.axis % rank
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            for i, (a, b) in enumerate(zip(output, shape)):
                if i == axis:
                    output[i] = None if a is None or b is None else a + b
                elif a is None:
                    output[i] = b
                elif b is not None and a != b:
                    raise ValueError(
                        f"{describe(self)}: inputs must match on every axis but the concatenation axis "
                        f"{self.axis}, received shapes {list(input_shape)}"
                    )
        return tuple(output)

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: the inputs' masks (all-True for an input without one), widened to the
        inputs' shapes, concatenated along ``axis`` and reduced with "any" over the last axis."""
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        xp = backend.array_module(inputs[0].data)
        widened = []
        for x, m in zip(inputs, mask):
            if m is None:
                widened.append(xp.ones(x.shape, dtype=bool))
                continue
            m = _mask_data(m)
            while m.ndim < x.ndim:
                m = m[..., None]
            widened.append(xp.broadcast_to(m, x.shape))
        return Tensor.wrap(xp.concatenate(widened, axis=self.axis).any(axis=-1))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """Dot product of two batches of tensors along the given axes (Keras's batch dot).

        out[b, i..., j...] = Σ_k x[b, i..., k] · y[b, k, j...]   (k at ``axes`` of each input)

    Args:
        axes: int or (axis_x, axis_y), counted with the batch axis as 0.
        normalize: L2-normalize both inputs along their axes first (cosine similarity).

    Shape:
        (batch, n, d) and (batch, m, d) with axes=2 -> (batch, n, m);
        (batch, d) and (batch, d) -> (batch, 1).
    """

    min_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        self.axes = tuple(axes)
        if len(self.axes) != 2 or not all(isinstance(a, int) for a in self.axes):
            raise ValueError(f"{describe(self)}: `axes` must be an int or 2 ints, received {axes!r}")
        self.normalize = normalize

    def _axes_for(self, shapes):
        return [a % len(s) for a, s in zip(self.axes, shapes)]

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"{describe(self)}: expected exactly 2 inputs, received {len(input_shape)}")
        s1, s2 = [tuple(s) for s in input_shape]
        a1, a2 = self._axes_for((s1, s2))
        if a1 == 0 or a2 == 0:
            raise ValueError(f"{describe(self)}: cannot contract the batch axis, received axes {self.axes}")
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"{describe(self)}: dimension mismatch along axes {self.axes}: shapes {s1} and {s2}")
        rest = s1[1:a1] + s1[a1 + 1:] + s2[1:a2] + s2[a2 + 1:]
        return (s1[0],) + (rest or (1,))

    def call(self, inputs):
        x, y = inputs
        a1, a2 = self._axes_for((x.shape, y.shape))
        if self.normalize:
            x = x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=a1, keepdims=True), 1e-12))
            y = y / ops.sqrt(ops.maximum(ops.sum(ops.square(y), axis=a2, keepdims=True), 1e-12))
        x = ops.moveaxis(x, a1, -1)
        y = ops.moveaxis(y, a2, 1)
        batch, k = x.shape[0], x.shape[-1]
        x_rest, y_rest = x.shape[1:-1], y.shape[2:]
        out = ops.matmul(ops.reshape(x, (batch, -1, k)), ops.reshape(y, (batch, k, -1)))
        return ops.reshape(out, (batch,) + (x_rest + y_rest or (1,)))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


def _mask_data(mask):
    """A mask (Tensor or array) as a raw boolean array."""
    return as_tensor(mask).data.astype(bool, copy=False)

"""Normalization: feature-wise standardization with statistics learned by ``adapt``."""

import math

from ... import backend, ops
from ...tensor import Tensor
from ..layer import Layer

EPSILON = 1e-7


class Normalization(Layer):
    """Standardize features: y = (x - mean) / max(sqrt(variance), 1e-7).

    ``mean`` and ``variance`` are given, or learned from data by ``adapt(data)``, one per
    index of the kept ``axis`` (computed over all other axes). They are non-trainable
    weights [mean, variance], saved with the model, as in Keras.

    Args:
        axis: the axis (or tuple of axes) that keeps its own statistics; -1 (default) is
            per feature / per channel; None is one mean and variance for everything.
        mean, variance: the statistics, if known (numbers, or arrays broadcastable to the
            kept axes); otherwise call ``adapt``.
        invert: apply the inverse, y = mean + x * sqrt(variance).

    Example:
        >>> layer = Normalization()
        >>> layer.adapt(x_train)      # doctest: +SKIP
        >>> layer(x_train).numpy().mean(axis=0)   # ~0  # doctest: +SKIP
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: pass both `mean` and `variance`, or neither (then call adapt())")
        if isinstance(axis, int):
            axis = (axis,)
        self.axis = None if axis is None else tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.mean = self.variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        keep = () if self.axis is None else tuple(a % ndim for a in self.axis)
        for a in keep:
            if a >= ndim or input_shape[a] is None:
                raise ValueError(
                    f"Normalization '{self.name}': axis {self.axis} needs a known size in input shape "
                    f"{tuple(input_shape)}"
                )
        self._keep = keep
        self._reduce = tuple(a for a in range(ndim) if a not in keep)
        self._broadcast = tuple(input_shape[a] if a in keep else 1 for a in range(ndim))
        stat_shape = tuple(input_shape[a] for a in keep)
        if self.input_mean is None:
            self.mean = self.add_weight(stat_shape, "zeros", trainable=False, name="mean")
            self.variance = self.add_weight(stat_shape, "ones", trainable=False, name="variance")
        self.built = True

    def adapt(self, data):
        """Set mean and variance from ``data``: an array, a Tensor, or an iterable of batches."""
        xp = backend.xp
        if isinstance(data, Tensor) or hasattr(data, "shape"):
            batches = [data]
        else:
            batches = data
        count, total, total_sq = 0, None, None
        for batch in batches:
            if isinstance(batch, (tuple, list)):     # (x, y) pairs: adapt on x
                batch = batch[0]
            array = batch.data if isinstance(batch, Tensor) else xp.asarray(batch)
            if not self.built:
                self._maybe_build((None,) + tuple(array.shape[1:]))
            if self.input_mean is not None:
                raise ValueError(f"Normalization '{self.name}': adapt() with mean and variance given at creation")
            array = array.astype("float64")          # statistics in float64, stored in the layer's dtype
            count += array.size // max(math.prod(self.mean.shape), 1)
            s, s2 = array.sum(axis=self._reduce), (array * array).sum(axis=self._reduce)
            total = s if total is None else total + s
            total_sq = s2 if total_sq is None else total_sq + s2
        if not count:
            raise ValueError(f"Normalization '{self.name}': adapt() received no data")
        mean = total / count
        variance = xp.maximum(total_sq / count - mean * mean, 0.0)
        self.mean.assign(mean.astype(self.dtype))
        self.variance.assign(variance.astype(self.dtype))

    def _statistics(self, dtype, xp):
        if self.input_mean is not None:
            mean = xp.broadcast_to(xp.asarray(self.input_mean, dtype=dtype), self._broadcast_stat_shape())
            variance = xp.broadcast_to(xp.asarray(self.input_variance, dtype=dtype), self._broadcast_stat_shape())
        else:
            mean, variance = self.mean.data.astype(dtype, copy=False), self.variance.data.astype(dtype, copy=False)
        return mean.reshape(self._broadcast), variance.reshape(self._broadcast)

    def _broadcast_stat_shape(self):
        return tuple(self._broadcast[a] for a in self._keep)

    def call(self, inputs):
        if not backend.is_float_dtype(inputs.dtype):
            inputs = inputs.astype(self.dtype)
        xp = backend.array_module(inputs.data)
        mean, variance = self._statistics(inputs.dtype, xp)
        std = Tensor.wrap(xp.maximum(xp.sqrt(variance), xp.asarray(EPSILON, dtype=inputs.dtype)))
        mean = Tensor.wrap(mean)
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def plain(value):
            return value.tolist() if hasattr(value, "tolist") else value
        return {**super().get_config(), "axis": self.axis, "mean": plain(self.input_mean),
                "variance": plain(self.input_variance), "invert": self.invert}

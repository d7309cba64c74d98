"""Initializers that draw random numbers, Keras 3's family.

Every draw comes from ``nerve.backend.rng()`` (so ``nerve.utils.set_random_seed``
makes weights reproducible), unless the initializer has its own ``seed``: then
each call starts a fresh generator from that seed and returns the same values,
as Keras documents for seeded initializers.

The variance-scaling family picks the spread from the weight's fans:

    fan_in  = receptive_field · in_channels,   fan_out = receptive_field · out_channels

(a Dense kernel (in, out) has receptive field 1; a Conv2D kernel (kh, kw, in, out)
has kh·kw), then n = fan_in, fan_out or their mean, and
uniform: U(−√(3·scale/n), √(3·scale/n));  normal: N(0, scale/n), truncated at two
standard deviations (the stddev divided by 0.8796, the std of a unit normal so truncated).
"""

import math

from .. import backend
from .initializer import Initializer, standardize_dtype, standardize_shape

_TRUNCATED_STD = 0.87962566103423978   # std of N(0, 1) truncated to [−2, 2]


def compute_fans(shape):
    """(fan_in, fan_out) of a weight of ``shape``, as Keras computes them.

    Returns:
        scalars and vectors: (n, n); 2-D (in, out): (in, out); kernels (*k, in, out):
        (prod(k)·in, prod(k)·out).
    """
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class RandomInitializer(Initializer):
    """Base of the random initializers: the generator (global, or one per seed)."""

    def __init__(self, seed=None):
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"{type(self).__name__}: `seed` must be None or an int, received {seed!r}")
        self.seed = seed

    def _generator(self):
        if self.seed is None:
            return backend.rng()
        return backend.xp.random.default_rng(self.seed)

    def _normal(self, shape, dtype):
        """Standard normal draws in ``dtype`` (float16 drawn in float32, then cast)."""
        draw_dtype = dtype if dtype in ("float32", "float64") else "float32"
        values = self._generator().standard_normal(shape, dtype=draw_dtype)
        return values if draw_dtype == dtype else values.astype(dtype)

    def _uniform(self, shape, dtype, low, high):
        draw_dtype = dtype if dtype in ("float32", "float64") else "float32"
        values = self._generator().random(shape, dtype=draw_dtype)
        values *= high - low
        values += low
        return values if draw_dtype == dtype else values.astype(dtype)

    def _truncated_normal(self, shape, dtype):
        """Standard normal draws restricted to [−2, 2] (values outside are drawn again)."""
        generator = self._generator()
        draw_dtype = dtype if dtype in ("float32", "float64") else "float32"
        xp = backend.xp
        values = generator.standard_normal(shape, dtype=draw_dtype)
        outside = xp.abs(values) > 2
        while bool(outside.any()):
            values[outside] = generator.standard_normal(int(outside.sum()), dtype=draw_dtype)
            outside = xp.abs(values) > 2
        return values if draw_dtype == dtype else values.astype(dtype)

    def get_config(self):
        return {"seed": self.seed}


def _float_dtype(name, dtype):
    dtype = standardize_dtype(dtype)
    if not backend.is_float_dtype(dtype):
        raise ValueError(f"{name}: random initializers need a float dtype, received {dtype!r}")
    return dtype


class RandomNormal(RandomInitializer):
    """W ~ N(mean, stddev²).

    Args:
        mean: mean of the normal (default 0.0).
        stddev: standard deviation (default 0.05).
        seed: None (draw from the global generator) or an int (same values every call).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype("RandomNormal", dtype)
        values = self._normal(standardize_shape(shape, "RandomNormal"), dtype)
        return values * values.dtype.type(self.stddev) + values.dtype.type(self.mean)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomInitializer):
    """W ~ N(mean, stddev²) restricted to mean ± 2·stddev (values beyond are drawn again).

    Args:
        mean: mean (default 0.0).
        stddev: standard deviation before truncation (default 0.05).
        seed: None or an int.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype("TruncatedNormal", dtype)
        values = self._truncated_normal(standardize_shape(shape, "TruncatedNormal"), dtype)
        return values * values.dtype.type(self.stddev) + values.dtype.type(self.mean)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(RandomInitializer):
    """W ~ U(minval, maxval).

    Args:
        minval: lower bound (default −0.05).
        maxval: upper bound (default 0.05).
        seed: None or an int.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype("RandomUniform", dtype)
        return self._uniform(standardize_shape(shape, "RandomUniform"), dtype, self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(RandomInitializer):
    """Draws with variance scale / n, n the fan chosen by ``mode`` (see the module docstring).

    Args:
        scale: positive scaling factor (default 1.0).
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: None or an int.
    """

    _modes = ("fan_in", "fan_out", "fan_avg")
    _distributions = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        name = type(self).__name__
        if scale <= 0.0:
            raise ValueError(f"{name}: `scale` must be positive, received {scale!r}")
        if mode not in self._modes:
            raise ValueError(f"{name}: `mode` must be one of {self._modes}, received {mode!r}")
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in self._distributions:
            raise ValueError(f"{name}: `distribution` must be one of {self._distributions}, "
                             f"received {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        name = type(self).__name__
        dtype = _float_dtype(name, dtype)
        shape = standardize_shape(shape, name)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return self._uniform(shape, dtype, -limit, limit)
        if self.distribution == "truncated_normal":
            values = self._truncated_normal(shape, dtype)
            values *= values.dtype.type(math.sqrt(scale) / _TRUNCATED_STD)
        else:
            values = self._normal(shape, dtype)
            values *= values.dtype.type(math.sqrt(scale))
        return values

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution: only ``seed`` is configurable."""

    preset = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        super().__init__(*self.preset, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: U(−√(6/(fan_in + fan_out)), +√(6/(fan_in + fan_out)))."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated N(0, 2/(fan_in + fan_out))."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """He normal: truncated N(0, 2/fan_in), for ReLU networks."""

    preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: U(−√(6/fan_in), +√(6/fan_in))."""

    preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun normal: truncated N(0, 1/fan_in), for SELU networks."""

    preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: U(−√(3/fan_in), +√(3/fan_in))."""

    preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """W = gain · Q, Q from the QR decomposition of a normal matrix (rows or columns orthonormal).

    The weight is viewed as a matrix (prod(shape[:-1]), shape[-1]); the signs of
    Q's columns are fixed by R's diagonal so Q is uniformly distributed.

    Args:
        gain: multiplicative factor (default 1.0).
        seed: None or an int.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype("Orthogonal", dtype)
        shape = standardize_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of rank >= 2, received shape {shape}")
        xp = backend.xp
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._normal((max(rows, cols), min(rows, cols)), "float64")
        q, r = xp.linalg.qr(a)
        q *= xp.sign(xp.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}

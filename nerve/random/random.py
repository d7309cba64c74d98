"""Random draws with Keras 3's names, arguments and seeding (see :mod:`.seed_generator`).

Every function takes ``seed``: None (the global generator), an int (stateless: the same values
each call) or a :class:`SeedGenerator` (a new key per call). Float draws have ``floatx()`` dtype
unless ``dtype`` says otherwise; the results are Tensors that need no gradient, except
``dropout`` and ``shuffle``, which are differentiable in their input. Draws are made by NumPy
(then moved to the active device), so a seed gives the same values on CPU and GPU.
"""

import numbers

import numpy

from .. import backend, ops
from ..tensor import Tensor, as_tensor
from .seed_generator import draw_generator

__all__ = ["beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]


def _shape(shape, where):
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0 for n in shape):
        raise ValueError(f"{where}: `shape` must be a tuple of non-negative ints, received {shape!r}")
    return tuple(int(n) for n in shape)


def _float_dtype(dtype, where):
    dtype = backend.standardize_dtype(dtype or backend.floatx())
    if not backend.is_float_dtype(dtype):
        raise ValueError(f"{where}: `dtype` must be a float dtype, received {dtype!r}")
    return dtype


def _wrap(array, dtype):
    return Tensor.wrap(backend.xp.asarray(array.astype(dtype, copy=False)))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²)."""
    shape, dtype = _shape(shape, "normal"), _float_dtype(dtype, "normal")
    draws = _generator(seed, "normal").standard_normal(shape, dtype="float64")
    return _wrap(draws * stddev + mean, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of U[minval, maxval)."""
    shape, dtype = _shape(shape, "uniform"), _float_dtype(dtype, "uniform")
    draws = _generator(seed, "uniform").random(shape, dtype="float64")
    return _wrap(minval + draws * (maxval - minval), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev²) kept within two standard deviations of the mean (values beyond
    are drawn again, as Keras's)."""
    shape, dtype = _shape(shape, "truncated_normal"), _float_dtype(dtype, "truncated_normal")
    generator = _generator(seed, "truncated_normal")
    draws = generator.standard_normal(shape, dtype="float64")
    outside = abs(draws) > 2
    while outside.any():
        draws[outside] = generator.standard_normal(int(outside.sum()), dtype="float64")
        outside = abs(draws) > 2
    return _wrap(draws * stddev + mean, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    shape = _shape(shape, "randint")
    if not maxval > minval:
        raise ValueError(f"randint: `maxval` must be above `minval`, received minval={minval}, maxval={maxval}")
    draws = _generator(seed, "randint").integers(minval, maxval, size=shape)
    return _wrap(draws, backend.standardize_dtype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn with
    probabilities softmax(logits): argmax of logits + Gumbel noise. Returns (batch, num_samples)."""
    logits = backend.to_numpy(as_tensor(logits).data).astype("float64")
    if logits.ndim != 2:
        raise ValueError(f"categorical: `logits` must have shape (batch, classes), received {logits.shape}")
    generator = _generator(seed, "categorical")
    uniform_draws = generator.random((logits.shape[0], int(num_samples), logits.shape[1]))
    gumbel = -numpy.log(-numpy.log(uniform_draws + 1e-20) + 1e-20)
    samples = (logits[:, None, :] + gumbel).argmax(axis=-1)
    return _wrap(samples, backend.standardize_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: zero each element with probability ``rate``, scale the rest by 1/(1 − rate)."""
    return ops.dropout(inputs, rate, noise_shape=noise_shape,
                       seed=draw_generator(seed, backend.array_module(as_tensor(inputs).data), "dropout"))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order (differentiable in ``x``)."""
    x = as_tensor(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"shuffle: `axis` {axis} is out of range for an input of rank {x.ndim}")
    order = _generator(seed, "shuffle").permutation(x.shape[axis])
    return ops.take(x, backend.xp.asarray(order), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of Gamma(alpha, 1) (shape ``alpha``, scale 1)."""
    shape, dtype = _shape(shape, "gamma"), _float_dtype(dtype, "gamma")
    return _wrap(_generator(seed, "gamma").gamma(alpha, size=shape), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of Beta(alpha, beta)."""
    shape, dtype = _shape(shape, "beta"), _float_dtype(dtype, "beta")
    return _wrap(_generator(seed, "beta").beta(alpha, beta, size=shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of Binomial(counts, probabilities), as floats (Keras's default dtype)."""
    shape, dtype = _shape(shape, "binomial"), _float_dtype(dtype, "binomial")
    draws = _generator(seed, "binomial").binomial(counts, probabilities, size=shape)
    return _wrap(draws, dtype)


def _generator(seed, where):
    return draw_generator(seed, numpy, where)

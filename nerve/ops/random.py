"""Random ops: dropout.

Every draw comes from ``nerve.backend.rng`` (so ``nerve.utils.set_random_seed`` makes
it reproducible) unless an explicit ``seed`` asks for a local generator.
"""

import numbers

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor

__all__ = ["dropout"]


class Dropout(Function):
    """y = x · m / (1 − rate), m ~ Bernoulli(1 − rate) (inverted dropout: E[y] = x);
    dy/dx = m / (1 − rate), the same scaled mask.

    The scaled mask is drawn by the caller and kept (in the noise shape, broadcast
    against x) for backward.
    """

    def __init__(self, scaled_mask):
        self.scaled_mask = scaled_mask

    def forward(self, x):
        return x * self.scaled_mask

    def backward(self, gy):
        return (gy * self.scaled_mask,)


def dropout(x, rate, noise_shape=None, seed=None, training=True):
    """Zero each element with probability ``rate`` and scale the survivors by 1/(1 − rate).

        y = x · m / (1 − rate),   m ~ Bernoulli(1 − rate) drawn in ``noise_shape``

    Args:
        x: float tensor (integer tensors are cast to ``floatx()``).
        rate: drop probability, a number in [0, 1).
        noise_shape: shape of the mask, broadcast against ``x`` (e.g. (batch, 1, channels) drops
            whole channels of a sequence); ``None`` entries take x's size. Defaults to x's shape.
        seed: None (the global generator, seeded by ``nerve.utils.set_random_seed``), an int
            (a fresh local generator: the same mask on every call), or a NumPy/CuPy Generator.
        training: when False the input is returned unchanged, as with ``rate == 0``.
    Returns:
        Tensor of x's shape and dtype.
    Shape:
        mask (noise_shape) broadcasts to x's shape; each entry is 0 or 1/(1 − rate).
    """
    x = as_tensor(x)
    rate = _check_rate(rate)
    if not training or rate == 0:
        return x
    if not backend.is_float_dtype(x.dtype):
        x = as_tensor(x, backend.floatx())
    xp = backend.array_module(x.data)
    shape = _noise_shape(x.shape, noise_shape)
    keep = 1.0 - rate
    uniform = _generator(seed, xp).random(shape, dtype="float32")
    scaled_mask = (uniform < keep).astype(x.dtype)
    scaled_mask *= x.dtype.type(1.0 / keep)
    return Dropout(scaled_mask)(x)


def _check_rate(rate):
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"dropout: `rate` must be a number in [0, 1), received {rate!r}")
    return float(rate)


def _noise_shape(shape, noise_shape):
    if noise_shape is None:
        return shape
    noise_shape = tuple(noise_shape)
    concrete = tuple(n if m is None else m for m, n in zip(noise_shape, shape))
    if len(noise_shape) != len(shape) or any(m not in (1, n) for m, n in zip(concrete, shape)):
        raise ValueError(
            f"dropout: `noise_shape` {noise_shape} must have one entry per axis of the input "
            f"{tuple(shape)}, each equal to the input's size, 1 (broadcast) or None"
        )
    return concrete


def _generator(seed, xp):
    if seed is None:
        return backend.rng(xp)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return xp.random.default_rng(int(seed))
    if hasattr(seed, "random"):
        return seed
    raise TypeError(f"dropout: `seed` must be None, an int or a random Generator, received {seed!r}")

"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
ActivityRegularization. All but the last act only when called with ``training=True``
(``fit`` does) and return their input unchanged otherwise.
"""

from .. import backend, ops, regularizers
from ..tensor import Tensor
from .layer import InputSpec, Layer
from .layer_utils import describe, rate_in_unit_interval, spatial_description, standardize_data_format


class _Random(Layer):
    """A layer that draws noise: from the global generator, or its own one when given a ``seed``
    (then reproducible across runs, and different on each call)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{describe(self)}: `seed` must be None or an int, received {seed!r}")
        self.seed = seed
        self._generator = None if seed is None else backend.xp.random.default_rng(seed)

    def _rng(self):
        return backend.rng() if self._generator is None else self._generator

    def compute_output_shape(self, input_shape):
        return input_shape


class Dropout(_Random):
    """Sets each input to 0 with probability ``rate`` during training, scaling the rest by 1/(1 − rate).

        y = x · m / (1 − rate),  m ~ Bernoulli(1 − rate)   (identity at inference)

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        noise_shape: shape of the mask, broadcast against the input (None entries take the
            input's size), e.g. (batch, 1, features) drops the same features at every step.
        seed: optional int for a reproducible sequence of masks.
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = rate_in_unit_interval(rate, "rate", describe(self), closed_right=False)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return ops.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs), seed=self._rng())

    def _noise_shape(self, inputs):
        return self.noise_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class _SpatialDropout(Dropout):
    """Drops whole channels: the mask has shape (batch, 1, ..., 1, channels)."""

    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = standardize_data_format(data_format, describe(self))
        self.input_spec = InputSpec(ndim=self.rank + 2, description=spatial_description(self.rank, self.data_format))

    def _noise_shape(self, inputs):
        shape = [1] * inputs.ndim
        shape[0] = inputs.shape[0]
        channel_axis = 1 if self.data_format == "channels_first" else -1
        shape[channel_axis] = inputs.shape[channel_axis]
        return tuple(shape)

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        del config["noise_shape"]
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of (batch, steps, channels)."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of (batch, h, w, channels)."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of (batch, d, h, w, channels)."""

    rank = 3


def _normal_like(generator, inputs):
    """Standard normal noise of the input's shape and float dtype, as a constant Tensor."""
    dtype = inputs.dtype if inputs.dtype in ("float32", "float64") else "float32"
    noise = generator.standard_normal(inputs.shape, dtype=dtype)
    return Tensor.wrap(noise.astype(inputs.dtype, copy=False))


class GaussianNoise(_Random):
    """Adds N(0, stddev²) noise during training (a data augmentation for real-valued inputs).

    Args:
        stddev: standard deviation of the noise.
        seed: optional int.
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"{describe(self)}: `stddev` must be a non-negative number, received {stddev!r}")
        self.stddev = stddev

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        return inputs + _normal_like(self._rng(), inputs) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Random):
    """Multiplies the inputs by 1-centred Gaussian noise N(1, rate/(1 − rate)) during training.

    Args:
        rate: drop probability (as Dropout) that sets the noise's variance rate/(1 − rate).
        seed: optional int.
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = rate_in_unit_interval(rate, "rate", describe(self), closed_right=False)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = (self.rate / (1.0 - self.rate)) ** 0.5
        return inputs * (_normal_like(self._rng(), inputs) * stddev + 1.0)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Passes its input through and adds the penalty l1·Σ|x| + l2·Σx² to ``losses``.

    Args:
        l1, l2: the factors (default 0.0).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config

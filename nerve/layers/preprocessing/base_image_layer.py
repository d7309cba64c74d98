"""BaseImageLayer: what every image preprocessing and augmentation layer shares.

Images are channels_last, batched ``(batch, height, width, channels)`` or single
``(height, width, channels)``. A random layer draws its parameters per sample, in
one vectorized call, from ``nerve.backend.rng()`` (so ``nerve.utils.set_random_seed``
reproduces them) or, when built with ``seed=``, from a generator of its own.

Random layers transform only in training. As in Keras 3, ``training`` defaults to
True when the layer is called by itself (``layer(images)`` augments) and follows the
model otherwise: ``fit`` passes True, ``predict`` and ``evaluate`` pass False, and
then the layer returns its input unchanged. Augmentation is data-side work on raw
arrays: no gradient flows back through a random layer.
"""

from ... import backend, ops
from ...tensor import Tensor
from ..layer import Layer


class BaseImageLayer(Layer):
    """Base of image layers: rank check, unbatched inputs, float casting, random draws.

    Random subclasses implement ``transform(images, rng)`` on a raw float array of shape
    ``(batch, height, width, channels)`` and return the transformed raw array.
    Deterministic ones (``random = False``: they transform at inference too) override
    ``apply(images)`` on a batched Tensor with differentiable ops.
    """

    random = True
    changes_shape = False

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{type(self).__name__}: nerve images are channels_last, received data_format={data_format!r}"
            )
        self.seed = seed
        self._own_rng = None

    def _rng(self, xp):
        """The generator this layer draws from: its own when seeded, else nerve's global one."""
        if self.seed is None:
            return backend.rng(xp)
        if self._own_rng is None:
            self._own_rng = xp.random.default_rng(self.seed)
        return self._own_rng

    def call(self, inputs, training=None):
        images = self._as_float(inputs)
        if images.ndim not in (3, 4):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected images of rank 4 (batch, height, width, "
                f"channels) or 3 (height, width, channels), received shape {tuple(images.shape)}"
            )
        active = training is None or bool(training)   # called by itself, Keras 3 augments
        if self.random and not active and not self.changes_shape:
            return images
        single = images.ndim == 3
        if single:
            images = ops.expand_dims(images, 0)
        out = self.apply(images) if active or not self.random else self.inference(images)
        return ops.squeeze(out, 0) if single else out

    def apply(self, images):
        """The transformation of a batch (a Tensor); random layers work on its raw array."""
        array = images.data
        return Tensor.wrap(self.transform(array, self._rng(backend.array_module(array))))

    def inference(self, images):
        """What a random layer returns outside training, for a batch: its input."""
        return images

    def transform(self, images, rng):
        """The random transformation of a raw float array (batch, height, width, channels)."""
        raise NotImplementedError

    def _as_float(self, inputs):
        if backend.is_float_dtype(inputs.dtype):
            return inputs
        return inputs.astype(self.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        if self.random:
            config["seed"] = self.seed
        return config


def factor_range(factor, name, layer_name, bounds=(-1.0, 1.0)):
    """``(lower, upper)`` from a Keras factor: a number ``f`` means ``(-|f|, |f|)``, a pair is sorted."""
    if isinstance(factor, (tuple, list)) and len(factor) == 2:
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        lower, upper = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(
            f"{layer_name}: `{name}` must be a number or a pair (lower, upper), received {factor!r}"
        )
    if lower < bounds[0] or upper > bounds[1]:
        raise ValueError(
            f"{layer_name}: `{name}` must lie in [{bounds[0]}, {bounds[1]}], received {factor!r}"
        )
    return lower, upper


def check_choice(value, choices, name, layer_name):
    if value not in choices:
        raise ValueError(f"{layer_name}: `{name}` must be one of {choices}, received {value!r}")
    return value

"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax and nerve's Maxout."""

from .. import activations, constraints, initializers, ops, regularizers
from .layer import Layer
from ..ops.reduction import normalize_axis
from .layer_utils import describe, positive_int


class _Elementwise(Layer):
    """An activation layer: the output has the input's shape."""

    def compute_output_shape(self, input_shape):
        return input_shape


def _non_negative(value, name, owner, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{owner}: `{name}` must be a non-negative number, received {value!r}")
    return value


class ReLU(_Elementwise):
    """Rectified linear unit with Keras's options (see ``nerve.activations.relu``).

        f(x) = min(x, max_value) for x >= threshold, negative_slope·(x − threshold) otherwise

    Args:
        max_value: saturation value (None: none).
        negative_slope: slope below the threshold (default 0).
        threshold: where the unit switches on (default 0).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        owner = describe(self)
        self.max_value = _non_negative(max_value, "max_value", owner, allow_none=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", owner)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(f"{owner}: `threshold` must be a number, received {threshold!r}")
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """f(x) = x for x > 0, negative_slope·x otherwise.

    Args:
        negative_slope: slope for x <= 0 (Keras 3's default 0.3; ``alpha`` is its old name).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", describe(self))

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(_Elementwise):
    """Parametric ReLU: f(x) = x for x >= 0, α·x otherwise, with α learned.

        f(x) = relu(x) − α·relu(−x)

    Args:
        alpha_initializer: initializer of α (default zeros).
        alpha_regularizer, alpha_constraint: optional.
        shared_axes: axes (1-based, batch excluded) along which α is shared, e.g. [1, 2]
            for one α per channel of an image.
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"{describe(self)}: shared axis {axis} is out of range for inputs of "
                                 f"shape {input_shape} (axes count from 1, after the batch axis)")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"{describe(self)}: non-shared axes must be known, received shape {input_shape}")
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
                                     name="alpha")
        self.built = True

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(_Elementwise):
    """f(x) = x for x > 0, α(eˣ − 1) otherwise.

    Args:
        alpha: scale of the negative part (default 1.0).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """softmax(x) = e^x / Σ e^x over ``axis``.

    Args:
        axis: int or list of ints (default −1).

    Call args:
        mask: optional boolean tensor broadcastable to the input; masked-out entries
            (False) get probability ~0 (Keras adds −1e9 to their logits).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            adder = (1.0 - ops.cast(mask, inputs.dtype)) * -1e9
            inputs = inputs + adder
        return ops.softmax(inputs, axis=self.axis if isinstance(self.axis, int) else tuple(self.axis))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Maxout(Layer):
    """Maxout (Goodfellow et al., 2013; nerve extra): the max over groups of features.

        y_u = max_{j<k} x[u·k + j],  k = features / num_units

    Args:
        num_units: number of outputs along ``axis`` (must divide its size).
        axis: the feature axis (default −1).
    """

    def __init__(self, num_units, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.num_units = positive_int(num_units, "num_units", describe(self))
        self.axis = axis

    def build(self, input_shape):
        axis = normalize_axis(self.axis, len(input_shape), describe(self), sort=False)[0]
        size = input_shape[axis]
        if size is not None and size % self.num_units:
            raise ValueError(f"{describe(self)}: axis {self.axis} of size {size} (input shape {input_shape}) "
                             f"is not a multiple of num_units={self.num_units}")
        self.built = True

    def call(self, inputs):
        return ops.maxout(inputs, self.num_units, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.axis] = self.num_units
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "num_units": self.num_units, "axis": self.axis}

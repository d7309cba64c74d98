"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization and
nerve's InstanceNormalization (GroupNormalization with one group per channel).

All compute y = γ·(x − μ)/√(σ² + ε) + β; they differ in which values share μ and σ²:
the batch and spatial axes per channel (batch norm), the feature axes per sample
(layer norm), or groups of channels per sample (group and instance norm).
Weights are created in Keras's order: gamma, beta (then batch norm's moving_mean,
moving_variance).
"""

from .. import constraints, initializers, ops, regularizers
from .layer import InputSpec, Layer
from ..ops.reduction import normalize_axis
from .layer_utils import describe


class _Affine(Layer):
    """The shared γ (scale) and β (center) arguments and weights."""

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _add_affine_weights(self, shape):
        if self.scale:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")

    def _known_sizes(self, input_shape, axes):
        sizes = tuple(input_shape[a] for a in axes)
        if None in sizes:
            raise ValueError(f"{describe(self)}: the normalized axes {axes} of the input must be known, "
                             f"received shape {tuple(input_shape)}")
        return sizes

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


class BatchNormalization(_Affine):
    """Normalizes each channel with the statistics of the batch (training) or moving averages (inference).

    Training (``training=True`` and the layer trainable): μ, σ² = mean and biased variance
    over every axis but ``axis``; then, outside the graph,
        moving_mean     ← moving_mean·momentum     + μ·(1 − momentum)
        moving_variance ← moving_variance·momentum + σ²·(1 − momentum).
    Inference (or a frozen layer, as Keras 3): μ, σ² = moving_mean, moving_variance.

    Args:
        axis: the channel axis (default −1).
        momentum: of the moving averages (default 0.99; PyTorch's momentum is 1 − this).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to learn β and γ.
        *_initializer, *_regularizer, *_constraint: for beta, gamma and the moving statistics.

    Weights:
        [gamma, beta, moving_mean, moving_variance], each of shape (channels,).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{describe(self)}: `axis` must be an int, received {axis!r}")
        self.axis = axis
        self.momentum = momentum
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        axis = normalize_axis(self.axis, len(input_shape), describe(self), sort=False)[0]
        shape = self._known_sizes(input_shape, (axis,))
        self._add_affine_weights(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: shape[0]})
        self.built = True

    def call(self, inputs, training=None):
        if training and self.trainable:
            outputs, mean, variance = ops.fused_batch_normalization(
                inputs, self.gamma, self.beta, axis=self.axis, epsilon=self.epsilon)
            self._update_moving(self.moving_mean, mean)
            self._update_moving(self.moving_variance, variance)
            return outputs
        return ops.batch_normalization(inputs, self.moving_mean, self.moving_variance, axis=self.axis,
                                       offset=self.beta, scale=self.gamma, epsilon=self.epsilon)

    def _update_moving(self, variable, batch_value):
        """moving ← moving + (batch − moving)·(1 − momentum), in place (no graph)."""
        delta = batch_value.data - variable.data
        delta *= 1.0 - self.momentum
        variable.data += delta

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": self.synchronized,
        }


class LayerNormalization(_Affine):
    """Normalizes each sample over ``axis`` (the features): μ, σ² per sample.

    Args:
        axis: int or list of ints to normalize over (default −1).
        epsilon: added to the variance (default 1e-3; PyTorch's default is 1e-5).
        center, scale: whether to learn β and γ (shaped like the normalized axes).
        rms_scaling: RMS normalization instead: y = γ·x/√(mean(x²) + ε) (no centering, no β).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center and not rms_scaling, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self._center_arg = center
        self.rms_scaling = rms_scaling

    def build(self, input_shape):
        self._axes = normalize_axis(self.axis, len(input_shape), describe(self), sort=False)
        self._add_affine_weights(self._known_sizes(input_shape, self._axes))
        self.built = True

    def call(self, inputs):
        if self.rms_scaling:
            mean_square = ops.mean(ops.square(inputs), axis=self._axes, keepdims=True)
            outputs = inputs / ops.sqrt(mean_square + self.epsilon)
            if self.gamma is not None:
                outputs = outputs * self._broadcast(self.gamma, inputs.ndim)
            return outputs
        return ops.layer_normalization(inputs, self.gamma, self.beta, axis=self._axes, epsilon=self.epsilon)

    def _broadcast(self, weight, rank):
        shape = [1] * rank
        for a, n in zip(self._axes, weight.shape):
            shape[a] = n
        return ops.reshape(weight, shape)

    def get_config(self):
        config = {**super().get_config(), "axis": self.axis, "rms_scaling": self.rms_scaling}
        config["center"] = self._center_arg
        return config


class GroupNormalization(_Affine):
    """Normalizes each sample over groups of channels (Wu & He, 2018).

    The channels split into ``groups`` groups of consecutive channels; μ, σ² are taken per
    sample and group over the spatial axes and the group's channels; γ, β are per channel.

    Args:
        groups: number of groups (default 32; −1: one group per channel, i.e. instance norm).
        axis: the channel axis (default −1).
        epsilon: added to the variance (default 1e-3).
        center, scale: whether to learn β and γ.

    Weights:
        [gamma, beta], each of shape (channels,).
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups < 1 and groups != -1):
            raise ValueError(f"{describe(self)}: `groups` must be a positive int or -1, received {groups!r}")
        self.groups = groups
        self.axis = axis

    def build(self, input_shape):
        axis = normalize_axis(self.axis, len(input_shape), describe(self), sort=False)[0]
        channels = self._known_sizes(input_shape, (axis,))[0]
        groups = channels if self.groups == -1 else self.groups
        if channels < groups or channels % groups:
            raise ValueError(f"{describe(self)}: {channels} channels (axis {self.axis} of input shape "
                             f"{tuple(input_shape)}) cannot be split into groups={self.groups} equal groups")
        self._groups = groups
        self._move = axis != len(input_shape) - 1
        self._axis = axis
        self._add_affine_weights((channels,))
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.built = True

    def call(self, inputs):
        x = ops.moveaxis(inputs, self._axis, -1) if self._move else inputs
        y = self._normalize(x)
        return ops.moveaxis(y, -1, self._axis) if self._move else y

    def _normalize(self, x):
        return ops.group_normalization(x, self._groups, self.gamma, self.beta, epsilon=self.epsilon)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis}


class InstanceNormalization(GroupNormalization):
    """Instance normalization (Ulyanov et al., 2016; nerve extra): μ, σ² per sample and channel
    over the spatial axes. GroupNormalization with one group per channel.

    Args:
        axis: the channel axis (default −1); epsilon, center, scale and the weight arguments
            as GroupNormalization.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, **kwargs):
        kwargs.pop("groups", None)
        super().__init__(groups=-1, axis=axis, epsilon=epsilon, center=center, scale=scale, **kwargs)

    def _normalize(self, x):
        return ops.instance_normalization(x, self.gamma, self.beta, epsilon=self.epsilon)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        return config

"""Core layers: Dense, Activation, Identity, Lambda, Embedding."""

import inspect

from .. import activations, constraints, initializers, ops, regularizers
from .layer import InputSpec, Layer
from .layer_utils import describe, positive_int


class Dense(Layer):
    """Densely connected layer: ``output = activation(inputs @ kernel + bias)``.

    Inputs of rank > 2 are multiplied along their last axis (as Keras). The product
    and the bias run as one fused op (``nerve.ops.affine``).

    Args:
        units: dimension of the output.
        activation: activation name or callable (None: linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional constraints applied after each update.

    Shape:
        (batch, ..., input_dim) -> (batch, ..., units). Weights: kernel (input_dim, units), bias (units,).

    Example:
        >>> Dense(3)(nerve.ops.ones((2, 5))).shape
        (2, 3)
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = positive_int(units, "units", describe(self))
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None
        self.input_spec = InputSpec(min_ndim=2, description="(batch, ..., features)")

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{describe(self)}: the last axis of the input must be known to build the "
                             f"kernel, received shape {input_shape}")
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim}, description="(batch, ..., features)")
        self.built = True

    def call(self, inputs):
        if inputs.dtype != self.kernel.dtype:          # integer inputs: compute in the layer's dtype
            inputs = ops.cast(inputs, self.kernel.dtype)
        x = ops.affine(inputs, self.kernel, self.bias)
        return x if self._linear else self.activation(x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Applies an activation function: ``output = activation(inputs)``.

    Args:
        activation: a name ("relu", "softmax", ...) or a callable.
    """

    supports_masking = True       # passes its input's mask on (Keras)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Identity(Layer):
    """Returns its input unchanged (a placeholder in architectures)."""

    supports_masking = True       # passes its input's mask on (Keras)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps a function of tensors as a layer: ``output = function(inputs, **arguments)``.

    Args:
        function: the function; it may take ``training`` and ``mask`` keywords.
        output_shape: None (found by running the function), a shape without the batch
            axis, or a callable ``input_shape -> output_shape``.
        mask: kept for Keras compatibility (nerve does not propagate masks).
        arguments: extra keyword arguments for ``function``.

    Config: a named module-level function is stored by module and name and found
    again on load; a ``lambda`` cannot be stored (nerve never pickles or marshals code).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"{describe(self)}: `function` must be callable, received {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        if output_shape is not None and not callable(output_shape):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):
            parameters = {}
        self._fn_takes_training = "training" in parameters

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + self._output_shape

    def get_config(self):
        from ..saving.object_registry import get_custom_objects, get_registered_name
        fn = self.function
        qualname = getattr(fn, "__qualname__", "")
        registered = get_custom_objects().get(get_registered_name(fn)) is fn     # found again by that name
        if not registered and ("<lambda>" in qualname or "<locals>" in qualname or not hasattr(fn, "__module__")):
            function = {"class_name": "lambda", "config": qualname or repr(fn)}
        else:
            function = {"class_name": "function", "module": fn.__module__, "config": qualname,
                        "registered_name": get_registered_name(fn)}
        output_shape = self._output_shape
        if callable(output_shape):
            output_shape = None
        return {**super().get_config(), "function": function, "output_shape": output_shape,
                "arguments": self.arguments}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        function = config.pop("function")
        if isinstance(function, dict):
            if function.get("class_name") != "function":
                raise ValueError(
                    f"Lambda '{config.get('name')}': its function {function.get('config')!r} was a lambda "
                    "or a nested function, which nerve cannot rebuild from a config (it never stores "
                    "code); define it at module level, or rebuild the layer in code"
                )
            from ..saving.object_registry import resolve_lambda_function
            function = resolve_lambda_function(function, config.get("name"))
        return cls(function, **config)


class Embedding(Layer):
    """Turns integer indices into dense vectors: ``output = embeddings[inputs]``.

    The gradient reaches the rows that were looked up (``ops.take``'s backward adds
    the gradients of repeated indices).

    Args:
        input_dim: vocabulary size (largest index + 1).
        output_dim: size of each vector.
        embeddings_initializer: default "uniform" (U(−0.05, 0.05)).
        embeddings_regularizer, embeddings_constraint: optional.
        mask_zero: whether index 0 is padding (see ``compute_mask``).
        weights: optional initial value [embeddings] (builds the layer at once).

    Shape:
        (batch, ...) of ints -> (batch, ..., output_dim). Weight: embeddings (input_dim, output_dim).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, activity_regularizer=None,
                 **kwargs):
        kwargs.pop("input_length", None)          # deprecated in Keras 3, ignored as there
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = positive_int(input_dim, "input_dim", describe(self))
        self.output_dim = positive_int(output_dim, "output_dim", describe(self))
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.embeddings = None
        if weights is not None:
            self.build(None)
            self.set_weights(weights if isinstance(weights, (list, tuple)) else [weights])

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        indices = getattr(inputs, "data", None)
        if indices is not None and indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            bad = int(indices.min()) if indices.min() < 0 else int(indices.max())
            raise ValueError(f"{describe(self)}: index {bad} is not in [0, {self.input_dim}) (input_dim="
                             f"{self.input_dim}); indices must be valid rows of the embedding table")
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _symbolic_output_dtype(self, inputs):
        return self.dtype

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }

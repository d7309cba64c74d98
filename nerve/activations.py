"""nerve.activations: activation functions by name, as ``keras.activations``.

``get`` resolves what layers accept for ``activation=``: None or "linear" (the
identity), a name ("relu", "softmax", "gelu", ...), a serialized dict or any
callable. ``serialize`` gives back the name of a built-in, as Keras writes it in
a layer's config. The functions themselves are thin wrappers over ``nerve.ops``
(each with its analytic backward there) with Keras's arguments and defaults.
"""

import inspect

from . import ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's options.

        f(x) = min(x, max_value)                 for x >= threshold
        f(x) = negative_slope · (x − threshold)  otherwise

    Args:
        x: input tensor.
        negative_slope: slope below the threshold (default 0).
        max_value: saturation value, or None for none.
        threshold: where the unit switches on (default 0).
    """
    if negative_slope == 0 and threshold == 0:
        if max_value is None:
            return ops.relu(x)
        if max_value == 6:
            return ops.relu6(x)
    if negative_slope != 0 and max_value is None and threshold == 0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    x = ops.convert_to_tensor(x)
    if threshold != 0:
        positive = ops.where(ops.greater(x, threshold), x, 0.0)
    else:
        positive = ops.relu(x)
    if max_value is not None:
        positive = ops.minimum(positive, float(max_value))
    if negative_slope != 0:
        positive = positive - negative_slope * ops.relu(threshold - x)
    return positive


def relu6(x):
    """min(max(x, 0), 6)."""
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope·x otherwise."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, α(eˣ − 1) otherwise."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU: 1.0507·elu(x, 1.6733) (self-normalizing networks)."""
    return ops.selu(x)


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, α(e^(x/α) − 1))."""
    return ops.elu(ops.divide(x, alpha), alpha=1.0) * alpha if alpha != 1.0 else ops.elu(x, alpha=1.0)


def softplus(x):
    """log(1 + eˣ)."""
    return ops.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return ops.softsign(x)


def silu(x):
    """x·σ(x) (swish)."""
    return ops.silu(x)


def gelu(x, approximate=False):
    """x·Φ(x), Φ the standard normal CDF (the tanh approximation with ``approximate=True``)."""
    return ops.gelu(x, approximate=approximate)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def sigmoid(x):
    """1 / (1 + e^(−x))."""
    return ops.sigmoid(x)


def log_sigmoid(x):
    """log σ(x) = −softplus(−x)."""
    return ops.log_sigmoid(x)


def exponential(x):
    """eˣ."""
    return ops.exp(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return ops.hard_sigmoid(x)


def hard_silu(x):
    """x · hard_sigmoid(x) (hard swish)."""
    return ops.hard_silu(x)


def hard_tanh(x):
    """clip(x, −1, 1)."""
    return ops.clip(x, -1.0, 1.0)


def tanh_shrink(x):
    """x − tanh(x)."""
    return ops.subtract(x, ops.tanh(x))


def mish(x):
    """x · tanh(softplus(x))."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def linear(x):
    """The identity (what ``activation=None`` means)."""
    return x


def softmax(x, axis=-1):
    """e^x / Σ e^x over ``axis`` (an int or a tuple of ints)."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """x − logsumexp(x) over ``axis``."""
    return ops.log_softmax(x, axis=axis)


swish = silu
hard_swish = hard_silu

_FUNCTIONS = (
    relu, relu6, leaky_relu, elu, selu, celu, softplus, softsign, silu, gelu, tanh, sigmoid, log_sigmoid,
    exponential, hard_sigmoid, hard_silu, hard_tanh, tanh_shrink, mish, linear, softmax, log_softmax,
)
ALL_OBJECTS = {fn.__name__: fn for fn in _FUNCTIONS}
ALL_OBJECTS.update({"swish": silu, "hard_swish": hard_silu})
_NAMES = {fn: name for name, fn in ALL_OBJECTS.items() if name == fn.__name__}


def serialize(activation):
    """How a layer's config stores ``activation``, as Keras writes it.

    A built-in gives its name ("relu"); another function gives ``{"module", "class_name":
    "function", "config": its registered name ("package>name" when registered with
    ``@nerve.saving.register_keras_serializable``, else its own name), "registered_name"}``; an object with ``get_config`` (a layer such as
    ``LeakyReLU``) gives its class/config dict.
    """
    from .saving.serialization import serialize_keras_object
    if activation is None:
        return "linear"
    name = _NAMES.get(activation)
    if name is not None:
        return name
    function_name = getattr(activation, "__name__", None)
    if function_name in ALL_OBJECTS and ALL_OBJECTS[function_name] is activation:
        return function_name
    if hasattr(activation, "get_config") or inspect.isfunction(activation):
        # a function: {"class_name": "function", "config": its registered name}; loading finds it
        # only if registered or passed in custom_objects (as Keras)
        return serialize_keras_object(activation)
    raise ValueError(
        f"activations.serialize: cannot serialize activation {activation!r}; use a built-in name "
        f"({sorted(ALL_OBJECTS)}), a function registered with @nerve.saving.register_keras_serializable(), "
        "or an object with get_config()"
    )


def deserialize(config, custom_objects=None):
    """The activation a name or a ``serialize`` dict describes: a built-in or registered function,
    or a layer (``LeakyReLU``...), looked up through the gate of ``nerve.saving`` (never imported)."""
    from .saving.object_registry import nerve_objects
    from .saving.serialization import deserialize_keras_object
    if isinstance(config, str):
        from .saving.object_registry import get_registered_object
        found = get_registered_object(config, custom_objects, ALL_OBJECTS)
        if found is None:
            raise ValueError(f"activations.deserialize: unknown activation {config!r}; expected one of "
                             f"{sorted(ALL_OBJECTS)} or a registered function")
        return found
    if not isinstance(config, dict):
        raise ValueError(f"activations.deserialize: unknown activation {config!r:.200}")
    allowed = {**nerve_objects("layers"), **ALL_OBJECTS}
    return deserialize_keras_object(config, custom_objects=custom_objects, module_objects=allowed,
                                    printable_module_name="activations.deserialize")


def get(identifier):
    """An activation function from None/"linear" (identity), a name, a dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        from .saving.object_registry import get_registered_object
        fn = get_registered_object(identifier, module_objects=ALL_OBJECTS)
        if fn is None:
            raise ValueError(f"activations.get: unknown activation {identifier!r}; expected one of "
                             f"{sorted(ALL_OBJECTS)}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"activations.get: could not interpret activation identifier {identifier!r}")


__all__ = sorted(ALL_OBJECTS) + ["serialize", "deserialize", "get"]

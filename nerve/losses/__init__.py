"""nerve.losses: Keras 3's loss classes and functions.

Classes (``MeanSquaredError()``, ``CategoricalCrossentropy(from_logits=True)``, ...) reduce
to one number; functions (``mean_squared_error``, ``mse``, ...) return per-sample losses.
:func:`get` resolves names, classes, config dicts and callables to a ``Loss`` instance.
"""

from ..utils.registry import deserialize_object, get_object, lookup_function, lookup_name, serialize_object
from .classification import (
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    CategoricalHinge, Hinge, KLDivergence, SparseCategoricalCrossentropy, SquaredHinge,
)
from .functions import (  # noqa: F401
    BCE, KLD, MAE, MAPE, MSE, MSLE, bce, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, categorical_hinge, cosine_similarity, hinge,
    huber, kl_divergence, kld, log_cosh, logcosh, mae, mape, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse, msle, poisson,
    sparse_categorical_crossentropy, squared_hinge,
)
from .loss import Loss, LossFunctionWrapper, reduce_weighted_values  # noqa: F401
from .regression import (
    CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson,
)

_CLASSES = (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity, Poisson, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy, KLDivergence, Hinge, SquaredHinge, CategoricalHinge,
)
_FUNCTIONS = (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    huber, log_cosh, cosine_similarity, poisson, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy, binary_focal_crossentropy, categorical_focal_crossentropy, kl_divergence, hinge,
    squared_hinge, categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy, "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error, "mse": mean_squared_error,
    "MSE": mean_squared_error, "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error, "logcosh": log_cosh,
})


def get_function(name):
    """The loss function registered under ``name`` ("mse", "categorical_crossentropy", ...)."""
    return lookup_function(name, ALL_OBJECTS_DICT, "losses", "loss")


def serialize(loss):
    """A loss as Keras's dict ``{"module", "class_name", "config", "registered_name"}``; a
    function as its name."""
    if isinstance(loss, Loss):
        return serialize_object(loss, Loss, "losses")
    if callable(loss) and getattr(loss, "__name__", None) in ALL_OBJECTS_DICT:
        return loss.__name__
    raise TypeError(f"losses.serialize: expected a Loss or a nerve loss function, received {loss!r}")


def deserialize(config, custom_objects=None):
    """A loss from ``serialize``'s output: a dict (-> a Loss instance) or a name (-> the function)."""
    if (isinstance(config, dict) and config.get("class_name") == "function"
            and isinstance(config.get("config"), str)):
        config = config["config"]            # a function, as serialize_keras_object writes it
    if isinstance(config, str):
        return lookup_name(config, ALL_OBJECTS_DICT, "losses", "loss", custom_objects)
    return deserialize_object(config, ALL_OBJECTS_DICT, "losses", "loss", custom_objects)


def get(identifier):
    """A ``Loss`` instance for ``identifier`` (None gives None).

    Accepts a Loss (returned as is), a Loss class (instantiated with its defaults), a
    name of a class or function ("mse", "categorical_crossentropy", "Huber", ...), a
    config dict, or any callable ``fn(y_true, y_pred)`` returning per-sample losses.
    Functions are wrapped in a ``LossFunctionWrapper`` named after the identifier, as
    Keras's ``compile`` does, so the result always reduces to one number.
    """
    return get_object(identifier, ALL_OBJECTS_DICT, Loss, deserialize, "losses", "loss",
                      wrap_function=LossFunctionWrapper)


__all__ = sorted(set(ALL_OBJECTS_DICT) | {"get", "serialize", "deserialize", "get_function"})

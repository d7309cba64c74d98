"""Loss: a per-sample loss function plus the reduction to one number (Keras 3's contract).

``loss(y_true, y_pred, sample_weight=None)``:

1. converts ``y_true`` and ``y_pred`` to the loss's dtype (float32), keeping the graph;
2. computes per-sample values with ``call`` (shape (batch,) or (batch, ...));
3. multiplies by ``sample_weight`` (and by a mask, e.g. ``ignore_class``);
4. reduces: "sum_over_batch_size" (default; = "mean") Σ values / number of values,
   "sum" Σ values, "mean_with_sample_weight" Σ values / Σ weights, "none"/None no reduction.

Everything is done with differentiable ops, so ``loss(...).backward()`` reaches the model.
"""

from .. import backend, ops
from ..ops.loss_functions import squeeze_or_expand_to_same_rank
from ..tensor import Tensor, as_tensor
from ..utils.configurable import FromConfig
from ..utils.naming import to_snake_case

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction, owner="Loss"):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{owner}: invalid value for argument `reduction`. Expected one of {list(REDUCTIONS)}. "
            f"Received: reduction={reduction!r}"
        )
    return reduction


def convert(x, dtype):
    """``x`` as a Tensor of ``dtype``; a Tensor in a graph is cast with a differentiable op."""
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else ops.cast(x, dtype)
    return as_tensor(x, dtype)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask into the sample weights (Keras's rule).

    With a mean reduction valid entries get weight total/valid, so the mean runs over
    valid entries only.
    """
    if mask is None:
        return sample_weight
    mask = mask.astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = float(mask.sum())
        mask *= mask.size / valid if valid else 0.0
    mask = Tensor.wrap(mask)
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    return sample_weight * mask


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce already-weighted per-sample ``values`` (a Tensor) to what ``reduction`` asks for."""
    if reduction is None or reduction == "none" or values.ndim == 0 or values.shape == (0,):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = float(ops.sum(sample_weight).data)
        else:
            divisor = float(values.size)
        loss = loss / divisor if divisor else loss * 0.0
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           dtype=None):
    """Weight per-sample ``values`` by ``sample_weight`` and ``mask``, then reduce.

    ``sample_weight`` broadcasts from the left: shape (batch,) weights each sample of
    values shaped (batch, ...) (Keras 3 broadcasts from the right; nerve follows the
    Keras 2 / tf.keras meaning, which is what per-sample weights intend).
    """
    dtype = dtype or values.dtype
    if sample_weight is not None:
        sample_weight = convert(sample_weight, dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if 0 < sample_weight.ndim < values.ndim:
            extra = (1,) * (values.ndim - sample_weight.ndim)
            sample_weight = sample_weight.reshape(tuple(sample_weight.shape) + extra)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss(FromConfig):
    """Base class: subclasses define ``call(y_true, y_pred)`` -> per-sample losses.

    Args:
        name: the loss's name.
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: the dtype inputs are converted to and the loss is computed in (default floatx).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction, type(self).__name__)
        self._dtype = dtype

    @property
    def dtype(self):
        return backend.standardize_dtype(self._dtype or backend.floatx())

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss: a scalar Tensor (per-sample Tensor with reduction "none")."""
        dtype = self.dtype
        y_pred = convert(y_pred, dtype)
        y_true = convert(y_true, dtype)
        values = self.call(y_true, y_pred)
        mask = self.compute_mask(y_true, y_pred)
        y_pred_mask = getattr(y_pred, "_keras_mask", None)
        if y_pred_mask is not None and mask is None:
            mask = y_pred_mask.data if isinstance(y_pred_mask, Tensor) else y_pred_mask
        return reduce_weighted_values(values, sample_weight, mask, self.reduction, dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred)")

    def compute_mask(self, y_true, y_pred):
        """A boolean array of the per-sample shape marking valid entries, or None (all valid)."""
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} reduction={self.reduction}>"


class LossFunctionWrapper(Loss):
    """A Loss from a function ``fn(y_true, y_pred, **kwargs)`` returning per-sample losses.

    Ranks of ``y_true`` and ``y_pred`` that differ by a trailing axis of size 1 are matched
    first (``squeeze_or_expand_to_same_rank``).
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper and isinstance(config.get("fn"), str):
            from . import get_function
            config["fn"] = get_function(config["fn"])
        return cls(**config)

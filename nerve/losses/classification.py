"""Classification losses: cross-entropies (plain and focal), hinges, KL divergence.

Each class is its function (``nerve.losses.functions``) wrapped with a reduction;
names, arguments and defaults are Keras 3's.
"""

from . import functions as F
from .loss import LossFunctionWrapper
from .regression import _Plain


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot labels: −Σ t·log p over the class axis, then reduced over the batch.

    Args:
        from_logits: ``y_pred`` holds logits (softmax fused into the loss) rather than probabilities.
        label_smoothing: t ← t·(1 − s) + s/C.
        axis: the class axis (default −1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(F.categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer labels: −log p[label], then reduced over the batch.

    Labels equal to ``ignore_class`` are left out: their loss is 0 and, with a mean
    reduction, they do not count in the divisor.

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities.
        ignore_class: a label value to ignore, or None.
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(F.sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def compute_mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        mask = F.ignore_mask(y_true, self.ignore_class)
        if mask.ndim == y_pred.ndim and mask.shape[-1] == 1:
            mask = mask[..., 0]
        return mask


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy averaged over ``axis``, then reduced over the batch.

    Args:
        from_logits: ``y_pred`` holds logits (sigmoid fused into the loss) rather than probabilities.
        label_smoothing: t ← t·(1 − s) + s/2.
        axis: the axis averaged per sample (default −1).
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(F.binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal loss on binary labels (Lin et al., 2017): (1 − p_t)^γ · BCE, optionally α-balanced.

    Args:
        apply_class_balancing: weight positives by α and negatives by 1 − α.
        alpha: the balancing weight (default 0.25).  gamma: the focusing exponent (default 2.0).
        from_logits, label_smoothing, axis: as ``BinaryCrossentropy``.
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(F.binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal loss on one-hot labels: Σ α·(1 − p)^γ · (−t·log p) over the class axis, then reduced.

    Args:
        alpha: the weighting factor (default 0.25).  gamma: the focusing exponent (default 2.0).
        from_logits, label_smoothing, axis: as ``CategoricalCrossentropy``.
        reduction, name, dtype: as ``Loss``.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(F.categorical_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class KLDivergence(_Plain):
    """Kullback–Leibler divergence Σ t·log(t/p) over the last axis, then reduced over the batch."""

    fn = staticmethod(F.kl_divergence)
    default_name = "kl_divergence"


class Hinge(_Plain):
    """mean(max(1 − t·y_pred, 0)) over the last axis, labels in {−1, 1} (0/1 are converted)."""

    fn = staticmethod(F.hinge)
    default_name = "hinge"


class SquaredHinge(_Plain):
    """mean(max(1 − t·y_pred, 0)²) over the last axis, labels in {−1, 1} (0/1 are converted)."""

    fn = staticmethod(F.squared_hinge)
    default_name = "squared_hinge"


class CategoricalHinge(_Plain):
    """max(max_{neg}(y_pred) − y_pred[pos] + 1, 0) per sample, one-hot labels, then reduced."""

    fn = staticmethod(F.categorical_hinge)
    default_name = "categorical_hinge"

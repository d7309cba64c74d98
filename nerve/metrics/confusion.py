"""Confusion-matrix metrics: counts at thresholds, Precision, Recall, AUC (ROC and PR).

A prediction counts as positive at threshold t when it is strictly greater than t; a
label is positive when it is non-zero. Counts are weighted by ``sample_weight`` and
gathered for all thresholds at once: each prediction is placed among the sorted
thresholds (``searchsorted``), the weights are binned (``bincount``) and a reverse
cumulative sum gives the count above each threshold, in O(n + thresholds).
"""

from .. import backend
from ..tensor import Tensor
from .metric import Metric, as_array, squeeze_or_expand_to_same_rank

NEG_INF = -1e10
_EPSILON = 1e-7


def parse_thresholds(thresholds, default, owner):
    """A list of thresholds in [0, 1] (``default`` when None)."""
    if thresholds is None:
        return [default]
    values = [thresholds] if isinstance(thresholds, (int, float)) else [float(t) for t in thresholds]
    invalid = [t for t in values if not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"{owner}: threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in values]


def _filter_top_k(x, k):
    """Keep each row's k largest entries (first ones win ties); the rest become −1e10."""
    xp = backend.array_module(x)
    top = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
    keep = xp.zeros(x.shape, dtype=bool)
    xp.put_along_axis(keep, top, True, axis=-1)
    return xp.where(keep, x, NEG_INF)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None, class_id=None,
                     multi_label=False, label_weights=None, dtype="float32"):
    """Weighted true/false positives/negatives at each threshold (prediction > threshold).

    Args:
        y_true: labels (non-zero = positive), shape of y_pred up to a trailing 1.
        y_pred: scores, shape (batch, ...); flattened unless ``multi_label``.
        thresholds: sequence of T thresholds (any order).
        sample_weight: broadcast from the left to y_pred's shape.
        top_k: count only each row's k highest scores as candidates.
        class_id: look at this column of the last axis only.
        multi_label: y_pred is (batch, labels): counts per label.
        label_weights: per-label weights (last axis) when not ``multi_label``.
    Returns:
        dict of arrays "tp", "fp", "tn", "fn", shape (T,) or (T, labels).
    """
    y_pred = as_array(y_pred, dtype)
    xp = backend.array_module(y_pred)
    y_true = as_array(y_true, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion metrics: y_true of shape {y_true.shape} does not match y_pred of "
                         f"shape {y_pred.shape}")
    weights = None
    if sample_weight is not None:
        weights = as_array(sample_weight, dtype)
        y_pred, weights = squeeze_or_expand_to_same_rank(y_pred, weights, expand_rank_1=False)
        if 0 < weights.ndim < y_pred.ndim:
            weights = weights.reshape(weights.shape + (1,) * (y_pred.ndim - weights.ndim))
        weights = xp.broadcast_to(weights, y_pred.shape)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        weights = None if weights is None else weights[..., class_id]
    if label_weights is not None and not multi_label:
        lw = xp.broadcast_to(xp.asarray(label_weights, dtype=dtype), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"multi_label confusion metrics expect y_pred of rank 2, received {y_pred.shape}")
        labels = y_pred.shape[1]
    else:
        labels = 1
    positive = (y_true != 0).reshape(-1)
    scores = y_pred.reshape(-1)
    weights = xp.ones(scores.shape, dtype="float64") if weights is None else weights.reshape(-1)

    thresholds = xp.asarray(thresholds, dtype=dtype)
    count = thresholds.shape[0]
    order = xp.argsort(thresholds, kind="stable")
    below = xp.searchsorted(thresholds[order], scores, side="left")    # thresholds strictly below
    if multi_label:
        below = below * labels + xp.tile(xp.arange(labels), y_pred.shape[0])
    bins = (count + 1) * labels

    def above(mask):
        binned = xp.bincount(below, weights=weights * mask, minlength=bins).reshape(count + 1, labels)
        counts = xp.cumsum(binned[::-1], axis=0)[::-1][1:]       # weight strictly above each threshold
        out = xp.empty_like(counts)
        out[order] = counts
        total = binned.sum(axis=0)
        return (out, total) if multi_label else (out[:, 0], total[0])

    tp, positives = above(positive)
    fp, negatives = above(~positive)
    cast = {"tp": tp, "fp": fp, "tn": negatives - fp, "fn": positives - tp}
    return {key: value.astype(dtype) for key, value in cast.items()}


class _ConfusionMetric(Metric):
    """Base of metrics kept as counts per threshold; subclasses name the counts they keep."""

    counts = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = NEG_INF if top_k is not None else 0.5
        self.thresholds = parse_thresholds(thresholds, default, type(self).__name__)
        names = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
                 "fn": "false_negatives"}
        self._state = {key: self.add_variable((len(self.thresholds),), name=names[key]) for key in self.counts}

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                  self.class_id, dtype=self._dtype)
        for key, variable in self._state.items():
            variable.data += backend.to_device(counts[key], backend.device_of(variable.data))

    def _vector_or_scalar(self, values):
        if len(self.thresholds) == 1:
            return self._scalar(values[0])
        return Tensor.wrap(values.astype(self._dtype))

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


def _divide_no_nan(a, b):
    xp = backend.array_module(a)
    safe = xp.where(b == 0, 1, b)
    return xp.where(b == 0, 0, a / safe)


class Precision(_ConfusionMetric):
    """tp / (tp + fp): the fraction of predicted positives that are positive.

    Args:
        thresholds: a float or list in [0, 1] (default 0.5; a list gives one result each).
        top_k: count only each sample's k highest scores as positive predictions.
        class_id: measure this class (column) only.
    """

    counts = ("tp", "fp")

    def result(self):
        tp, fp = self._state["tp"].data, self._state["fp"].data
        return self._vector_or_scalar(_divide_no_nan(tp, tp + fp))


class Recall(_ConfusionMetric):
    """tp / (tp + fn): the fraction of positives predicted positive.

    Args: as ``Precision``.
    """

    counts = ("tp", "fn")

    def result(self):
        tp, fn = self._state["tp"].data, self._state["fn"].data
        return self._vector_or_scalar(_divide_no_nan(tp, tp + fn))


class _Count(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._vector_or_scalar(self._state[self.counts[0]].data)

    def get_config(self):
        return dict(Metric.get_config(self), thresholds=self.init_thresholds)


class TruePositives(_Count):
    """The weighted number of positives predicted positive (score > threshold)."""
    counts = ("tp",)


class FalsePositives(_Count):
    """The weighted number of negatives predicted positive."""
    counts = ("fp",)


class TrueNegatives(_Count):
    """The weighted number of negatives predicted negative."""
    counts = ("tn",)


class FalseNegatives(_Count):
    """The weighted number of positives predicted negative."""
    counts = ("fn",)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at ``num_thresholds`` thresholds.

    The curve's points are (FPR, TPR) for "ROC" or (recall, precision) for "PR" at each
    threshold; "interpolation" sums trapezoids (ROC) or integrates the precision
    interpolated as Davis & Goadrich (2006) do (PR); "minoring"/"majoring" take the
    lower/upper rectangle. Thresholds are evenly spaced in [0, 1] (with −ε and 1 + ε at the
    ends) unless given.

    Args:
        num_thresholds: the number of thresholds (> 1, default 200).
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] (overrides ``num_thresholds``).
        multi_label: y_pred is (batch, labels): one curve per label, averaged (else all pooled).
        num_labels: the number of labels with ``multi_label`` (else taken from the first batch).
        label_weights: per-label weights (the average's weights with ``multi_label``).
        from_logits: apply a sigmoid to y_pred first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: invalid `curve` argument value {curve!r}; expected 'ROC' or 'PR'")
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: invalid `summation_method` argument value {summation_method!r}; "
                             "expected 'interpolation', 'minoring' or 'majoring'")
        self.curve, self.summation_method = curve, summation_method
        self._init_thresholds = thresholds
        if thresholds is not None:
            inner = sorted(parse_thresholds(thresholds, 0.5, "AUC"))
            self.num_thresholds = len(inner) + 2
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"AUC: argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = [0.0 - _EPSILON] + inner + [1.0 + _EPSILON]
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else [float(w) for w in label_weights]
        self._from_logits = from_logits
        self._built = False
        if not multi_label or num_labels is not None:
            self._build(num_labels)

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self.num_labels = num_labels
        self._state = {key: self.add_variable(shape, name=name) for key, name in (
            ("tp", "true_positives"), ("tn", "true_negatives"), ("fp", "false_positives"),
            ("fn", "false_negatives"))}
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_array(y_pred, self._dtype)
        if not self._built:
            self._build(y_pred.shape[-1])
        if self._from_logits:
            xp = backend.array_module(y_pred)
            y_pred = 0.5 * (xp.tanh(0.5 * y_pred) + 1.0)
        label_weights = None if self.multi_label else self.label_weights
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  multi_label=self.multi_label, label_weights=label_weights, dtype=self._dtype)
        for key, variable in self._state.items():
            variable.data += backend.to_device(counts[key], backend.device_of(variable.data))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def result(self):
        if not self._built:
            return self._scalar(0.0)
        s = {key: v.data.astype("float64") for key, v in self._state.items()}
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(self._interpolate_pr_auc(s))
        recall = _divide_no_nan(s["tp"], s["tp"] + s["fn"])
        if self.curve == "ROC":
            x, y = _divide_no_nan(s["fp"], s["fp"] + s["tn"]), recall
        else:
            x, y = recall, _divide_no_nan(s["tp"], s["tp"] + s["fp"])
        xp = backend.array_module(x)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    @staticmethod
    def _interpolate_pr_auc(s):
        """Σ over threshold intervals of the precision integrated along a linear change in tp and p."""
        xp = backend.array_module(s["tp"])
        tp, p = s["tp"], s["tp"] + s["fp"]
        dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = xp.where(both, _divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        return _divide_no_nan(slope * (dtp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + s["fn"][1:], 0))

    def _average(self, terms):
        """Sum the area terms: per label and averaged (weighted) with ``multi_label``."""
        if not self.multi_label:
            return self._scalar(terms.sum())
        by_label = terms.sum(axis=0)
        if self.label_weights is None:
            return self._scalar(by_label.mean())
        xp = backend.array_module(by_label)
        weights = xp.asarray(self.label_weights)
        total = float(weights.sum())
        return self._scalar(float((by_label * weights).sum()) / total if total else 0.0)

    def get_config(self):
        config = dict(super().get_config(), num_thresholds=self.num_thresholds, curve=self.curve,
                      summation_method=self.summation_method, multi_label=self.multi_label,
                      num_labels=self.num_labels, label_weights=self.label_weights,
                      from_logits=self._from_logits)
        if self._init_thresholds is not None:
            config["thresholds"] = self.thresholds[1:-1]
        return config

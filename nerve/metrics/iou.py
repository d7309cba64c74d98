"""Intersection-over-union metrics for segmentation, from an accumulated confusion matrix.

    IoU_c = TP_c / (TP_c + FP_c + FN_c)

Rows of the confusion matrix are true classes, columns predicted ones; it is built
with one ``bincount`` per batch. Classes absent from both labels and predictions are
left out of the mean.
"""

from .. import backend
from .metric import Metric, as_array

_EPSILON = 1e-7


class IoU(Metric):
    """Mean IoU over ``target_class_ids``.

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes averaged over.
        ignore_class: a label to leave out (its pixels count for nothing), or None.
        sparse_y_true: y_true holds class ids (else scores/one-hot: argmax along ``axis``).
        sparse_y_pred: y_pred holds class ids (else scores: argmax along ``axis``).
        axis: the class axis for the argmax.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        if max(target_class_ids, default=-1) >= num_classes:
            raise ValueError(f"{type(self).__name__}: target_class_ids {list(target_class_ids)} must lie "
                             f"in [0, {num_classes}) (num_classes={num_classes})")
        self.num_classes = num_classes
        self.target_class_ids = list(target_class_ids)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if not self.sparse_y_true:
            y_true = y_true.argmax(axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(axis=self.axis)
        xp = backend.array_module(y_pred)
        y_true = y_true.reshape(-1).astype("int64")
        y_pred = y_pred.reshape(-1).astype("int64")
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true has {y_true.size} entries and y_pred "
                             f"{y_pred.size} (after argmax and flattening); they must match")
        weights = None
        if sample_weight is not None:
            weights = xp.broadcast_to(as_array(sample_weight, "float64").reshape(-1), y_true.shape)
        if self.ignore_class is not None:
            valid = y_true != self.ignore_class
            y_true, y_pred = y_true[valid], y_pred[valid]
            weights = None if weights is None else weights[valid]
        n = self.num_classes
        cm = xp.bincount(y_true * n + y_pred, weights=weights, minlength=n * n)[: n * n].reshape(n, n)
        self.total_cm.data += backend.to_device(cm.astype(self._dtype), backend.device_of(self.total_cm.data))

    def result(self):
        cm = self.total_cm.data.astype("float64")
        xp = backend.array_module(cm)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        true_positives = xp.diagonal(cm)
        denominator = predicted + actual - true_positives
        ids = xp.asarray(self.target_class_ids, dtype="int64")
        true_positives, denominator = true_positives[ids], denominator[ids]
        valid = float((denominator > 1e-9).sum())
        iou = true_positives / (denominator + _EPSILON)
        return self._scalar(float(iou.sum()) / (valid + _EPSILON))

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes,
                    target_class_ids=self.target_class_ids, ignore_class=self.ignore_class,
                    sparse_y_true=self.sparse_y_true, sparse_y_pred=self.sparse_y_pred, axis=self.axis)


class MeanIoU(IoU):
    """Mean IoU over all ``num_classes`` classes (y_true and y_pred as class ids by default)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels and per-class scores (argmax of both along ``axis``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels and per-class scores (argmax of both along ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config

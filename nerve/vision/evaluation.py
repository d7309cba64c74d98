"""Scores of whole-scene predictions: IoU per class for segmentation, average precision for detection.

Segmentation (the FCN papers' figure): per class c, over every pixel of the evaluation set,

    IoU_c = TP_c / (TP_c + FP_c + FN_c),      mean IoU = the mean over the classes present

Detection (PASCAL VOC's figure, mAP@0.5): per class, detections of all images sorted by score;
each is a true positive when it overlaps a not-yet-matched ground-truth box of its class by
IoU ≥ 0.5, else a false positive; AP is the area under the precision-recall curve with precision
made monotone (VOC 2010+'s all-point interpolation, or COCO's 101 recall points); mAP is the mean
over the classes that have ground truth.
"""

import numpy

from .boxes import box_iou


def segmentation_iou(y_true, y_pred, num_classes):
    """Per-class IoU and mean IoU of integer label maps.

    Args:
        y_true, y_pred: arrays of class ids of the same shape (any rank).
        num_classes: ids run from 0 to num_classes − 1.

    Returns:
        ``(per_class, mean)``: per_class is a (num_classes,) float array, NaN for a class found in
        neither; mean is the mean over the other classes.
    """
    y_true = numpy.asarray(y_true).reshape(-1).astype(numpy.int64)
    y_pred = numpy.asarray(y_pred).reshape(-1).astype(numpy.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"segmentation_iou: y_true has {y_true.size} pixels, y_pred {y_pred.size}")
    for name, ids in (("y_true", y_true), ("y_pred", y_pred)):
        if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(f"segmentation_iou: {name} holds class ids outside [0, {num_classes})")
    confusion = numpy.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2)
    confusion = confusion.reshape(num_classes, num_classes).astype(numpy.float64)
    tp = numpy.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - tp
    per_class = numpy.divide(tp, union, out=numpy.full(num_classes, numpy.nan), where=union > 0)
    return per_class, float(numpy.nanmean(per_class)) if numpy.isfinite(per_class).any() else float("nan")


def average_precision(detections, ground_truths, iou_threshold=0.5, interpolation="voc"):
    """Per-class AP and their mean over images.

    Args:
        detections: one ``(boxes (k, 4), scores (k,), classes (k,))`` per image.
        ground_truths: one ``(boxes (g, 4), classes (g,))`` per image, in the same order.
        iou_threshold: the overlap a detection needs to count as finding a box (0.5: mAP@0.5).
        interpolation: "voc" (all points, VOC 2010+) or "coco" (101 recall points).

    Returns:
        ``(per_class, mean)``: a dict class -> AP over the classes with ground truth, and their mean.
    """
    if len(detections) != len(ground_truths):
        raise ValueError(f"average_precision: {len(detections)} images of detections, "
                         f"{len(ground_truths)} of ground truth")
    if interpolation not in ("voc", "coco"):
        raise ValueError(f"average_precision: interpolation must be 'voc' or 'coco', received {interpolation!r}")
    truth_classes = [numpy.asarray(c).reshape(-1) for _, c in ground_truths]
    classes = sorted({int(c) for cs in truth_classes for c in cs})
    per_class = {}
    for cls in classes:
        scores, hits, total = [], [], 0
        for (boxes, det_scores, det_classes), (true_boxes, true_cls) in zip(detections, ground_truths):
            true_boxes = numpy.asarray(true_boxes, numpy.float64).reshape(-1, 4)[numpy.asarray(true_cls) == cls]
            total += len(true_boxes)
            chosen = numpy.asarray(det_classes).reshape(-1) == cls
            if not chosen.any():
                continue
            det_boxes = numpy.asarray(boxes, numpy.float64).reshape(-1, 4)[chosen]
            det_scores = numpy.asarray(det_scores, numpy.float64).reshape(-1)[chosen]
            order = numpy.argsort(-det_scores, kind="stable")
            overlaps = box_iou(det_boxes[order], true_boxes) if len(true_boxes) else None
            matched = numpy.zeros(len(true_boxes), bool)
            for rank, i in enumerate(order):
                hit = False
                if overlaps is not None:
                    candidates = numpy.where(~matched, overlaps[rank], -1.0)
                    best = int(numpy.argmax(candidates))
                    if candidates[best] >= iou_threshold:
                        matched[best] = hit = True
                scores.append(det_scores[i])
                hits.append(hit)
        per_class[cls] = _area(numpy.asarray(scores), numpy.asarray(hits, bool), total, interpolation)
    mean = float(numpy.mean(list(per_class.values()))) if per_class else float("nan")
    return per_class, mean


def _area(scores, hits, total, interpolation):
    """Area under the monotone precision-recall curve of detections with ``scores`` and ``hits``."""
    if total == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    order = numpy.argsort(-scores, kind="stable")
    tp = numpy.cumsum(hits[order])
    fp = numpy.cumsum(~hits[order])
    recall = tp / total
    precision = tp / (tp + fp)
    if interpolation == "coco":
        envelope = numpy.maximum.accumulate(precision[::-1])[::-1]
        points = numpy.linspace(0, 1, 101)
        index = numpy.searchsorted(recall, points, side="left")
        return float(numpy.mean(numpy.where(index < len(envelope), envelope[numpy.minimum(index, len(envelope) - 1)], 0)))
    recall = numpy.concatenate([[0.0], recall, [1.0]])
    precision = numpy.concatenate([[0.0], precision, [0.0]])
    precision = numpy.maximum.accumulate(precision[::-1])[::-1]
    steps = numpy.nonzero(recall[1:] != recall[:-1])[0]
    return float(numpy.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))

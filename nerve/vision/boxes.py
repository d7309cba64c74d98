"""Boxes for detection: overlap, non-maximum suppression, and R-CNN's box regression targets.

Boxes are (x_min, y_min, x_max, y_max) rows in pixels, as torchvision and VOC/COCO evaluation
write them; a box's width is x_max − x_min. Everything here is NumPy on whole arrays of boxes
(no Python loop over pairs), and none of it is differentiable: the network predicts the encoded
offsets, and these functions turn them into boxes and pick which to keep.
"""

import numpy


def box_area(boxes):
    """Area of each box: (x_max − x_min)·(y_max − y_min), zero for an empty box. (n, 4) -> (n,)."""
    boxes = numpy.asarray(boxes, dtype=numpy.float64).reshape(-1, 4)
    return numpy.clip(boxes[:, 2] - boxes[:, 0], 0, None) * numpy.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def box_iou(a, b):
    """Intersection over union of every box of ``a`` (n, 4) with every box of ``b`` (m, 4): (n, m).

        IoU(A, B) = |A ∩ B| / (|A| + |B| − |A ∩ B|)   (0 where the union is empty)
    """
    a = _boxes(a, "box_iou", "a")
    b = _boxes(b, "box_iou", "b")
    top_left = numpy.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = numpy.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = numpy.clip(bottom_right - top_left, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return numpy.divide(inter, union, out=numpy.zeros_like(inter), where=union > 0)


def nms(boxes, scores, iou_threshold=0.5):
    """Greedy non-maximum suppression: the indices of the boxes kept, highest score first.

    Take the best-scoring box left, drop every other box overlapping it by IoU > ``iou_threshold``,
    repeat (torchvision.ops.nms's rule: a box at exactly the threshold is kept).
    """
    boxes = _boxes(boxes, "nms", "boxes")
    scores = numpy.asarray(scores, dtype=numpy.float64).reshape(-1)
    if len(scores) != len(boxes):
        raise ValueError(f"nms: {len(boxes)} boxes but {len(scores)} scores")
    order = numpy.argsort(-scores, kind="stable")
    overlaps = box_iou(boxes, boxes)
    suppressed = numpy.zeros(len(boxes), bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= overlaps[i] > iou_threshold
    return numpy.asarray(keep, dtype=numpy.int64)


def batched_nms(boxes, scores, classes, iou_threshold=0.5):
    """NMS within each class separately (boxes of different classes never suppress each other)."""
    boxes = _boxes(boxes, "batched_nms", "boxes")
    classes = numpy.asarray(classes).reshape(-1)
    if len(boxes) == 0:
        return numpy.zeros(0, numpy.int64)
    shift = (boxes.max() + 1) * classes.astype(numpy.float64)          # move each class out of reach
    return nms(boxes + shift[:, None], scores, iou_threshold)


def encode_boxes(boxes, anchors):
    """R-CNN's regression targets of ``boxes`` relative to ``anchors`` (proposals), both (n, 4):

        t_x = (x − x_a)/w_a,  t_y = (y − y_a)/h_a,  t_w = log(w/w_a),  t_h = log(h/h_a)

    with (x, y) the box centre and (w, h) its size (Girshick et al. 2014, appendix C).
    """
    boxes = _boxes(boxes, "encode_boxes", "boxes")
    anchors = _boxes(anchors, "encode_boxes", "anchors")
    (x, y, w, h), (xa, ya, wa, ha) = _centre_size(boxes), _centre_size(anchors)
    if (w <= 0).any() or (h <= 0).any() or (wa <= 0).any() or (ha <= 0).any():
        raise ValueError("encode_boxes: every box and anchor needs a positive width and height")
    return numpy.stack([(x - xa) / wa, (y - ya) / ha, numpy.log(w / wa), numpy.log(h / ha)], axis=1)


def decode_boxes(deltas, anchors):
    """The inverse of :func:`encode_boxes`: boxes (n, 4) from offsets ``deltas`` and ``anchors``."""
    deltas = numpy.asarray(deltas, dtype=numpy.float64).reshape(-1, 4)
    anchors = _boxes(anchors, "decode_boxes", "anchors")
    xa, ya, wa, ha = _centre_size(anchors)
    x, y = xa + deltas[:, 0] * wa, ya + deltas[:, 1] * ha
    w, h = wa * numpy.exp(numpy.minimum(deltas[:, 2], 10.0)), ha * numpy.exp(numpy.minimum(deltas[:, 3], 10.0))
    return numpy.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1)


def clip_boxes(boxes, height, width):
    """Boxes cut to the image: x in [0, width], y in [0, height]."""
    boxes = _boxes(boxes, "clip_boxes", "boxes").copy()
    boxes[:, 0::2] = numpy.clip(boxes[:, 0::2], 0, width)
    boxes[:, 1::2] = numpy.clip(boxes[:, 1::2], 0, height)
    return boxes


def _centre_size(boxes):
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w, h


def _boxes(boxes, where, name):
    array = numpy.asarray(boxes, dtype=numpy.float64)
    if array.size == 0:
        return array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{where}: {name} must have shape (n, 4) as (x_min, y_min, x_max, y_max), "
                         f"received shape {array.shape}")
    if not numpy.isfinite(array).all():
        raise ValueError(f"{where}: {name} holds NaN or infinite coordinates")
    if (array[:, 2] < array[:, 0]).any() or (array[:, 3] < array[:, 1]).any():
        bad = int(numpy.argmax((array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1])))
        raise ValueError(f"{where}: {name}[{bad}] = {array[bad].tolist()} has x_max < x_min or y_max < y_min")
    return array

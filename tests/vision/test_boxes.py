"""Boxes on hand-made cases: IoU, NMS, box regression round trip, clear errors."""

import numpy as np
import pytest

from nerve.vision import batched_nms, box_iou, clip_boxes, decode_boxes, encode_boxes, nms


def test_iou_by_hand():
    a = [[0, 0, 10, 10]]
    b = [[5, 5, 15, 15], [0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 5, 10]]
    np.testing.assert_allclose(box_iou(a, b), [[25 / 175, 1.0, 0.0, 0.5]])


def test_nms_by_hand():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]]
    scores = [0.9, 0.8, 0.7, 0.95]
    # box 3 (0.95) wins; box 0 overlaps it by 0.9 and box 1 by 81/110 (both go); box 2 stays
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [3, 2])
    np.testing.assert_array_equal(nms(boxes, scores, 0.95), [3, 0, 1, 2])


def test_batched_nms_keeps_other_classes():
    boxes = [[0, 0, 10, 10], [0, 0, 10, 10]]
    np.testing.assert_array_equal(batched_nms(boxes, [0.9, 0.8], [1, 2]), [0, 1])
    np.testing.assert_array_equal(batched_nms(boxes, [0.9, 0.8], [1, 1]), [0])


def test_encode_decode_round_trip():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 40, (20, 2))
    anchors = np.concatenate([xy, xy + rng.uniform(4, 30, (20, 2))], axis=1)
    p = rng.uniform(0, 40, (20, 2))
    boxes = np.concatenate([p, p + rng.uniform(4, 30, (20, 2))], axis=1)
    deltas = encode_boxes(boxes, anchors)
    np.testing.assert_allclose(decode_boxes(deltas, anchors), boxes, atol=1e-9)
    np.testing.assert_allclose(encode_boxes(anchors, anchors), 0, atol=1e-12)   # a box on itself: no offset


def test_bad_boxes_are_named():
    with pytest.raises(ValueError, match=r"boxes\[1\].*x_max < x_min"):
        nms([[0, 0, 1, 1], [5, 0, 2, 1]], [0.5, 0.4])
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        box_iou([[0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="NaN"):
        box_iou([[0, 0, np.nan, 1]], [[0, 0, 1, 1]])
    np.testing.assert_array_equal(clip_boxes([[-5, 2, 70, 80]], 64, 64), [[0, 2, 64, 64]])

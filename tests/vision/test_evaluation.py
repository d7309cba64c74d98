"""Segmentation IoU and detection AP on hand-made inputs, and AP against pycocotools."""

import numpy as np
import pytest

from nerve.vision import average_precision, segmentation_iou


def test_segmentation_iou_by_hand():
    y_true = np.array([[0, 0, 1, 1], [0, 2, 2, 1]])
    y_pred = np.array([[0, 1, 1, 1], [0, 2, 0, 1]])
    per_class, mean = segmentation_iou(y_true, y_pred, num_classes=4)
    # class 0: TP 2, FP 1 (pixel (1,2)), FN 1 (pixel (0,1)) -> 2/4; class 1: TP 3, FP 1 -> 3/4; class 2: 1/2
    np.testing.assert_allclose(per_class[:3], [0.5, 0.75, 0.5])
    assert np.isnan(per_class[3])                      # absent from both: left out of the mean
    assert mean == pytest.approx((0.5 + 0.75 + 0.5) / 3)


def test_segmentation_mean_matches_meaniou_metric():
    from nerve import metrics
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, (3, 8, 8)), rng.integers(0, 5, (3, 8, 8))
    metric = metrics.MeanIoU(num_classes=5)
    metric.update_state(y_true, y_pred)
    assert segmentation_iou(y_true, y_pred, 5)[1] == pytest.approx(float(metric.result().data), rel=1e-6)


def test_average_precision_by_hand():
    truth = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([1, 1]))]
    # the best-scored detection hits, the second misses, the third hits: precision 1, 1/2, 2/3
    detections = [(np.array([[0, 0, 10, 10], [50, 50, 60, 60], [21, 21, 30, 30]]), np.array([0.9, 0.8, 0.7]),
                   np.array([1, 1, 1]))]
    per_class, mean = average_precision(detections, truth)
    # VOC all-point: recall 0.5 at precision 1, recall 1.0 at precision 2/3 -> 0.5·1 + 0.5·2/3
    assert per_class[1] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert mean == pytest.approx(per_class[1])
    duplicate = [(np.array([[0, 0, 10, 10], [0, 0, 10, 10]]), np.array([0.9, 0.8]), np.array([1, 1]))]
    per_class, _ = average_precision(duplicate, truth)
    assert per_class[1] == pytest.approx(0.5)          # a box found twice counts once


def test_average_precision_matches_pycocotools():
    coco_module = pytest.importorskip("pycocotools.coco")
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    rng = np.random.default_rng(3)
    images, annotations, results, detections, truths = [], [], [], [], []
    for image_id in range(1, 31):
        n = int(rng.integers(1, 5))
        xy = rng.uniform(0, 48, (n, 2))
        true = np.concatenate([xy, xy + rng.uniform(8, 20, (n, 2))], axis=1)
        true_cls = rng.integers(1, 4, n)
        keep = rng.random(n) < 0.8                              # some boxes found, jittered
        det = true[keep] + rng.normal(0, 2.5, (keep.sum(), 4))
        det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)
        det_cls = np.where(rng.random(keep.sum()) < 0.85, true_cls[keep], rng.integers(1, 4, keep.sum()))
        extra = rng.integers(0, 3)                              # and some false alarms
        exy = rng.uniform(0, 48, (extra, 2))
        det = np.concatenate([det, np.concatenate([exy, exy + 12], axis=1)])
        det_cls = np.concatenate([det_cls, rng.integers(1, 4, extra)])
        scores = rng.random(len(det))
        images.append({"id": image_id, "width": 64, "height": 64})
        for box, cls in zip(true, true_cls):
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(cls),
                                "bbox": [*box[:2], *(box[2:] - box[:2])], "area": float(np.prod(box[2:] - box[:2])),
                                "iscrowd": 0})
        for box, cls, score in zip(det, det_cls, scores):
            results.append({"image_id": image_id, "category_id": int(cls), "score": float(score),
                            "bbox": [float(v) for v in (*box[:2], *(box[2:] - box[:2]))]})
        detections.append((det, scores, det_cls))
        truths.append((true, true_cls))
    gt = coco_module.COCO()
    gt.dataset = {"images": images, "annotations": annotations,
                  "categories": [{"id": c} for c in (1, 2, 3)]}
    gt.createIndex()
    evaluation = cocoeval.COCOeval(gt, gt.loadRes(results), "bbox")
    evaluation.params.iouThrs = np.array([0.5])
    evaluation.params.areaRng = [[0, 1e10]]
    evaluation.params.areaRngLbl = ["all"]
    evaluation.params.maxDets = [100]
    evaluation.evaluate()
    evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, :, 0, 0]    # (recall points, classes)
    expected = precision.mean(axis=0)
    per_class, mean = average_precision(detections, truths, interpolation="coco")
    np.testing.assert_allclose([per_class[c] for c in (1, 2, 3)], expected, atol=1e-9)
    assert mean == pytest.approx(expected.mean())

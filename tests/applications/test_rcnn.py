"""R-CNN and Fast R-CNN: sampling, warping, the loss, post-processing, a few training steps, saving."""

import numpy as np
import pytest

from nerve import optimizers, utils
from nerve.applications.fast_rcnn import FastRCNN
from nerve.applications.rcnn import (BOX_WEIGHTS, RCNN, check_scene, detection_loss, postprocess, sample_rois,
                                     warp_regions)
from nerve.autodiff import grad
from nerve.tensor import Variable
from nerve.vision import box_iou, encode_boxes

TRUTH = np.array([[10.0, 10.0, 30.0, 30.0]])
PROPOSALS = np.array([
    [10, 10, 30, 30],        # IoU 1
    [12, 10, 32, 30],        # IoU 0.82
    [14, 12, 34, 32],        # IoU 0.62
    [18, 18, 38, 38],        # IoU 0.22 -> background
    [20, 10, 40, 30],        # IoU 0.33 -> neither (ignored)
    [40, 40, 60, 60],        # IoU 0 -> background
    [0, 40, 20, 60],         # IoU 0 -> background
], dtype=float)


def test_sample_rois_positives_negatives_and_targets():
    iou = box_iou(PROPOSALS, TRUTH)[:, 0]
    assert iou[3] < 0.3 and 0.3 <= iou[4] < 0.5 and iou[2] >= 0.5
    boxes, classes, targets = sample_rois(PROPOSALS, TRUTH, [7], rois=8, positive_fraction=0.25,
                                          rng=np.random.default_rng(0))
    assert len(boxes) == 5                       # 2 positives (25% of 8) + the only 3 background boxes there are
    assert (classes[:2] == 8).all() and (classes[2:] == 0).all()
    best = box_iou(boxes, TRUTH)[:, 0]
    assert (best[:2] >= 0.5).all() and (best[2:] < 0.3).all()
    assert not any(np.allclose(b, PROPOSALS[4]) for b in boxes)          # 0.3 <= IoU < 0.5 is never drawn
    np.testing.assert_allclose(targets[:2], encode_boxes(TRUTH.repeat(2, 0), boxes[:2]) * BOX_WEIGHTS)
    assert (targets[2:] == 0).all()
    # the true box joins the pool; a larger budget takes every positive (4 of them: 3 proposals + truth)
    _, classes, _ = sample_rois(PROPOSALS, TRUTH, [7], rois=32, positive_fraction=0.5, rng=np.random.default_rng(0))
    assert (classes == 8).sum() == 4 and (classes == 0).sum() == 3


def test_sample_rois_empty_scene_gives_background_only():
    boxes, classes, targets = sample_rois(PROPOSALS, np.zeros((0, 4)), [], rois=4, rng=np.random.default_rng(0))
    assert len(boxes) == 4 and (classes == 0).all() and (targets == 0).all()
    with pytest.raises(ValueError, match="labels"):
        sample_rois(PROPOSALS, TRUTH, [1, 2])


def test_warp_is_bilinear_crop_and_resize():
    ys, xs = np.mgrid[0:16, 0:20].astype(np.float32)
    image = (xs + 10 * ys)[None, :, :, None]                    # linear: bilinear sampling is exact
    crop = warp_regions(image, [[4, 2, 12, 10]], [0], size=4)
    sample = 4 + (np.arange(4) + 0.5) * 2 - 0.5                 # x (and y - 2 + 4) of the output pixels' centres
    expected = sample[None, :] + 10 * (sample[:, None] - 2)
    np.testing.assert_allclose(crop[0, :, :, 0], expected, rtol=1e-6)
    # the whole image at its own size is the image; context dilates the box about its centre
    whole = warp_regions(image[:, :16, :16], [[0, 0, 16, 16]], [0], size=16)
    np.testing.assert_allclose(whole, image[:, :16, :16], atol=1e-4)
    padded = warp_regions(image, [[6, 4, 10, 8]], [0], size=8, context=2)          # = the box (4, 2, 12, 10)
    np.testing.assert_allclose(padded, warp_regions(image, [[4, 2, 12, 10]], [0], size=8), atol=1e-5)
    with pytest.raises(ValueError, match="context"):
        warp_regions(image, [[0, 0, 4, 4]], [0], size=4, context=2)


def test_postprocess_decodes_and_suppresses_per_class():
    proposals = np.array([[10, 10, 30, 30], [11, 11, 31, 31], [10, 10, 30, 30], [40, 40, 50, 60]], float)
    logits = np.full((4, 11), -10.0)
    logits[0, 1 + 3], logits[1, 1 + 3] = 5.0, 4.0                   # two overlapping 3s: NMS keeps the first
    logits[2, 1 + 5] = 3.0                                            # a 5 on the same spot: another class
    logits[3, 0] = 5.0                                                # background
    deltas = np.zeros((4, 40))
    shifted = np.array([[12.0, 10.0, 32.0, 30.0]])
    deltas[0, 12:16] = encode_boxes(shifted, proposals[:1])[0] * BOX_WEIGHTS   # class 3's offsets of proposal 0
    boxes, scores, classes = postprocess(proposals, logits, deltas, 64, 64, score_threshold=0.5)
    assert classes.tolist() == [3, 5]
    np.testing.assert_allclose(boxes, [shifted[0], proposals[2]], atol=1e-9)
    assert scores[0] > scores[1] > 0.5
    empty = postprocess(np.zeros((0, 4)), np.zeros((0, 11)), np.zeros((0, 40)), 64, 64)
    assert empty[0].shape == (0, 4) and len(empty[1]) == 0
    with pytest.raises(ValueError, match="expected logits"):
        postprocess(proposals, logits[:, :10], deltas, 64, 64)


def test_detection_loss_regresses_only_the_true_class_of_positives():
    rng = np.random.default_rng(0)
    logits = Variable(rng.standard_normal((3, 11)).astype(np.float32))
    deltas = Variable(rng.standard_normal((3, 40)).astype(np.float32))
    classes = np.array([4, 0, 10])
    targets = np.array([[0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], [5.0, -5.0, 0.0, 0.0]])
    loss = detection_loss(logits, deltas, classes, targets)
    g_deltas = np.asarray(grad(loss, [deltas])[0].data)
    assert np.abs(g_deltas[1]).max() == 0                                   # background: no regression
    assert np.abs(g_deltas[0, 12:16]).min() > 0 and np.abs(np.delete(g_deltas[0], range(12, 16))).max() == 0
    assert np.abs(g_deltas[2, 36:40]).max() > 0
    d = deltas.data.reshape(3, 10, 4)
    chosen = np.stack([d[0, 3], d[2, 9]]) - targets[[0, 2]]
    smooth = np.where(np.abs(chosen) < 1, 0.5 * chosen ** 2, np.abs(chosen) - 0.5).sum(1).mean()
    z = logits.data - logits.data.max(1, keepdims=True)
    ce = -(z[np.arange(3), classes] - np.log(np.exp(z).sum(1))).mean()
    np.testing.assert_allclose(float(loss.data), ce + smooth, rtol=1e-5)


def _toy_scenes():
    """Two 32x32 scenes: bright bars of two kinds; the labels are exact by construction."""
    images = np.zeros((2, 32, 32, 1), np.uint8)
    images[0, 4:16, 4:10] = 255                 # class 1: a tall bar
    images[0, 18:28, 16:28] = 180               # class 2: a square block
    images[1, 10:22, 20:26] = 255
    boxes = [np.array([[4, 4, 10, 16], [16, 18, 28, 28]], float), np.array([[20, 10, 26, 22]], float)]
    labels = [np.array([1, 2]), np.array([1])]
    return images, boxes, labels


@pytest.mark.parametrize("kind", ["rcnn", "fast_rcnn"])
def test_a_few_steps_decrease_the_loss_and_the_model_round_trips(kind, tmp_path):
    utils.set_random_seed(0)
    options = {"sizes": (6, 10, 14), "aspect_ratios": (0.5, 1.0), "stride": 2}
    if kind == "rcnn":
        detector = RCNN(warp_size=8, context=1, filters=(4, 8), hidden=16, proposal_options=options)
    else:
        detector = FastRCNN(input_shape=(32, 32, 1), filters=(4, 8), pooled_size=3, hidden=16,
                            proposal_options=options)
    images, boxes, labels = _toy_scenes()
    proposals = [detector.proposals(image) for image in images]
    assert all(len(p) for p in proposals)
    x = images.astype(np.float32) / 255

    def fixed_loss():                          # the loss on one fixed draw of regions, before and after training
        draws = [sample_rois(p, b, c, 16, 0.25, np.random.default_rng(7)) for p, b, c in zip(proposals, boxes, labels)]
        indices = np.concatenate([np.full(len(d[0]), i) for i, d in enumerate(draws)])
        logits, deltas = detector.region_outputs(x, np.concatenate([d[0] for d in draws]), indices)
        return float(detection_loss(logits, deltas, np.concatenate([d[1] for d in draws]),
                                    np.concatenate([d[2] for d in draws])).data)

    before = fixed_loss()
    optimizer, rng = optimizers.Adam(1e-2), np.random.default_rng(0)
    for _ in range(30):
        detector.train_step(x, boxes, labels, proposals, optimizer, rng, 16)
    assert fixed_loss() < 0.7 * before
    indices = np.concatenate([np.full(len(p), i) for i, p in enumerate(proposals)])
    every = np.concatenate(proposals)
    batched = detector.batch_outputs(x, every, indices, max_regions=7)      # several parts, one shared pass
    direct = detector.region_outputs(x, every, indices)
    for got, want in zip(batched, direct):
        np.testing.assert_allclose(got, np.asarray(want.data), rtol=1e-5, atol=1e-6)
    detections = detector.detect(images, proposals, score_threshold=0.0)
    assert len(detections) == 2 and all(len(d[0]) <= 10 for d in detections)
    assert (detections[0][0][:, 2] <= 32).all()
    detector.save(tmp_path)
    loaded = type(detector).load(tmp_path)
    assert loaded.proposal_options == options
    again = loaded.detect(images, proposals, score_threshold=0.0)
    for (b1, s1, c1), (b2, s2, c2) in zip(detections, again):
        np.testing.assert_allclose(s1, s2, rtol=1e-5)
        np.testing.assert_allclose(b1, b2, rtol=1e-5)
        assert (c1 == c2).all()
    # an empty scene: no proposals, no detections
    nothing = detector.detect(np.zeros((1, 32, 32, 1), np.uint8))
    assert nothing[0][0].shape == (0, 4)


def test_bad_scenes_are_refused():
    with pytest.raises(ValueError, match="inside the 64x64 image"):
        check_scene([[50, 50, 70, 60]], [3], 64, 64)
    with pytest.raises(ValueError, match="x_min < x_max"):
        check_scene([[10, 10, 10, 20]], [3], 64, 64)
    with pytest.raises(ValueError, match="digits 0-9"):
        check_scene([[10, 10, 20, 20]], [10], 64, 64)
    check_scene(np.zeros((0, 4)), [], 64, 64)                     # an empty scene is fine
    detector = RCNN(warp_size=8, filters=(4,), hidden=4)
    with pytest.raises(ValueError, match="inside"):
        detector.train_step(np.zeros((1, 32, 32, 1), np.float32), [[[20, 20, 40, 30]]], [[1]], [PROPOSALS],
                            optimizers.Adam(), np.random.default_rng(0))
    blank = np.zeros((1, 32, 32, 1), np.float32)
    assert detector.train_step(blank, [np.zeros((0, 4))], [[]], [np.zeros((0, 4))], optimizers.Adam(),
                               np.random.default_rng(0)) == 0.0
    with pytest.raises(ValueError, match="images must be"):
        detector.detect(np.zeros((32, 32)))
    with pytest.raises(TypeError, match="uint8"):
        detector.detect(np.zeros((1, 32, 32, 1), np.float32))


def test_load_refuses_a_foreign_or_hostile_settings_file(tmp_path):
    import json
    detector = FastRCNN(input_shape=(32, 32, 1), filters=(4, 8), pooled_size=3, hidden=4)
    detector.save(tmp_path)
    with pytest.raises(ValueError, match="does not describe a rcnn"):
        RCNN.load(tmp_path)
    for bad in ({"detector": "fast_rcnn", "proposal_options": {"exec": "print(1)"}},
                {"detector": "fast_rcnn", "proposal_options": {"stride": "os.system"}},
                {"detector": "fast_rcnn", "sampling_ratio": {"__class__": "x"}}):
        (tmp_path / "detector.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match="FastRCNN.load"):
            FastRCNN.load(tmp_path)

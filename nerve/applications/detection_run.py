"""``nerve train rcnn|fast_rcnn --dataset mnist_scenes``: train a detector on digit scenes, score it, draw it.

The run folder holds the networks (``rcnn.nerve``, or ``backbone.nerve`` and ``head.nerve``),
``metrics.json`` (mAP@0.5 with VOC's all-point interpolation and the AP of each digit on the test
scenes, frames per second of detection, proposal recall, wall times, settings) and
``detections.png`` (test scenes: true boxes in green, detections scoring ≥ 0.5 in red).

Training, written out (no ``fit``): each epoch shuffles the scenes; a step takes
``batch_size`` scenes, draws ``rois_per_image`` regions from each (25% positives,
:func:`nerve.applications.rcnn.sample_rois`) and takes one Adam step on the two-head loss.
"""

import json
import os
import time

import numpy

from ..utils.file_utils import atomic_write
from ..vision import average_precision, box_iou

RECIPE = {"epochs": 3, "batch_size": 4, "rois_per_image": 32, "lr": 1e-3, "train_scenes": 6000,
          "test_scenes": 500, "negative_iou": 0.5}


def build(model):
    from .fast_rcnn import FastRCNN
    from .rcnn import RCNN
    return {"rcnn": RCNN, "fast_rcnn": FastRCNN}[model]()


def train(detector, scenes, epochs, images_per_batch=4, rois_per_image=32, lr=1e-3, seed=0, negative_iou=0.3,
          log_every=100):
    """Train ``detector`` on ``scenes`` (a mnist_scenes.Scenes); returns the mean loss of each epoch."""
    from .. import optimizers
    rng = numpy.random.default_rng(seed)
    n = len(scenes.images)
    if n == 0:
        raise ValueError(f"{detector.name}: no training scenes")
    proposals = [detector.proposals(image) for image in scenes.images]
    truth = [(scenes.boxes[i, :scenes.counts[i]], scenes.labels[i, :scenes.counts[i]]) for i in range(n)]
    steps = epochs * -(-n // images_per_batch)
    optimizer = optimizers.Adam(optimizers.schedules.CosineDecay(lr, steps))
    losses, step, started = [], 0, time.perf_counter()
    for epoch in range(epochs):
        order, epoch_losses = rng.permutation(n), []
        for start in range(0, n, images_per_batch):
            chosen = order[start:start + images_per_batch]
            images = scenes.images[chosen].astype(numpy.float32) / 255.0
            loss = detector.train_step(images, [truth[i][0] for i in chosen], [truth[i][1] for i in chosen],
                                       [proposals[i] for i in chosen], optimizer, rng, rois_per_image,
                                       negative_iou=negative_iou)
            epoch_losses.append(loss)
            step += 1
            if log_every and step % log_every == 0:
                print(f"  step {step}/{steps}: loss {numpy.mean(epoch_losses[-log_every:]):.4f} "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        losses.append(float(numpy.mean(epoch_losses)))
        print(f"epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}", flush=True)
    return losses


def evaluate(detector, scenes, proposals=None):
    """mAP@0.5 (VOC all-point) of ``detector`` on ``scenes``, with detection's frames per second.

    Returns a dict: map_50, ap_per_digit, fps (detection given the proposals), proposal_seconds, detections.
    """
    started = time.perf_counter()
    if proposals is None:
        proposals = [detector.proposals(image) for image in scenes.images]
    proposal_seconds = time.perf_counter() - started
    started = time.perf_counter()
    detections = detector.detect(scenes.images, proposals)
    seconds = time.perf_counter() - started
    truth = [(scenes.boxes[i, :scenes.counts[i]], scenes.labels[i, :scenes.counts[i]]) for i in range(len(scenes.images))]
    per_class, mean = average_precision(detections, truth, iou_threshold=0.5, interpolation="voc")
    return {"map_50": mean, "ap_per_digit": per_class, "fps": len(scenes.images) / seconds,
            "detect_seconds": seconds, "proposal_seconds": proposal_seconds, "detections": detections,
            "proposals": proposals}


def proposal_recall(proposals, scenes, iou=0.5):
    """The share of true boxes whose best proposal overlaps them by IoU ≥ ``iou`` (what bounds recall)."""
    best = [box_iou(scenes.boxes[i, :scenes.counts[i]], p).max(axis=1) if len(p) else numpy.zeros(scenes.counts[i])
            for i, p in enumerate(proposals) if scenes.counts[i]]
    best = numpy.concatenate(best) if best else numpy.zeros(0)
    return float((best >= iou).mean()) if len(best) else float("nan")


def train_from_cli(args, parser):
    from .scene_runs import prepare
    model = args.model.lower().replace("-", "_")
    run = prepare(args, parser, model, RECIPE)
    seed, epochs, lr, images_per_batch = run.seed, run.epochs, run.lr, run.batch_size
    train_scenes, test_scenes = run.train, run.test
    detector = build(model)
    out = args.out or os.path.join("runs", f"{model}_mnist_scenes")
    print(f"nerve: training {model} ({detector.count_params():,} params) on {len(train_scenes.images)} scenes, "
          f"{epochs} epochs, {images_per_batch} scenes x {RECIPE['rois_per_image']} regions a step, "
          f"adam lr={lr:g} (cosine)", flush=True)
    started = time.perf_counter()
    losses = train(detector, train_scenes, epochs, images_per_batch, RECIPE["rois_per_image"], lr, seed,
                   RECIPE["negative_iou"])
    train_seconds = time.perf_counter() - started
    scores = evaluate(detector, test_scenes)
    test_proposals = scores["proposals"]
    results = {
        "model": model, "dataset": "mnist_scenes", "test_scenes": len(test_scenes.images),
        "map_50": round(scores["map_50"], 4), "map_interpolation": "voc all-point (VOC 2010+)",
        "ap_per_digit": {str(c): round(v, 4) for c, v in scores["ap_per_digit"].items()},
        "fps": round(scores["fps"], 2), "detect_seconds": round(scores["detect_seconds"], 1),
        "proposals_per_scene": round(float(numpy.mean([len(p) for p in test_proposals])), 1),
        "proposal_seconds_per_scene": round(scores["proposal_seconds"] / len(test_scenes.images), 4),
        "proposal_recall_50": round(proposal_recall(test_proposals, test_scenes), 4),
        "epochs": epochs, "images_per_batch": images_per_batch, "rois_per_image": RECIPE["rois_per_image"],
        "negative_iou": RECIPE["negative_iou"],
        "learning_rate": lr, "seed": seed, "train_scenes": len(train_scenes.images),
        "train_seconds": round(train_seconds, 1), "params": detector.count_params(),
        "epoch_losses": [round(v, 4) for v in losses],
    }
    detector.save(out)
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(results, f, indent=2)
    draw_detections(test_scenes, scores["detections"], os.path.join(out, "detections.png"),
                    title=f"{model}: mAP@0.5 {scores['map_50']:.3f} on {len(test_scenes.images)} test scenes")
    print(f"test mAP@0.5 {scores['map_50']:.4f} (VOC all-point), {scores['fps']:.1f} scenes/s detection "
          f"({results['proposals_per_scene']} proposals a scene); trained in {train_seconds:.0f} s")
    print(f"wrote {out}: {', '.join(f'{name}.nerve' for name in detector.models)}, metrics.json, detections.png")
    return results


def draw_detections(scenes, detections, path, title="", count=8, min_score=0.5):
    """Scenes with their true boxes (green, digit above) and detections scoring ≥ ``min_score`` (red)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    count = min(count, len(scenes.images))
    figure, axes = plt.subplots(1, count, figsize=(2.4 * count, 2.8), squeeze=False)
    for j in range(count):
        ax = axes[0, j]
        ax.imshow(scenes.images[j][..., 0], cmap="gray")
        for box, label in zip(scenes.boxes[j, :scenes.counts[j]], scenes.labels[j, :scenes.counts[j]]):
            ax.add_patch(Rectangle(box[:2] - 0.5, box[2] - box[0], box[3] - box[1], fill=False, color="lime", lw=1))
            ax.text(box[0] - 0.5, box[1] - 1.5, str(label), color="lime", fontsize=7)
        boxes, det_scores, classes = detections[j]
        for box, score, label in zip(boxes, det_scores, classes):
            if score < min_score:
                continue
            ax.add_patch(Rectangle(box[:2] - 0.5, box[2] - box[0], box[3] - box[1], fill=False, color="red", lw=1))
            ax.text(box[0] - 0.5, box[3] + 4, f"{label} {score:.2f}", color="red", fontsize=6)
        ax.set_xticks([])
        ax.set_yticks([])
    figure.suptitle(f"{title}\ngreen: truth, red: detections scoring >= {min_score}", fontsize=9)
    with atomic_write(path) as f:
        figure.savefig(f, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)

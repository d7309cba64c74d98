"""R-CNN against Fast R-CNN, side by side: the same test scenes, the same proposals, the same machine.

Loads two trained detectors (the run folders ``nerve train rcnn|fast_rcnn --dataset mnist_scenes``
writes), computes each test scene's proposals once, then times detection of the two detectors in
alternating rounds (R-CNN, Fast R-CNN, R-CNN, ...) so that both see the same load on a shared
machine; reports each one's frames per second (the median round), the speed-up, and mAP@0.5
(VOC all-point interpolation) on the scenes. Writes ``OUT/detection_comparison.json`` and
``OUT/rcnn_detections.png``, ``OUT/fast_rcnn_detections.png`` (truth and detections, first scenes).

    python examples/detection.py --rcnn runs/rcnn_mnist_scenes --fast runs/fast_rcnn_mnist_scenes \\
        --scenes 200 --rounds 3 --out runs/detection_comparison
"""

import argparse
import json
import os
import time
from collections import Counter

import numpy as np

from nerve.applications.detection_run import draw_detections
from nerve.applications.fast_rcnn import FastRCNN
from nerve.applications.rcnn import RCNN
from nerve.datasets import mnist_scenes
from nerve.utils.file_utils import atomic_write
from nerve.vision import average_precision, box_iou


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rcnn", default="runs/rcnn_mnist_scenes", help="an R-CNN run folder")
    parser.add_argument("--fast", default="runs/fast_rcnn_mnist_scenes", help="a Fast R-CNN run folder")
    parser.add_argument("--scenes", type=int, default=200, help="the first N test scenes")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds per detector, alternated")
    parser.add_argument("--out", default="runs/detection_comparison")
    args = parser.parse_args()
    detectors = {"rcnn": RCNN.load(args.rcnn), "fast_rcnn": FastRCNN.load(args.fast)}
    if detectors["rcnn"].proposal_options != detectors["fast_rcnn"].proposal_options:
        parser.error("the two detectors were trained with different proposal settings")
    scenes = mnist_scenes.load_data("test", n=max(args.scenes, 500), seed=0)
    scenes = mnist_scenes.Scenes(*(field[:args.scenes] for field in scenes))
    started = time.perf_counter()
    proposals = [detectors["rcnn"].proposals(image) for image in scenes.images]
    proposal_seconds = time.perf_counter() - started
    truth = [(scenes.boxes[i, :scenes.counts[i]], scenes.labels[i, :scenes.counts[i]])
             for i in range(len(scenes.images))]
    seconds = {name: [] for name in detectors}
    detections = {}
    for _ in range(args.rounds):
        for name, detector in detectors.items():
            started = time.perf_counter()
            detections[name] = detector.detect(scenes.images, proposals)
            seconds[name].append(time.perf_counter() - started)
    results = {"scenes": len(scenes.images), "proposals_per_scene": float(np.mean([len(p) for p in proposals])),
               "proposal_ms_per_scene": 1000 * proposal_seconds / len(scenes.images), "rounds": args.rounds}
    for name in detectors:
        _, mean_ap = average_precision(detections[name], truth, iou_threshold=0.5, interpolation="voc")
        # what bounds it: the same detections scored with every digit one class (finding vs naming), and at IoU 0.3
        _, agnostic = average_precision([(b, s, np.zeros_like(c)) for b, s, c in detections[name]],
                                        [(b, np.zeros_like(c)) for b, c in truth], 0.5, "voc")
        _, loose = average_precision(detections[name], truth, iou_threshold=0.3, interpolation="voc")
        results[name] = {"map_50": mean_ap, "class_agnostic_ap_50": agnostic, "map_30": loose,
                         "confident_errors": confident_errors(detections[name], truth),
                         "fps": len(scenes.images) / float(np.median(seconds[name])),
                         "seconds_per_round": [round(s, 2) for s in seconds[name]]}
        print(f"{name:>9}: mAP@0.5 {mean_ap:.4f} (VOC all-point; class-agnostic AP@0.5 {agnostic:.4f}, "
              f"mAP@0.3 {loose:.4f}), {results[name]['fps']:.2f} scenes/s "
              f"(rounds: {', '.join(f'{s:.1f} s' for s in seconds[name])})")
    results["speedup"] = results["fast_rcnn"]["fps"] / results["rcnn"]["fps"]
    print(f"Fast R-CNN is {results['speedup']:.1f}x faster at test time on the same {len(scenes.images)} scenes and "
          f"{results['proposals_per_scene']:.0f} proposals a scene (proposals: "
          f"{results['proposal_ms_per_scene']:.1f} ms a scene, not counted in either)")
    os.makedirs(args.out, exist_ok=True)
    with atomic_write(os.path.join(args.out, "detection_comparison.json"), "w") as f:
        json.dump(results, f, indent=2)
    for name in detectors:
        draw_detections(scenes, detections[name], os.path.join(args.out, f"{name}_detections.png"),
                        title=f"{name}: mAP@0.5 {results[name]['map_50']:.3f}")
    for name in detectors:
        print(f"{name} confident errors (score >= 0.5): {results[name]['confident_errors']}")
    print(f"wrote {args.out}/detection_comparison.json and the pictures")


def confident_errors(detections, truth, min_score=0.5, top=6):
    """Detections scoring ≥ ``min_score`` that are wrong, by kind: on empty canvas (IoU < 0.1 with
    every true box), on part of a digit ("1 on part of a 7": IoU 0.1-0.5), or the wrong digit at the
    right place (IoU ≥ 0.5); the ``top`` most common (detected, true) pairs of the last two kinds."""
    empty, partial, wrong = 0, Counter(), Counter()
    for (boxes, scores, classes), (true_boxes, true_labels) in zip(detections, truth):
        boxes, classes = boxes[scores >= min_score], classes[scores >= min_score]
        if len(boxes) == 0:
            continue
        if len(true_boxes) == 0:
            empty += len(boxes)
            continue
        overlaps = box_iou(boxes, true_boxes)
        for best, nearest, label in zip(overlaps.max(1), true_labels[overlaps.argmax(1)], classes):
            if best < 0.1:
                empty += 1
            elif best < 0.5:
                partial[f"{label} on part of a {nearest}"] += 1
            elif label != nearest:
                wrong[f"{label} for a {nearest}"] += 1
    return {"on_empty_canvas": empty, "on_part_of_a_digit": dict(partial.most_common(top)),
            "wrong_digit_in_place": dict(wrong.most_common(top))}


if __name__ == "__main__":
    main()

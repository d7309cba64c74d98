"""``nerve train fcn --dataset mnist_scenes``: train an FCN on digit scenes, score it, draw it.

The run folder holds the model (``model.nerve``), ``metrics.json`` (per-class IoU on the test
scenes, their mean over the eleven classes and over the ten digits, pixel accuracy, wall time,
settings) and ``segmentation.png`` (scenes, true masks, predicted masks).
"""

import json
import os
import time

import numpy

from ..utils.file_utils import atomic_write
from ..vision import segmentation_iou

RECIPE = {"epochs": 8, "batch_size": 32, "lr": 2e-3, "train_scenes": 6000, "test_scenes": 1000}


def train_from_cli(args, parser):
    from .. import losses, optimizers
    from ..datasets import mnist_scenes
    from .fcn import FCN
    from .scene_runs import prepare
    run = prepare(args, parser, "fcn", RECIPE)
    seed, epochs, batch_size, lr, train, test = run.seed, run.epochs, run.batch_size, run.lr, run.train, run.test
    variant = getattr(args, "variant", None) or "8s"
    model = FCN(input_shape=train.images.shape[1:], classes=mnist_scenes.NUM_CLASSES, variant=variant)
    steps = epochs * -(-len(train.images) // batch_size)
    schedule = optimizers.schedules.CosineDecay(lr, steps)
    model.compile(optimizer=optimizers.Adam(schedule), loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    out = args.out or os.path.join("runs", f"fcn{variant}_mnist_scenes")
    print(f"nerve: training fcn-{variant} ({model.count_params():,} params) on {len(train.images)} scenes, "
          f"{epochs} epochs, batch {batch_size}, adam lr={lr:g} (cosine)", flush=True)
    started = time.perf_counter()
    history = model.fit(train.images.astype("float32") / 255, train.masks, batch_size=batch_size, epochs=epochs,
                        verbose=args.verbose)
    seconds = time.perf_counter() - started
    predicted = predict_masks(model, test.images)
    per_class, mean = segmentation_iou(test.masks, predicted, mnist_scenes.NUM_CLASSES)
    results = {
        "model": f"fcn{variant}", "dataset": "mnist_scenes", "test_scenes": len(test.images),
        "mean_iou": round(mean, 4), "mean_iou_digits": round(float(numpy.nanmean(per_class[1:])), 4),
        "pixel_accuracy": round(float((predicted == test.masks).mean()), 4),
        "iou_per_class": {("background" if c == 0 else f"digit_{c - 1}"): round(float(v), 4)
                          for c, v in enumerate(per_class)},
        "epochs": epochs, "batch_size": batch_size, "learning_rate": lr, "seed": seed,
        "train_scenes": len(train.images), "train_seconds": round(seconds, 1), "params": model.count_params(),
        "final_loss": round(float(history.history["loss"][-1]), 4),
    }
    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "model.nerve"))
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(results, f, indent=2)
    draw_segmentations(test.images[:6], test.masks[:6], predicted[:6], os.path.join(out, "segmentation.png"),
                       title=f"FCN-{variant}: mean IoU {mean:.3f} on {len(test.images)} test scenes")
    print(f"test mean IoU {mean:.4f} (digits only {results['mean_iou_digits']:.4f}), pixel accuracy "
          f"{results['pixel_accuracy']:.4f}; trained in {seconds:.0f} s")
    print(f"wrote {out}/model.nerve, metrics.json, segmentation.png")
    return results


def predict_masks(model, images, batch_size=100):
    """The class of every pixel: argmax of the model's per-pixel scores."""
    logits = model.predict(images.astype("float32") / 255, batch_size=batch_size, verbose=0)
    return numpy.argmax(logits, axis=-1).astype(numpy.uint8)


def draw_segmentations(images, masks, predicted, path, title=""):
    """Rows: scene, true mask, predicted mask (colour = class, black = background)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(images)
    figure, axes = plt.subplots(3, n, figsize=(2 * n, 6.4), squeeze=False)
    colours = plt.get_cmap("tab10")(numpy.arange(10))[:, :3]
    palette = numpy.concatenate([numpy.zeros((1, 3)), colours])
    for j in range(n):
        for row, (picture, label) in enumerate(((images[j][..., 0], "scene"), (palette[masks[j]], "truth"),
                                                (palette[predicted[j]], "FCN"))):
            axes[row, j].imshow(picture, cmap="gray" if row == 0 else None)
            axes[row, j].set_xticks([])
            axes[row, j].set_yticks([])
            if j == 0:
                axes[row, j].set_ylabel(label)
    figure.suptitle(title)
    with atomic_write(path) as f:
        figure.savefig(f, format="png", dpi=80, bbox_inches="tight")
    plt.close(figure)

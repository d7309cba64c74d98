"""Transfer learning, measured: does a network trained on one task help when labels are few?

Task A: CIFAR-10 classes 0-4 (airplane, automobile, bird, cat, deer), all their training images.
Task B: classes 5-9 (dog, frog, horse, ship, truck) from only ``--per-class`` labelled images each
(100 by default). Task B is learned three ways with the same network and the same images:

1. scratch:   random initialisation, every weight trained;
2. frozen:    task A's convolutional base frozen (batch norm in inference mode, as Keras 3 does
              for a frozen layer), a new Dense head trained on its pooled features;
3. fine-tune: (2), then the top stage of the base unfrozen and trained with the head at a
              10x lower learning rate.

Each is scored on all 5,000 test images of classes 5-9; the learning curves (accuracy per epoch
on a fixed ``--watch`` of those test images, only watched, never used to choose anything) go to
``OUT/transfer_curves.png``
and the figures to ``OUT/transfer_results.json``. ``--seeds`` repeats task B on other draws of
the labelled images. The base is a CIFAR ResNet (``--depth``, 8 by default: small and fast).

    python examples/transfer_learning.py --out runs/transfer_learning

Measured (README): with ``--depth 20 --base-epochs 15 --epochs 40 --finetune-epochs 20 --seeds 2
--watch 500`` (17 minutes of CPU), fine-tuning 75.7%, scratch 71.5%, frozen base 66.3%; with the
weak 16x16 ResNet-8 bases of ``--downsample 2 --base-epochs 4 ...`` both transfer ways lost.
"""

import argparse
import functools
import json
import os
import time

import numpy as np

import nerve
from nerve import layers
from nerve.applications import resnet
from nerve.utils.file_utils import atomic_write

TASK_A, TASK_B = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def load_tasks(per_class, seed, downsample=1):
    """Task A's training and test images, and task B's few labelled images and test images;
    pixels float32 in [0, 1] (averaged over ``downsample`` x ``downsample`` blocks), labels 0-4
    within each task."""
    (x_train, y_train), (x_test, y_test) = cifar10(downsample)

    def pick(x, y, classes):
        keep = np.isin(y, classes)
        return x[keep].astype("float32") / 255, (y[keep] - classes[0]).astype("int64")

    task_a = pick(x_train, y_train, TASK_A), pick(x_test, y_test, TASK_A)
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.choice(np.flatnonzero(y_train == c), per_class, replace=False) for c in TASK_B])
    task_b = pick(x_train[chosen], y_train[chosen], TASK_B), pick(x_test, y_test, TASK_B)
    return task_a, task_b


@functools.lru_cache(maxsize=1)
def cifar10(downsample=1):
    (x_train, y_train), (x_test, y_test) = nerve.datasets.cifar10.load_data()

    def shrink(x):
        n, side = len(x), 32 // downsample
        return x.reshape(n, side, downsample, side, downsample, 3).mean(axis=(2, 4)).round().astype("uint8")
    if downsample > 1:
        x_train, x_test = shrink(x_train), shrink(x_test)
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1))


def flip_and_shift(x, rng):
    """He et al.'s augmentation, in NumPy: random horizontal flips and a random crop of the image
    zero-padded by an eighth of its side (4 pixels at 32x32)."""
    flipped = np.where(rng.random(len(x))[:, None, None, None] < 0.5, x[:, :, ::-1], x)
    side, pad = x.shape[1], x.shape[1] // 8
    padded = np.pad(flipped, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dy, dx = rng.integers(0, 2 * pad + 1, size=2)
    return padded[:, dy:dy + side, dx:dx + side]


def fit(model, data, test, epochs, lr, batch_size, seed):
    """Train with Adam (cosine decay) on freshly augmented copies each epoch; return the
    accuracy on ``test`` after each epoch (the learning curve)."""
    x, y = data
    steps = epochs * -(-len(x) // batch_size)
    model.compile(optimizer=nerve.optimizers.Adam(nerve.optimizers.schedules.CosineDecay(lr, steps)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(seed)
    curve = []
    for _ in range(epochs):
        model.fit(flip_and_shift(x, rng), y, epochs=1, batch_size=batch_size, verbose=0)
        curve.append(accuracy(model, test))
    return curve


def watched(test, count=1000):
    """A fixed subset of the test images for the per-epoch curves (the full set scores the end)."""
    x, y = test
    keep = np.random.default_rng(1234).permutation(len(x))[:count]
    return x[keep], y[keep]


def accuracy(model, test):
    x, y = test
    return float((np.asarray(model.predict(x, batch_size=500, verbose=0)).argmax(axis=1) == y).mean())


def with_new_head(base, classes, name):
    """``base``'s pooled features (its "avg_pool" output) followed by a new Dense softmax head."""
    features = base.get_layer("avg_pool").output
    head = layers.Dense(classes, activation="softmax", name=f"{name}_predictions")(features)
    return nerve.Model(base.inputs, head, name=name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=8, help="the CIFAR ResNet's depth, 6n+2 (default 8)")
    parser.add_argument("--base-epochs", type=int, default=8)
    parser.add_argument("--base-images", type=int, default=None, help="task-A training images (default all 25,000)")
    parser.add_argument("--epochs", type=int, default=40, help="task B epochs for scratch and frozen")
    parser.add_argument("--finetune-epochs", type=int, default=20)
    parser.add_argument("--per-class", type=int, default=100, help="labelled task-B images per class")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seeds", type=int, default=3, help="draws of the labelled task-B images")
    parser.add_argument("--downsample", type=int, choices=(1, 2, 4), default=1,
                        help="average pixels in k x k blocks (2: 16x16 images, 4x fewer multiply-adds)")
    parser.add_argument("--watch", type=int, default=1000, help="test images scored after each epoch (curves)")
    parser.add_argument("--out", default="runs/transfer_learning")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.perf_counter()

    nerve.utils.set_random_seed(0)
    (a_train, a_test), _ = load_tasks(args.per_class, seed=0, downsample=args.downsample)
    if args.base_images:
        a_train = a_train[0][:args.base_images], a_train[1][:args.base_images]
    shape = a_train[0].shape[1:]
    base = resnet.CifarResNet(args.depth, input_shape=shape, classes=len(TASK_A), name="base")
    base_curve = fit(base, a_train, watched(a_test, args.watch), args.base_epochs, args.lr, batch_size=128,
                     seed=0)
    base_accuracy = accuracy(base, a_test)
    print(f"task A (classes 0-4, {len(a_train[0])} images): test accuracy {base_accuracy:.4f} after "
          f"{args.base_epochs} epochs ({time.perf_counter() - started:.0f} s)", flush=True)
    base_weights = base.get_weights()

    runs = []
    for seed in range(args.seeds):
        nerve.utils.set_random_seed(seed + 1)
        _, (b_train, b_test) = load_tasks(args.per_class, seed=seed + 1, downsample=args.downsample)
        batch = 50
        scratch = resnet.CifarResNet(args.depth, input_shape=shape, classes=len(TASK_B), name="scratch")
        scratch_curve = fit(scratch, b_train, watched(b_test, args.watch), args.epochs, args.lr, batch, seed)
        scratch_final = accuracy(scratch, b_test)

        base.set_weights(base_weights)
        base.trainable = False
        transfer = with_new_head(base, len(TASK_B), "transfer")
        frozen_curve = fit(transfer, b_train, watched(b_test, args.watch), args.epochs, args.lr, batch, seed)
        frozen_final = accuracy(transfer, b_test)

        top_stage = "conv4_"         # the last stage of blocks (64 filters)
        for layer in base.layers:
            if layer.name.startswith(top_stage) and not isinstance(layer, layers.BatchNormalization):
                layer.trainable = True
        finetune_curve = fit(transfer, b_train, watched(b_test, args.watch), args.finetune_epochs, args.lr / 10,
                             batch, seed)
        finetune_final = accuracy(transfer, b_test)
        base.trainable = True
        run = {"seed": seed + 1, "scratch": scratch_curve, "frozen": frozen_curve, "finetune": finetune_curve,
               "final": {"scratch": scratch_final, "frozen": frozen_final, "finetune": finetune_final}}
        runs.append(run)
        print(f"task B draw {seed + 1} ({len(b_train[0])} labelled images): scratch {scratch_final:.4f}, "
              f"frozen base + new head {frozen_final:.4f}, then fine-tuned {finetune_final:.4f} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)

    summary = {way: {"mean": float(np.mean([r["final"][way] for r in runs])),
                     "per_seed": [r["final"][way] for r in runs]} for way in ("scratch", "frozen", "finetune")}
    results = {"args": vars(args), "base_test_accuracy": base_accuracy, "base_curve": base_curve,
               "runs": runs, "final": summary, "seconds": round(time.perf_counter() - started)}
    with atomic_write(os.path.join(args.out, "transfer_results.json"), "w") as f:
        json.dump(results, f, indent=1)
    plot(runs, args, os.path.join(args.out, "transfer_curves.png"))
    for way, label in (("scratch", "from scratch"), ("frozen", "frozen base + new head"),
                       ("finetune", "frozen, then top stage fine-tuned")):
        print(f"{label:>36}: {summary[way]['mean']:.4f} mean test accuracy over {args.seeds} draws "
              f"({', '.join(f'{a:.4f}' for a in summary[way]['per_seed'])})")
    print(f"wrote {args.out}/transfer_results.json and transfer_curves.png in {results['seconds']} s")


def plot(runs, args, path):
    """Test accuracy per epoch; the fine-tuning curve continues the frozen one."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(7, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for i, run in enumerate(runs):
        label = (lambda text: text if i == 0 else None)
        epochs = np.arange(1, args.epochs + 1)
        axes.plot(epochs, run["scratch"], color="tab:gray", label=label("from scratch"))
        axes.plot(epochs, run["frozen"], color="tab:blue", label=label("frozen base + new head"))
        axes.plot(np.arange(args.epochs + 1, args.epochs + args.finetune_epochs + 1), run["finetune"],
                  color="tab:orange", label=label("then top stage fine-tuned (lr / 10)"))
    axes.set_xlabel("epoch")
    axes.set_ylabel(f"accuracy on {args.watch} test images of classes 5-9")
    side = 32 // args.downsample
    axes.set_title(f"CIFAR-10 classes 5-9 from {args.per_class} labelled images per class "
                   f"(ResNet-{args.depth}, {side}x{side} images, {len(runs)} draws)", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend()
    with atomic_write(path) as f:
        figure.savefig(f, dpi=110, format="png")


if __name__ == "__main__":
    main()

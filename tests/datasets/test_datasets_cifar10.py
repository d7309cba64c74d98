"""CIFAR-10 loader: the pickle-free batch reader, the python archive, and the mirror's JPEG zips.

Fixtures are generated small: a tar.gz laid out like cifar-10-python.tar.gz with batches written
opcode by opcode as Python 2's cPickle writes them, and zips of <class>/NNNN.jpg. nerve never
unpickles; the tests use `pickle.dumps` only to *write* fixtures and never load one.
"""

import hashlib
import io
import os
import pickle
import pickletools
import re
import struct
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nerve.datasets import DatasetError, _cifar_jpeg, cifar10
from nerve.datasets._cifar_batch import read_batch
from nerve.datasets._fetch import RemoteFile

CLASSES = cifar10.CLASS_NAMES


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Py2Pickle:
    """Writes the opcodes of a Python 2 cPickle (protocol 2) CIFAR batch, as the real files hold."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.memo = 0

    def put(self):  # BINPUT: cPickle memoizes every object it writes
        self.memo += 1
        self.out += b"q" + bytes([self.memo % 256])

    def string(self, text: bytes):
        if len(text) < 256:
            self.out += b"U" + bytes([len(text)]) + text  # SHORT_BINSTRING
        else:
            self.out += b"T" + struct.pack("<i", len(text)) + text  # BINSTRING
        self.put()

    def integer(self, value: int):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])  # BININT1
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)  # BININT2
        else:
            self.out += b"J" + struct.pack("<i", value)  # BININT

    def array(self, data: np.ndarray):
        self.out += b"cnumpy.core.multiarray\n_reconstruct\n"
        self.put()
        self.out += b"cnumpy\nndarray\n"
        self.put()
        self.out += b"K\x00\x85"  # (0,)
        self.string(b"b")
        self.out += b"\x87R"  # TUPLE3, REDUCE
        self.put()
        self.out += b"(K\x01"  # MARK, version 1
        for size in data.shape:
            self.integer(size)
        self.out += b"\x86"  # TUPLE2: the shape
        self.out += b"cnumpy\ndtype\n"
        self.put()
        self.string(b"u1")
        self.out += b"K\x00K\x01\x87R"  # dtype('u1', 0, 1)
        self.put()
        self.out += b"(K\x03"
        self.string(b"|")
        self.out += b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"  # dtype state, BUILD
        self.out += b"\x89"  # is_fortran = False
        self.string(data.tobytes())
        self.out += b"tb"  # TUPLE (the state), BUILD

    def batch(self, label: bytes, labels, data, filenames) -> bytes:
        self.out += b"}"
        self.put()
        self.out += b"("
        self.string(b"data")
        self.array(data)
        self.string(b"labels")
        self.out += b"]"
        self.put()
        self.out += b"("
        for value in labels:
            self.integer(value)
        self.out += b"e"  # APPENDS
        self.string(b"batch_label")
        self.string(label)
        self.string(b"filenames")
        self.out += b"]"
        self.put()
        self.out += b"("
        for name in filenames:
            self.string(name)
        self.out += b"eu."  # APPENDS, SETITEMS, STOP
        pickletools.dis(bytes(self.out), out=io.StringIO())  # a well-formed stream (not executed)
        return bytes(self.out)


def batch_blob(n, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    blob = Py2Pickle().batch(b"batch %d" % seed, labels, data, [b"img_%d.png" % i for i in range(n)])
    return blob, data, labels


def make_archive(n_train=3, n_test=2, skip=()):
    """(tar.gz bytes, x_train, y_train, x_test, y_test) in the official layout."""
    buffer = io.BytesIO()
    xs, ys = [], []
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        def add(name, data):
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("readme.html", b"<html></html>")
        for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
            blob, data, labels = batch_blob(n_test if name == "test_batch" else n_train, i)
            if name not in skip:
                add(name, blob)
            xs.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
            ys.append(np.array(labels, dtype=np.uint8).reshape(-1, 1))
    return (buffer.getvalue(), np.concatenate(xs[:5]), np.concatenate(ys[:5]), xs[5], ys[5])


@pytest.fixture
def archive(monkeypatch):
    blob, *arrays = make_archive()
    monkeypatch.setattr(cifar10, "ARCHIVE", RemoteFile(cifar10.ARCHIVE.name, sha256(blob), len(blob)))
    return blob, arrays


def put(folder: Path, dataset: str, name: str, data: bytes) -> Path:
    (folder / dataset).mkdir(parents=True, exist_ok=True)
    (folder / dataset / name).write_bytes(data)
    return folder


def assert_loaded(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, want in zip((x_train, y_train, x_test, y_test), arrays):
        assert got.dtype == np.uint8 and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)


# ---- the batch reader ---------------------------------------------------------------------------

def test_read_batch_reads_the_python2_format():
    blob, data, labels = batch_blob(4, seed=0)
    batch = read_batch(blob, "data_batch_1")
    np.testing.assert_array_equal(batch["data"], data)
    assert batch["labels"] == labels
    assert batch["batch_label"] == "batch 0" and batch["filenames"][3] == "img_3.png"
    # Channel planes: pixel (row 2, col 5) of the green plane.
    assert batch["data"][1, 1024 + 2 * 32 + 5] == data[1, 1024 + 69]


@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_read_batch_reads_python3_pickles(protocol):
    data = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    blob = pickle.dumps({b"batch_label": b"x", b"labels": [3, 9], b"data": data}, protocol=protocol)
    batch = read_batch(blob, "b")
    np.testing.assert_array_equal(batch["data"], data)
    assert batch["labels"] == [3, 9]


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def test_read_batch_refuses_other_globals_and_executes_nothing(tmp_path):
    marker = tmp_path / "pwned"
    blob = pickle.dumps({b"data": _Exploit(marker)}, protocol=2)
    with pytest.raises(DatasetError, match=r"global '(posix|nt|os)\.mkdir'.*refusing"):
        read_batch(blob, "evil")
    assert not marker.exists()
    with pytest.raises(DatasetError, match=r"global 'os\.system'"):
        read_batch(b"\x80\x02cos\nsystem\nU\x04echo\x85R.", "evil")


@pytest.mark.parametrize("blob, message", [
    (pickle.dumps({b"data": np.zeros((2, 3))}, protocol=2), r"call of \('numpy', 'dtype'\)"),
    (pickle.dumps({b"data": np.zeros(3, np.uint8)}, protocol=5), "pickle protocol 5"),
    (pickle.dumps({b"data": {1, 2}}, protocol=4), "opcode EMPTY_SET"),
    (pickle.dumps({b"data": 1.5}, protocol=4), "opcode BINFLOAT"),
    (b"\x80\x02cnumpy\nndarray\n)R.", r"call of \('numpy', 'ndarray'\)"),
    (b"\x80\x02cnumpy\ndtype\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R.", r"call of \('numpy', 'dtype'\)"),
    (batch_blob(2, 0)[0].replace(b"K\x02M\x00\x0c\x86", b"K\x03M\x00\x0c\x86", 1),
     r"array of shape \(3, 3072\) with 6,144 bytes"),
    (b"\x80\x02]q\x00.", "does not hold one dict"),
    (b"\x80\x02}q\x00(Uxyz", "not a well-formed pickle"),
])
def test_read_batch_refuses_anything_unexpected(blob, message):
    with pytest.raises(DatasetError, match=message):
        read_batch(blob, "odd")


def test_nerve_datasets_never_unpickles():
    sources = Path(cifar10.__file__).parent.glob("*.py")
    text = "\n".join(path.read_text() for path in sources)
    assert "allow_pickle=False" in text
    for forbidden in (r"\bpickle\.(load|loads|Unpickler)\b", r"^\s*(import|from) pickle\b",
                      r"allow_pickle\s*=\s*True", r"\b(numpy|np)\.load\((?!.*allow_pickle=False)"):
        assert not re.search(forbidden, text, re.MULTILINE), forbidden


# ---- the official archive ----------------------------------------------------------------------

def test_archive_from_mirror_then_cache(tmp_path, monkeypatch, archive):
    blob, arrays = archive
    mirror = put(tmp_path / "m", "cifar10", "cifar-10-python.tar.gz", blob)
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(mirror))
    loaded = cifar10.load_data()
    assert_loaded(loaded, arrays)
    assert loaded[0][0].shape == (15, 32, 32, 3) and loaded[0][1].shape == (15, 1)
    assert (tmp_path / "cache" / "cifar10" / "cifar-10-python.tar.gz").read_bytes() == blob
    monkeypatch.delenv("NERVE_DATASETS_MIRROR")
    assert_loaded(cifar10.load_data(), arrays)


def test_archive_download_from_loopback_server(tmp_path, monkeypatch, archive, http_root):
    blob, arrays = archive
    root, url = http_root
    put(root, "cifar10", "cifar-10-python.tar.gz", blob)
    monkeypatch.setenv("NERVE_DATASETS_URL", url)
    assert_loaded(cifar10.load_data(), arrays)


def test_archive_missing_a_batch_is_refused(tmp_path, monkeypatch):
    blob, *_ = make_archive(skip=("data_batch_3",))
    monkeypatch.setattr(cifar10, "ARCHIVE", RemoteFile(cifar10.ARCHIVE.name, sha256(blob)))
    put(tmp_path / "cache", "cifar10", "cifar-10-python.tar.gz", blob)
    with pytest.raises(DatasetError, match="lacks cifar-10-batches-py/data_batch_3"):
        cifar10.load_data()


def test_no_route_names_the_archive_and_the_jpeg_alternative():
    with pytest.raises(DatasetError) as error:
        cifar10.load_data()
    message = str(error.value)
    assert "cifar10 file 'cifar-10-python.tar.gz'" in message
    assert "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce" in message
    assert "170,498,071" in message
    assert "train.zip and test.zip" in message and _cifar_jpeg.ZIPS["train"].sha256 in message


# ---- the mirror's JPEG zips ---------------------------------------------------------------------

COLORS = [(25 * c, 255 - 25 * c, (70 * c) % 256) for c in range(10)]


def jpeg_zip(per_class: int, extra: str | None = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, color in zip(CLASSES, COLORS):
            for k in reversed(range(per_class)):  # members out of order: the loader sorts
                image = io.BytesIO()
                Image.new("RGB", (32, 32), color).save(image, format="JPEG", quality=95)
                archive.writestr(f"{name}/{k:04d}.jpg", image.getvalue())
        if extra:
            archive.writestr(extra, b"x")
    return buffer.getvalue()


@pytest.fixture
def jpeg_mirror(tmp_path, monkeypatch):
    pytest.importorskip("PIL")
    zips = {"train": jpeg_zip(2), "test": jpeg_zip(1)}
    monkeypatch.setattr(_cifar_jpeg, "ZIPS", {
        split: RemoteFile(f"{split}.zip", sha256(data), len(data)) for split, data in zips.items()})
    mirror = tmp_path / "m"
    for split, data in zips.items():
        put(mirror, "cifar10-jpeg", f"{split}.zip", data)
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(mirror))
    return mirror


def check_jpeg_arrays(loaded):
    (x_train, y_train), (x_test, y_test) = loaded
    assert x_train.shape == (20, 32, 32, 3) and y_train.shape == (20, 1)
    assert x_test.shape == (10, 32, 32, 3) and y_test.shape == (10, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:, 0], list(range(10)) * 2)  # interleaved classes
    for images, labels in ((x_train, y_train), (x_test, y_test)):
        expected = np.array(COLORS, dtype=np.int16)[labels[:, 0]]
        assert np.abs(images.astype(np.int16) - expected[:, None, None, :]).max() <= 4


def test_jpeg_zips_are_decoded_cached_and_warned_about(tmp_path, monkeypatch, jpeg_mirror):
    with pytest.warns(UserWarning, match="JPEG re-encodings"):
        loaded = cifar10.load_data()
    check_jpeg_arrays(loaded)
    cached = tmp_path / "cache" / "cifar10" / "cifar10-jpeg.npz"
    assert cached.is_file()
    monkeypatch.delenv("NERVE_DATASETS_MIRROR")  # the second call reads the decoded cache
    with pytest.warns(UserWarning, match="JPEG re-encodings"):
        again = cifar10.load_data()
    for first, second in zip(loaded[0] + loaded[1], again[0] + again[1]):
        np.testing.assert_array_equal(first, second)


def test_official_archive_is_preferred_to_jpeg(tmp_path, monkeypatch, archive, jpeg_mirror):
    blob, arrays = archive
    put(jpeg_mirror, "cifar10", "cifar-10-python.tar.gz", blob)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_loaded(cifar10.load_data(), arrays)


def test_corrupt_decoded_cache_is_removed_and_redone(tmp_path, jpeg_mirror):
    with pytest.warns(UserWarning):
        cifar10.load_data()
    cached = tmp_path / "cache" / "cifar10" / "cifar10-jpeg.npz"
    data = bytearray(cached.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the pixels of x_train
    cached.write_bytes(bytes(data))
    with pytest.warns(UserWarning) as record:
        check_jpeg_arrays(cifar10.load_data())
    assert any("cannot be read" in str(w.message) and "removing it" in str(w.message) for w in record)
    assert cached.read_bytes() != bytes(data)


def test_decoded_cache_from_other_zips_is_redone(tmp_path, jpeg_mirror):
    with pytest.warns(UserWarning):
        loaded = cifar10.load_data()
    cached = tmp_path / "cache" / "cifar10" / "cifar10-jpeg.npz"
    (x_train, y_train), (x_test, y_test) = loaded
    np.savez(cached, x_train=x_train[:1], y_train=y_train[:1], x_test=x_test, y_test=y_test,
             source_sha256=np.array("some other zips"))
    with pytest.warns(UserWarning) as record:
        check_jpeg_arrays(cifar10.load_data())
    assert any("decoded from other zips" in str(w.message) for w in record)
    np.savez(cached, x_train=x_train, y_train=y_train[:1], x_test=x_test, y_test=y_test,
             source_sha256=np.array(_cifar_jpeg._source_id()))
    with pytest.warns(UserWarning) as record:
        check_jpeg_arrays(cifar10.load_data())
    assert any("holds arrays of shapes" in str(w.message) for w in record)


def test_corrupt_zip_is_refused(tmp_path, monkeypatch, jpeg_mirror):
    path = jpeg_mirror / "cifar10-jpeg" / "train.zip"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.warns(UserWarning, match="train.zip"), pytest.raises(DatasetError) as error:
        cifar10.load_data()
    assert f"train.zip: is truncated" in str(error.value)
    assert not (tmp_path / "cache" / "cifar10" / "cifar10-jpeg.npz").exists()


def test_unexpected_zip_member_is_refused(tmp_path, monkeypatch):
    pytest.importorskip("PIL")
    path = tmp_path / "odd.zip"
    path.write_bytes(jpeg_zip(1, extra="kangaroo/0000.jpg"))
    with pytest.raises(DatasetError, match="unexpected member 'kangaroo/0000.jpg'"):
        _cifar_jpeg.decode_zip(path)


def test_image_of_the_wrong_size_is_refused(tmp_path):
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (16, 16)).save(image, format="JPEG")
    path = tmp_path / "small.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cat/0000.jpg", image.getvalue())
    with pytest.raises(DatasetError, match="'cat/0000.jpg' is 16x16, expected a 32x32"):
        _cifar_jpeg.decode_zip(path)

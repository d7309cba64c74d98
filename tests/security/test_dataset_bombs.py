"""Dataset files are decompressed with their expected size as a hard limit, and images are
decoded with Pillow's decompression-bomb limit turned into nerve's DatasetError."""

import gzip
import io
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from nerve.datasets import _cifar_jpeg, _fetch, _idx
from nerve.datasets._fetch import DatasetError, RemoteFile



def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_stops_at_the_expected_size(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\0" * (64 << 20), compresslevel=9))      # 64 KB -> 64 MB
    spec = RemoteFile(path.name, "0" * 64, size=47_040_016 // 1000, gunzip=True)
    (problem, content), peak = _peak(lambda: _fetch.check_file(path, spec, keep=True))
    assert "too long" in problem and "decompression bomb" in problem
    assert peak < 8 << 20                           # not 64 MB, let alone the 3.2 GiB of the probe


def test_a_raw_file_longer_than_expected_is_not_read_to_its_end(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * (8 << 20))
    spec = RemoteFile(path.name, "0" * 64, size=1000)
    (problem, _), peak = _peak(lambda: _fetch.check_file(path, spec, keep=True))
    assert "too long" in problem and peak < 4 << 20


def test_idx_gunzip_reads_no_more_than_the_header_promises(tmp_path):
    header = struct.pack(">iiii", 0x803, 10, 28, 28)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(header + b"\0" * (64 << 20))          # promises 7,840 bytes, holds 64 MB
    content, peak = _peak(lambda: _idx._gunzip(path, path.name, 3))
    assert len(content) == 16 + 7840 + 1 and peak < 4 << 20
    with pytest.raises(DatasetError, match="it is truncated or corrupt"):
        _idx.parse_idx(content, path.name, 3)
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">iiii", 0x803, 2 ** 31 - 1, 2 ** 31 - 1, 2))
    with pytest.raises(DatasetError, match="over the"):
        _idx._gunzip(path, path.name, 3)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="not a valid gzip"):
        _idx._gunzip(path, path.name, 3)


def _png_header(width, height):
    """A PNG that only declares its size (no pixels): enough for Image.open to read the size."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def test_image_decompression_bomb_is_a_dataset_error():
    pytest.importorskip("PIL")
    with pytest.raises(DatasetError, match="decompression bomb"):
        _cifar_jpeg.decode_image(_png_header(60_000, 60_000), "bomb.png")
    with pytest.raises(DatasetError, match="expected a 32x32"):
        _cifar_jpeg.decode_image(_png_header(64, 32), "wide.png")
    with pytest.raises(DatasetError, match="not a readable image"):
        _cifar_jpeg.decode_image(b"\xff\xd8\xff garbage", "bad.jpg")
    with pytest.raises(DatasetError, match="not a readable image"):
        _cifar_jpeg.decode_image(_png_header(32, 32), "no-pixels.png")


def test_cifar_jpeg_zip_members_are_bounded(tmp_path):
    pytest.importorskip("PIL")
    path = tmp_path / "test.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("airplane/0001.jpg", b"\0" * (16 << 20))
    with pytest.raises(DatasetError, match="zip bomb|over the"):
        _cifar_jpeg.decode_zip(path)
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DatasetError, match="not a readable zip"):
        _cifar_jpeg.decode_zip(path)


def test_cifar_jpeg_cache_that_declares_too_much_is_removed(tmp_path):
    path = tmp_path / _cifar_jpeg.CACHE_NAME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("x_train.npy", b"\0" * (32 << 20))
    path.write_bytes(buffer.getvalue())
    with pytest.warns(UserWarning, match="cannot be read"):
        assert _cifar_jpeg.load_cached(tmp_path) is None
    assert not path.exists()
    np.testing.assert_equal(_cifar_jpeg.MAX_CACHE_BYTES, 256 << 20)

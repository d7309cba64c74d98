"""Find, verify and cache the files a dataset loader needs.

A file is described by a `RemoteFile`: its name and the sha256 (and size) of its bytes, or of its
decompressed bytes for gzip files whose compressed form differs between copies (MNIST's mirror
re-compressed them). A `Fetch` looks for one file in three places, in this order:

1. the cache, ``$NERVE_DATA_DIR/<dataset>/<name>`` (default ``~/.cache/nerve``);
2. offline mirrors, ``<mirror>/<dataset>/<name>`` for each folder named in
   ``$NERVE_DATASETS_MIRROR`` (several are separated by ``os.pathsep``); a good copy is copied
   into the cache, the mirror itself is only ever read;
3. a download from each of the loader's official base URLs, ``<base>/<name>``; when
   ``$NERVE_DATASETS_URL`` is set (whitespace-separated base URLs) it replaces them and the
   layout is ``<base>/<dataset>/<name>``, the same as a mirror folder served over HTTP.

A file enters the cache only through a temporary file in the same folder that is hashed while it
is written, fsync'ed, checked and then renamed over its target (`os.replace`), so the cache never
holds a partial or unverified file. A cached file that fails its check is deleted and the next
source is tried. When no source gives a good copy, `DatasetError` lists what was tried and says
where to put the file by hand.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from nerve.utils.file_utils import atomic_write

CHUNK = 1 << 20
DOWNLOAD_TIMEOUT = 60  # seconds a download may stall before it is abandoned


class DatasetError(OSError, ValueError):
    """A dataset file is missing, corrupt, truncated or out of reach.

    Both an `OSError` (no route to the data) and a `ValueError` (bad bytes), so either ``except``
    catches it. The message names the file, what was expected and what to do.
    """


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset and the check it must pass before use.

    Args:
        name: file name, the same in the cache, in a mirror and at the end of the download URL.
        sha256: hex sha256 of the file's bytes, or of its decompressed bytes when `gunzip`.
        size: number of bytes the sha256 covers, or None when unknown.
        gunzip: whether `sha256` and `size` describe the gzip-decompressed content.
    """

    name: str
    sha256: str
    size: int | None = None
    gunzip: bool = False

    def expectation(self) -> str:
        """The check in words, for error messages."""
        size = f"{self.size:,} " if self.size is not None else ""
        what = "decompressed bytes" if self.gunzip else "bytes"
        return f"sha256 {self.sha256} of its {size}{what}"


def data_dir() -> Path:
    """The cache root: ``$NERVE_DATA_DIR``, or ``~/.cache/nerve`` when it is unset."""
    root = os.environ.get("NERVE_DATA_DIR") or os.path.join("~", ".cache", "nerve")
    return Path(root).expanduser()


def mirror_dirs() -> list[Path]:
    """The offline mirror folders named in ``$NERVE_DATASETS_MIRROR``, in order."""
    value = os.environ.get("NERVE_DATASETS_MIRROR", "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part]


class _Digest:
    """sha256 and length of a byte stream, or of its gzip-decompressed content.

    ``limit`` (the expected size, when known) is a hard limit: past it the stream is refused at
    once, so a gzip bomb inflates at most one chunk beyond the expected size, never to gigabytes.
    """

    def __init__(self, gunzip: bool, keep: bool = False, limit: int | None = None):
        self.sha = hashlib.sha256()
        self.size = 0
        self.content = bytearray() if keep else None
        self.error = None
        self.limit = limit
        self._inflate = zlib.decompressobj(wbits=31) if gunzip else None

    def update(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        if self._inflate is None:
            self._take(chunk)
            return
        try:
            while chunk and self.error is None:
                self._take(self._inflate.decompress(chunk, CHUNK))   # at most CHUNK bytes out a call
                if self._inflate.eof:
                    chunk = self._inflate.unused_data  # a further gzip member follows
                    if chunk:
                        self._inflate = zlib.decompressobj(wbits=31)
                else:
                    chunk = self._inflate.unconsumed_tail
        except zlib.error as exc:
            self.error = f"is not a valid gzip stream ({exc})"

    def _take(self, data: bytes) -> None:
        if self.limit is not None and self.size + len(data) > self.limit:
            what = "decompressed bytes" if self._inflate is not None else "bytes"
            self.error = (f"is too long: more than the expected {self.limit:,} {what} (the wrong file, "
                          "or a decompression bomb); stopped reading it")
            return
        self.sha.update(data)
        self.size += len(data)
        if self.content is not None:
            self.content += data

    def problem(self, spec: RemoteFile) -> str | None:
        """What is wrong with the bytes seen so far, or None when they pass `spec`'s check."""
        what = "decompressed bytes" if spec.gunzip else "bytes"
        if self.error is not None:
            return self.error
        if self._inflate is not None and not self._inflate.eof:
            return f"is truncated (the gzip stream ends early, after {self.size:,} {what})"
        if spec.size is not None and self.size != spec.size:
            kind = "truncated or not the right file" if self.size < spec.size else "too long"
            return f"is {kind}: {self.size:,} {what}, expected {spec.size:,}"
        if self.sha.hexdigest() != spec.sha256:
            return f"has sha256 {self.sha.hexdigest()}, expected {spec.sha256}"
        return None


def check_file(path: Path, spec: RemoteFile, keep: bool = False):
    """Check the file at `path` against `spec`: returns (problem or None, content if `keep`)."""
    digest = _Digest(spec.gunzip, keep, spec.size)
    with open(path, "rb") as stream:
        while digest.error is None and (chunk := stream.read(CHUNK)):
            digest.update(chunk)
    return digest.problem(spec), digest.content


class _Rejected(Exception):
    """Raised inside `atomic_write` to discard bytes that failed their check."""


def _store(read, target: Path, spec: RemoteFile, keep: bool):
    """Write the stream `read` to `target` atomically if it passes `spec`'s check.

    Returns (problem or None, content if `keep`). On a problem nothing is left behind.
    """
    digest = _Digest(spec.gunzip, keep, spec.size)
    try:
        with atomic_write(target) as out:
            while digest.error is None and (chunk := read(CHUNK)):
                out.write(chunk)
                digest.update(chunk)
            problem = digest.problem(spec)
            if problem is not None:
                raise _Rejected(problem)
    except _Rejected as rejected:
        return str(rejected), None
    return None, digest.content


class Fetch:
    """The search for one verified file: cache, then mirrors, then a download.

    Each step returns the verified path in the cache (or, for `find_in_mirrors`, in a mirror) or
    None, and records what it tried so that `error()` can explain a failure. With `keep`, the
    checked content (decompressed for gzip files) is left in `self.content`, so that a caller
    does not read and decompress the file a second time.

    Args:
        dataset: subfolder of the cache and of each mirror, and URL component for
            ``$NERVE_DATASETS_URL``.
        spec: the file and its check.
        base_urls: official locations; ``<base>/<name>`` is downloaded.
        cache: the cache folder, ``data_dir() / dataset`` by default.
    """

    def __init__(self, dataset: str, spec: RemoteFile, base_urls=(), cache: Path | None = None):
        self.dataset = dataset
        self.spec = spec
        self.base_urls = tuple(base_urls)
        self.target = Path(cache if cache is not None else data_dir() / dataset) / spec.name
        self.tried = []
        self.content = None

    def from_cache(self, keep: bool = False) -> Path | None:
        if not self.target.is_file():
            self.tried.append(f"cache {self.target}: not found")
            return None
        problem, self.content = check_file(self.target, self.spec, keep)
        if problem is None:
            return self.target
        self.target.unlink()
        self.tried.append(f"cache {self.target}: {problem}; removed it")
        return None

    def _mirror_copies(self):
        folders = mirror_dirs()
        if not folders:
            self.tried.append("mirrors: none (NERVE_DATASETS_MIRROR is not set)")
        for folder in folders:
            source = folder / self.dataset / self.spec.name
            if source.is_file():
                yield source
            else:
                self.tried.append(f"mirror {source}: not found")

    def _skip_mirror(self, source: Path, problem: str) -> None:
        self.tried.append(f"mirror {source}: {problem}; skipped it")
        warnings.warn(f"nerve.datasets: mirror file {source} {problem}; skipping it.")

    def from_mirrors(self, keep: bool = False) -> Path | None:
        """Copy the first good mirror copy into the cache."""
        for source in self._mirror_copies():
            try:
                with open(source, "rb") as stream:
                    problem, self.content = _store(stream.read, self.target, self.spec, keep)
            except OSError as exc:
                problem = f"could not be copied ({exc})"
            if problem is None:
                return self.target
            self._skip_mirror(source, problem)
        return None

    def find_in_mirrors(self, keep: bool = False) -> Path | None:
        """The first good mirror copy, checked where it lies and not copied."""
        for source in self._mirror_copies():
            try:
                problem, self.content = check_file(source, self.spec, keep)
            except OSError as exc:
                problem = f"could not be read ({exc})"
            if problem is None:
                return source
            self._skip_mirror(source, problem)
        return None

    def urls(self) -> list[str]:
        override = os.environ.get("NERVE_DATASETS_URL", "").split()
        if override:
            return [f"{base.rstrip('/')}/{self.dataset}/{self.spec.name}" for base in override]
        return [f"{base.rstrip('/')}/{self.spec.name}" for base in self.base_urls]

    def from_download(self, keep: bool = False) -> Path | None:
        for url in self.urls():
            print(f"nerve.datasets: downloading {url}", file=sys.stderr)
            try:
                with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                    problem, self.content = _store(response.read, self.target, self.spec, keep)
            except (OSError, http.client.HTTPException) as exc:
                problem = f"failed ({exc})"
            if problem is None:
                return self.target
            self.tried.append(f"download {url}: {problem}")
        return None

    def error(self, extra: str = "") -> DatasetError:
        """A `DatasetError` saying what was tried and where to put the file by hand."""
        urls = self.urls()
        source = f"download it from {urls[0]} and " if urls else "obtain it and "
        lines = [
            f"nerve.datasets: no verified copy of {self.dataset} file '{self.spec.name}' "
            f"(expected: {self.spec.expectation()}).",
            "Tried:",
            *(f"  - {attempt}" for attempt in dict.fromkeys(self.tried)),
            f"To fix it, {source}put it at {self.target}, or put it in <folder>/{self.dataset}/ "
            f"and name <folder> in NERVE_DATASETS_MIRROR.",
        ]
        if extra:
            lines.append(extra)
        return DatasetError("\n".join(lines))


def fetch(dataset: str, spec: RemoteFile, base_urls=(), cache: Path | None = None,
          keep: bool = False):
    """A verified copy of `spec` in the cache: returns (path, content if `keep` else None).

    Raises:
        DatasetError: when neither the cache, a mirror nor a download gives a good copy.
    """
    search = Fetch(dataset, spec, base_urls, cache)
    for step in (search.from_cache, search.from_mirrors, search.from_download):
        path = step(keep)
        if path is not None:
            return path, search.content
    raise search.error()

"""Writing files so that a reader never sees half of one."""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Yield a file that replaces ``path`` in one step when the block ends without an error.

    Why: a crash, a full disk or an exception mid-write must leave the old file (a saved
    model, a cached dataset) intact and no temporary file behind. So the bytes go to a
    temporary file in the same folder (a rename is atomic only within one file system),
    which is flushed and fsync'ed, given the usual permissions (0o644: ``mkstemp`` makes it
    0o600) and renamed over ``path`` with ``os.replace``; the folder is then fsync'ed so that
    the rename itself survives a power cut. If the block raises, the temporary file is
    removed and the exception goes on. The caller may do more with what it writes, e.g.
    hash it, and reject it by raising.

    Args:
        path: the file to write (str or path-like); missing parent folders are created.
        mode: "wb" (default) or "w" for text.
        encoding: the text encoding with mode "w" (default UTF-8).

    Yields:
        the open temporary file.

    Example:
        >>> with atomic_write("weights.bin") as f:
        ...     f.write(data)
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', received {mode!r}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

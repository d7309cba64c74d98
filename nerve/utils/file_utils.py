"""Writing files so that a reader never sees half of one."""

import contextlib
import io
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

    A process killed mid-write (SIGKILL, power cut) cannot remove its temporary file; the
    temporary's name carries the writer's process id (``.<name>.<pid>.<random>.part``), and the
    next write to the same path removes those whose process is gone, so they never accumulate.

    Under data-parallel training (``nerve.distribution.DataParallel``) only rank 0 writes: on
    the other processes the block writes to memory and the bytes are dropped, so N replicas never
    race on a file.

    Args:
        path: the file to write (str or path-like); missing parent folders are created.
        mode: "wb" (default) or "w" for text.
        encoding: the text encoding with mode "w" (default UTF-8).

    Yields:
        the open temporary file.

    Example:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "weights.bin"
        >>> with atomic_write(path) as f:
        ...     _ = f.write(b"weights")
        >>> path.read_bytes()
        b'weights'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write: mode must be 'wb' or 'w', received {mode!r}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    path = os.fspath(path)
    if _secondary_replica():          # data parallel: rank 0 alone writes; the others' bytes are dropped
        yield io.BytesIO() if mode == "wb" else io.StringIO()       # seekable, as zip writers need
        return
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.", suffix=".part", dir=folder)
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


def _secondary_replica():
    """True in a process other than rank 0 of a running ``nerve.distribution.DataParallel``."""
    from ..distribution.data_parallel import distribution
    dist = distribution()
    return dist is not None and not dist.is_chief


def remove_stale_temporaries(path):
    """Remove the ``atomic_write`` temporaries of ``path`` left by processes that no longer run.

    Returns:
        the names removed.
    """
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    prefix, removed = f".{base}.", []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".part")]
    except OSError:
        return removed
    for name in names:
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or _process_alive(int(pid))):
            continue                # a save in progress (this process's other thread, or another's)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
            removed.append(name)
    return removed


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True                 # exists but is another user's, or cannot tell: keep its file
    return True


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

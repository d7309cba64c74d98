"""atomic_write: the old file survives a failed write, and no temporary file is left."""

import hashlib
import os
import stat

import pytest

from nerve.utils.file_utils import atomic_write


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "sub" / "data.bin"          # missing folders are created
    with atomic_write(path) as f:
        f.write(b"first")
    with atomic_write(str(path)) as f:
        f.write(b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["data.bin"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_text_mode_writes_utf8(tmp_path):
    path = tmp_path / "graph.dot"
    with atomic_write(path, "w") as f:
        f.write("digraph { a -> b [label=\"→\"] }")
    assert path.read_text(encoding="utf-8") == "digraph { a -> b [label=\"→\"] }"


def test_an_error_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "model.nerve"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="simulated"):
        with atomic_write(path) as f:
            f.write(b"half of the new")
            raise OSError("disk full (simulated)")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.nerve"]


def test_caller_can_hash_what_it_writes_and_reject_it(tmp_path):
    path = tmp_path / "download"
    digest = hashlib.sha256()

    class Rejected(Exception):
        pass
    with pytest.raises(Rejected):
        with atomic_write(path) as f:
            for chunk in (b"ab", b"cd"):
                f.write(chunk)
                digest.update(chunk)
            if digest.hexdigest() != "expected":
                raise Rejected
    assert digest.hexdigest() == hashlib.sha256(b"abcd").hexdigest()
    assert not path.exists() and os.listdir(tmp_path) == []


def test_refuses_other_modes(tmp_path):
    with pytest.raises(ValueError, match="atomic_write: mode must be 'wb' or 'w', received 'a'"):
        with atomic_write(tmp_path / "log.csv", "a"):
            pass


def test_temporaries_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    """A save killed with SIGKILL leaves its .part file; the next save to that path removes it."""
    import signal
    import subprocess
    import sys
    import time
    path = tmp_path / "model.nerve"
    path.write_bytes(b"old")
    script = ("import sys, time\nfrom nerve.utils.file_utils import atomic_write\n"
              "with atomic_write(sys.argv[1]) as f:\n    f.write(b'x' * 1000); f.flush(); print('ready', flush=True)\n"
              "    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    other = tmp_path / ".other.nerve.1.x.part"          # another file's temporary: not touched
    other.write_bytes(b"")
    child.send_signal(signal.SIGKILL)
    child.wait()
    time.sleep(0.05)
    stale = [n for n in os.listdir(tmp_path) if n.startswith(".model.nerve.")]
    assert len(stale) == 1 and path.read_bytes() == b"old"   # the old file survived the kill
    with atomic_write(path) as f:
        f.write(b"new")
    assert sorted(os.listdir(tmp_path)) == sorted(["model.nerve", other.name])
    assert path.read_bytes() == b"new"

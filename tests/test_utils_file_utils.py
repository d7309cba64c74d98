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

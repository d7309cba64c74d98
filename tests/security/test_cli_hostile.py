"""The nerve command facing bad files and arguments that cannot be right: exit status 2 and one line."""

import struct
import zlib

import numpy as np
import pytest

import nerve
from nerve import cli


def _png_header(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.fixture
def small_mnist(monkeypatch):
    from nerve.datasets import mnist
    rng = np.random.default_rng(0)

    def load_data(path=None):
        x = rng.integers(0, 255, (8, 28, 28)).astype("uint8")
        return (x, np.arange(8, dtype="uint8") % 10), (x, np.arange(8, dtype="uint8") % 10)
    monkeypatch.setattr(mnist, "load_data", load_data)


def _exit_2_one_line(argv, capsys, match):
    try:
        status = cli.main(argv)
    except SystemExit as stop:                  # argparse's own errors
        status = stop.code
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert match in err, err


def test_corrupt_and_unsafe_model_files(tmp_path, capsys, small_mnist):
    bad = tmp_path / "bad.nerve"
    bad.write_bytes(b"not a zip")
    _exit_2_one_line(["evaluate", str(bad), "--dataset", "mnist"], capsys, "not a valid nerve model archive")
    _exit_2_one_line(["predict", str(bad), "x.png"], capsys, str(bad))
    model = nerve.Sequential([nerve.Input((28, 28, 1)), nerve.layers.Flatten(), nerve.layers.Dense(10)])
    good = tmp_path / "good.nerve"
    model.save(good)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(60_000, 60_000))
    _exit_2_one_line(["predict", str(good), str(bomb)], capsys, "decompression bomb")
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    _exit_2_one_line(["predict", str(good), str(garbage)], capsys, "cannot read image")


@pytest.mark.parametrize("extra, match", [
    (["--seed", "-1"], "expected a seed"),
    (["--lr", "inf"], "positive finite"),
    (["--lr", "nan"], "positive finite"),
    (["--limit", "1"], "cannot be split by --validation-split"),
    (["--out", "/proc/nerve-cannot-write-here"], "cannot write there"),
])
def test_arguments_that_cannot_be_right(extra, match, tmp_path, capsys, small_mnist):
    argv = ["train", "lenet5", "--dataset", "mnist", "--epochs", "1", "--verbose", "0",
            "--out", str(tmp_path / "run")] + extra
    _exit_2_one_line(argv, capsys, match)

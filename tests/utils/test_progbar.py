"""Progbar: Keras's bar at verbose=1 (redrawn, ETA, running values) and one line at verbose=2."""

import pytest

import nerve
from nerve.utils import Progbar, progbar


@pytest.fixture
def every_update(monkeypatch):
    """Off a terminal (as under pytest) the bar writes a line per LOG_INTERVAL: make that every update."""
    monkeypatch.setattr(progbar, "LOG_INTERVAL", 0.0)


def test_verbose_1_bar_ends_with_totals(capsys, every_update):
    bar = Progbar(4, verbose=1, interval=0)
    for step in range(1, 5):
        bar.update(step, [("loss", 1.0 / step)])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and out[0].startswith("1/4 ") and out[-1].startswith("4/4 ")
    assert "━" * 20 in out[-1] and "/step" in out[-1]
    assert "loss: 0.6111" in out[2]           # non-stateful values are averaged: (1 + 1/2 + 1/3) / 3
    assert "loss: 0.2500" in out[-1]          # ... and the final update shows the value given


def test_stateful_values_and_small_numbers(capsys, every_update):
    bar = Progbar(2, verbose=1, interval=0, stateful_metrics=["acc"])
    bar.update(1, [("acc", 0.5), ("tiny", 1e-5)])
    bar.update(2, [("acc", 0.75), ("tiny", 1e-5)])
    last = capsys.readouterr().out.splitlines()[-1]
    assert "acc: 0.7500" in last and "tiny: 1.0000e-05" in last


def test_verbose_2_prints_one_line_at_the_end(capsys):
    bar = Progbar(3, verbose=2)
    bar.update(1, [("loss", 2.0)])
    bar.update(2, [("loss", 2.0)])
    assert capsys.readouterr().out == ""
    bar.update(3, [("loss", 2.0)])
    line = capsys.readouterr().out
    assert line.startswith("3/3 - ") and line.endswith(" - loss: 2.0000\n")


def test_unknown_target_and_silence(capsys, every_update):
    bar = Progbar(None, verbose=1, interval=0)
    bar.update(5)
    assert "5/Unknown" in capsys.readouterr().out
    quiet = Progbar(3, verbose=0)
    quiet.add(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_off_a_terminal_a_line_every_log_interval_seconds(capsys, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(progbar.time, "time", lambda: clock[0])
    bar = Progbar(1000, verbose=1)               # interval 0.05 s: on a terminal, 20 redraws a second
    for step in range(1, 1001):
        clock[0] += 0.125                        # 125 s in all (exact in binary)
        bar.update(step, [("loss", 1.0)])
    lines = capsys.readouterr().out.splitlines()
    assert progbar.LOG_INTERVAL == 10.0
    assert len(lines) == 12 + 1                  # at 10, 20, ..., 120 s, and the final line
    assert lines[-1].startswith("1000/1000") and all("\r" not in line for line in lines)


def test_fit_verbose_1_in_a_log_writes_a_line_per_epoch(capsys):
    import numpy as np
    model = nerve.Sequential([nerve.Input((2,)), nerve.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.zeros((400, 2), "float32")
    model.fit(x, x[:, :1], batch_size=2, epochs=3, verbose=1)     # 200 steps an epoch
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6, lines                # "Epoch i/3" and the epoch's final line, three times
    assert lines[0] == "Epoch 1/3" and lines[1].startswith("200/200 ")

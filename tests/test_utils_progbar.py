"""Progbar: Keras's bar at verbose=1 (redrawn, ETA, running values) and one line at verbose=2."""

from nerve.utils import Progbar


def test_verbose_1_bar_ends_with_totals(capsys):
    bar = Progbar(4, verbose=1, interval=0)
    for step in range(1, 5):
        bar.update(step, [("loss", 1.0 / step)])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and out[0].startswith("1/4 ") and out[-1].startswith("4/4 ")
    assert "━" * 20 in out[-1] and "/step" in out[-1]
    assert "loss: 0.6111" in out[2]           # non-stateful values are averaged: (1 + 1/2 + 1/3) / 3
    assert "loss: 0.2500" in out[-1]          # ... and the final update shows the value given


def test_stateful_values_and_small_numbers(capsys):
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


def test_unknown_target_and_silence(capsys):
    bar = Progbar(None, verbose=1, interval=0)
    bar.update(5)
    assert "5/Unknown" in capsys.readouterr().out
    quiet = Progbar(3, verbose=0)
    quiet.add(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""

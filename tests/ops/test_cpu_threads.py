"""nerve's CPU threads (ops/cpu_threads.py): how many, how work is cut into ranges, and that the
ranges give what one thread gives."""

import os
import time

import numpy as np
import pytest

from nerve import Tensor, ops
from nerve.ops import cpu_threads


@pytest.mark.parametrize("value,expected", [("3", 3), ("2,1", 2), (" 1 ", 1)])
def test_thread_count_follows_omp_num_threads(monkeypatch, value, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert cpu_threads.count() == expected


@pytest.mark.parametrize("value", ["", "0", "many"])
def test_thread_count_defaults_to_the_cores(monkeypatch, value):
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert cpu_threads.count() == cores


def test_threads_are_few_for_little_work_and_one_inside_a_piece(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert cpu_threads.threads_for(items=128, work=10**9, min_work=1000) == 4
    assert cpu_threads.threads_for(items=128, work=2500, min_work=1000) == 2
    assert cpu_threads.threads_for(items=3, work=10**9, min_work=1000) == 3
    assert cpu_threads.ranges(10, 4) == [(0, 2), (2, 5), (5, 7), (7, 10)]
    inner = cpu_threads.run(lambda start, stop: cpu_threads.threads_for(128, 10**9, 1000), [(0, 1), (1, 2)], 2)
    assert inner == [1, 1]


def test_every_span_runs_once_in_order_of_results():
    seen = []

    def task(start, stop):
        seen.append(start)
        return start, stop

    spans = cpu_threads.ranges(100, 37)
    assert cpu_threads.run(task, spans, 3) == spans
    assert sorted(seen) == [start for start, _ in spans]


def test_an_error_in_a_piece_reaches_the_caller():
    def task(start, stop):
        if start == 1:
            raise ValueError("piece 1")
        return start

    with pytest.raises(ValueError, match="piece 1"):
        cpu_threads.run(task, [(0, 1), (1, 2), (2, 3)], 2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_gets_its_own_pool():
    """The parent's pool threads do not exist in a forked child (a data loader's worker): waiting
    on them would hang, so the child starts its own."""
    spans = cpu_threads.ranges(8, 8)
    assert cpu_threads.run(lambda start, stop: start, spans, 2) == list(range(8))   # the parent's pool
    pid = os.fork()
    if pid == 0:                                       # the child: exit 0 only if the run completes
        os._exit(0 if cpu_threads.run(lambda start, stop: start, spans, 2) == list(range(8)) else 1)
    deadline = time.monotonic() + 10
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0


@pytest.mark.parametrize("shape", [(64, 33, 17), (5,), (0, 3)])
def test_map_flat_gives_the_whole_array_op(monkeypatch, shape):
    """An elementwise op in ranges of the flat elements on 2 threads equals the op on the whole arrays;
    a view that is not C-contiguous takes the whole-array op."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(cpu_threads, "ELEMENTS", 1)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    pieces = []

    def add(x, y, out):
        pieces.append(x.size)
        return np.add(x, y, out=out)

    out = cpu_threads.map_flat(add, np.empty_like(a), a, b)
    np.testing.assert_array_equal(out, a + b)
    assert sum(pieces) == a.size and (len(pieces) > 1 or a.size < 2)
    pieces.clear()
    view = np.empty(shape[::-1], np.float32).T              # Fortran order for 2+ axes
    cpu_threads.map_flat(add, view, a, b)
    np.testing.assert_array_equal(view, a + b)


def test_relu_on_threads_equals_relu_on_one(monkeypatch):
    """ReLU's forward and backward split across threads (map_flat) give the one-thread values."""
    monkeypatch.setattr(cpu_threads, "ELEMENTS", 1)
    x = np.random.default_rng(1).standard_normal((8, 9, 10, 3)).astype(np.float32)
    x[0, 0, 0] = 0                                   # relu'(0) = 0

    def run():
        t = Tensor(x, requires_grad=True)
        y = ops.relu(t)
        (y * y).sum().backward()
        return y.numpy(), t.grad.numpy()

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = run()
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    two = run()
    np.testing.assert_array_equal(two[0], np.maximum(x, 0))
    np.testing.assert_array_equal(two[1], 2 * np.maximum(x, 0))
    for got, want in zip(two, one):
        np.testing.assert_array_equal(got, want)

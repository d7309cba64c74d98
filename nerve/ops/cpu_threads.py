"""The threads nerve's compiled CPU kernels run on, and the pool that runs them.

A kernel compiled with ``nogil`` (numba) runs without Python's lock, so pieces of one
operation (ranges of the batch) run at once on as many threads as :func:`count` says:
``OMP_NUM_THREADS``, as for NumPy's BLAS and PyTorch, else every core this process may run
on. The calling thread runs the first piece itself and a small persistent pool the others.
A piece that itself asks for pieces gets one (no nested waits on the same pool).
"""

import concurrent.futures
import os
import threading

_state = threading.local()            # .inside: this thread is running a piece
_pools = {}                           # workers -> ThreadPoolExecutor


def count():
    """The threads a CPU kernel may use: ``OMP_NUM_THREADS`` (its first number) if set, else the
    cores this process may run on."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pieces(items, work, min_work):
    """How many pieces to cut ``items`` into: one per thread, but at most one per ``min_work`` of
    ``work`` (where starting a thread costs more than it saves) and at most ``items``; 1 inside a piece."""
    if getattr(_state, "inside", False):
        return 1
    return max(1, min(count(), items, work // max(min_work, 1)))


def ranges(items, parts):
    """``parts`` contiguous (start, stop) ranges of range(items), sizes within 1 of each other."""
    return [(items * i // parts, items * (i + 1) // parts) for i in range(parts)]


def run(task, spans):
    """[task(start, stop) for (start, stop) in spans], the first on this thread and the others on
    the pool, at once; returns once every one has finished (re-raising the first error)."""
    if len(spans) == 1:
        return [task(*spans[0])]
    workers = len(spans) - 1
    if workers not in _pools:
        _pools[workers] = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="nerve-kernel")
    futures = [_pools[workers].submit(_piece, task, *span) for span in spans[1:]]
    try:
        first = _piece(task, *spans[0])
    finally:
        concurrent.futures.wait(futures)
    return [first] + [future.result() for future in futures]


def _piece(task, start, stop):
    _state.inside = True
    try:
        return task(start, stop)
    finally:
        _state.inside = False

"""The threads nerve's compiled CPU kernels run on, and the pool that runs them.

A kernel compiled with ``nogil`` (numba), or a NumPy ufunc or copy on a large array, runs
without Python's lock, so pieces of one operation (ranges of the batch, of a product's rows, of
an elementwise op's elements) run at once on as many threads as :func:`count` says:
``OMP_NUM_THREADS``, as for NumPy's BLAS and PyTorch, else every core this process may run
on. The calling thread and a small persistent pool take the pieces one after the other, so a
thread slowed by other work on its core (another process, or NumPy's BLAS threads, which
spin a while after each product) takes fewer. A piece that itself asks for threads gets one
(no nested waits on the same pool).
"""

import concurrent.futures
import itertools
import os
import threading

import numpy

PIECE_MACS = 1 << 22           # the least work (multiply-adds) worth a thread of its own
SPANS_PER_THREAD = 4           # a thread slowed by other work takes fewer of them
ELEMENTS = 1 << 17             # the fewest elements an elementwise op splits across threads

_state = threading.local()            # .inside: this thread is running a piece
_pools = {}                           # workers -> ThreadPoolExecutor
if hasattr(os, "register_at_fork"):   # a forked child has none of the parent's threads: new pools
    os.register_at_fork(after_in_child=_pools.clear)


def count():
    """The threads a CPU kernel may use: ``OMP_NUM_THREADS`` (its first number) if set, else the
    cores this process may run on."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def threads_for(items, work, min_work):
    """The threads worth using on ``items`` pieces of ``work`` in all: :func:`count`, but at most one
    per ``min_work`` (where waking a thread costs more than it saves) and per item; 1 inside a piece."""
    if getattr(_state, "inside", False):
        return 1
    return max(1, min(count(), items, work // max(min_work, 1)))


def in_pieces(task, items, macs, per_thread=None, min_work=None):
    """[task(i0, i1)] over ranges of ``items`` (a batch, the rows of a product), run at once on
    :func:`count` threads: ``per_thread`` ranges per thread (SPANS_PER_THREAD), taken as threads come
    free; one thread and one range when ``macs`` multiply-adds are too few to pay for a second
    (``min_work``, PIECE_MACS)."""
    threads = threads_for(items, macs, PIECE_MACS if min_work is None else min_work)
    spans = 1 if threads == 1 else min(items, (per_thread or SPANS_PER_THREAD) * threads)
    return run(task, ranges(items, spans), threads)


def map_flat(fn, out, *arrays):
    """``fn(*arrays, out)`` for an elementwise ``fn`` of same-sized arrays, over ranges of their
    flattened elements on :func:`count` threads when all are C-contiguous NumPy arrays of at least
    ELEMENTS elements (NumPy's ufuncs release Python's lock); returns ``out``."""
    flats = [a.reshape(-1) for a in (*arrays, out)]
    if not all(type(a) is numpy.ndarray and a.flags.c_contiguous and a.size == out.size for a in (*arrays, out)):
        fn(*arrays, out)
        return out
    in_pieces(lambda i0, i1: fn(*(a[i0:i1] for a in flats)), out.size, out.size, per_thread=2, min_work=ELEMENTS)
    return out


def ranges(items, parts):
    """``parts`` contiguous (start, stop) ranges of range(items), sizes within 1 of each other."""
    return [(items * i // parts, items * (i + 1) // parts) for i in range(parts)]


def run(task, spans, threads):
    """[task(start, stop) for (start, stop) in spans], in that order, computed by ``threads`` threads
    at once (this one and the pool's), each taking the next span when it finishes one. Returns once
    every span is done, re-raising the first error."""
    if threads == 1 or len(spans) == 1:
        return [task(*span) for span in spans]
    results, taken = [None] * len(spans), itertools.count()

    def take_spans():
        _state.inside = True
        try:
            while (index := next(taken)) < len(spans):       # next() on a count is atomic
                results[index] = task(*spans[index])
        finally:
            _state.inside = False

    workers = threads - 1
    if workers not in _pools:
        _pools[workers] = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="nerve-kernel")
    futures = [_pools[workers].submit(take_spans) for _ in range(workers)]
    try:
        take_spans()
    finally:
        concurrent.futures.wait(futures)
    for future in futures:
        future.result()
    return results

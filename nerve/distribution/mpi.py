"""The MPI collectives data-parallel training needs, on flat NumPy buffers.

Only mpi4py's buffer methods (``Allreduce``, ``Bcast``) are used: they send raw bytes. Its
lower-case methods pickle Python objects, and nothing in nerve pickles.

Gradients travel in buckets: every gradient of a step is copied into one contiguous float buffer
(split only past ``BUCKET_BYTES``), reduced with one ``Allreduce`` and copied back. One call per
tensor would pay MPI's latency once per layer; one call per step pays it once.
"""

import numpy

from .. import backend

BUCKET_BYTES = 64 * 2 ** 20


def world():
    """mpi4py's COMM_WORLD, imported on first use (the optional ``distributed`` extra)."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ImportError("nerve.distribution needs mpi4py and an MPI: pip install 'nerve[distributed]' "
                          "(mpi4py with the mpich wheel); then launch with mpiexec -n N python script.py") from error
    return MPI.COMM_WORLD


def _sum_op():
    from mpi4py import MPI
    return MPI.SUM


def allreduce_sum(comm, arrays):
    """Σ over every process of each array in ``arrays``: new arrays, in as few calls as buckets allow.

    Arrays of one dtype share a bucket. The inputs are only read (a gradient may be a read-only
    broadcast view, or share its buffer with another).
    """
    results = [None] * len(arrays)
    by_dtype = {}
    for index, array in enumerate(arrays):
        by_dtype.setdefault(array.dtype, []).append(index)
    for dtype, indices in by_dtype.items():
        for bucket in _buckets(indices, [arrays[i].size for i in indices], BUCKET_BYTES // dtype.itemsize):
            flat = numpy.concatenate([backend.to_numpy(arrays[i]).ravel() for i in bucket])
            total = numpy.empty_like(flat)
            comm.Allreduce(flat, total, op=_sum_op())
            start = 0
            for i in bucket:
                size = arrays[i].size
                results[i] = backend.xp.asarray(total[start:start + size].reshape(arrays[i].shape))
                start += size
    return results


def broadcast(comm, arrays, root=0):
    """Copy each array of rank ``root`` into the same array on every other rank, in place."""
    by_dtype = {}
    for array in arrays:
        by_dtype.setdefault(array.dtype, []).append(array)
    for dtype, group in by_dtype.items():
        for bucket in _buckets(group, [a.size for a in group], BUCKET_BYTES // dtype.itemsize):
            flat = numpy.concatenate([backend.to_numpy(a).ravel() for a in bucket])
            comm.Bcast(flat, root=root)
            start = 0
            for array in bucket:
                array[...] = backend.xp.asarray(flat[start:start + array.size].reshape(array.shape))
                start += array.size


def broadcast_generator_state(comm, generator, root=0):
    """Give every rank the state of ``root``'s NumPy PCG64 generator, so all draw the same numbers."""
    state = generator.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        raise ValueError(f"distribution: cannot share a {state.get('bit_generator')} generator's state")
    words = numpy.zeros(6, numpy.uint64)
    for i, key in enumerate(("state", "inc")):
        value = state["state"][key]
        words[2 * i], words[2 * i + 1] = value >> 64, value & (2 ** 64 - 1)
    words[4], words[5] = state["has_uint32"], state["uinteger"]
    comm.Bcast(words, root=root)
    generator.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (int(words[0]) << 64) | int(words[1]), "inc": (int(words[2]) << 64) | int(words[3])},
        "has_uint32": int(words[4]), "uinteger": int(words[5]),
    }


def _buckets(items, sizes, max_elements):
    """Consecutive runs of ``items`` whose ``sizes`` add up to at most ``max_elements`` (or one item)."""
    bucket, total = [], 0
    for item, size in zip(items, sizes):
        if bucket and total + size > max_elements:
            yield bucket
            bucket, total = [], 0
        bucket.append(item)
        total += size
    if bucket:
        yield bucket

"""Synchronous data-parallel training over MPI, spelled as Keras 3's ``keras.distribution``.

Every process holds a whole replica of the model. At each step of ``fit`` the global batch of
``batch_size`` samples is cut into one contiguous shard per process; each process runs forward
and backward on its shard; the gradients are averaged across processes with one bucketed
allreduce, weighted by shard size so that the result is exactly the gradient of the mean loss over
the global batch:

    g = Σ_r n_r · g_r / Σ_r n_r        (g_r: the mean-loss gradient on rank r's n_r samples)

and every replica applies the same update to the same weights, so the replicas never drift. The
weights (and the random generator's state, which decides the shuffling) are broadcast from rank 0
when ``fit`` starts; metric states are summed across processes before a result is read, so every
rank logs the same numbers; only rank 0 prints and writes files.

Usage, launched with ``mpiexec -n 4 python train.py`` (or ``nerve train ... --processes 4``)::

    dp = nerve.distribution.DataParallel()
    with dp.scope():
        model.fit(x, y, batch_size=256, epochs=5)      # 256 per step in all, 64 on each process

What is not synchronised: BatchNormalization's batch statistics are each process's own shard's
(as in PyTorch's DistributedDataParallel without SyncBatchNorm), and rank 0's moving statistics are
the ones saved; Dropout draws its masks from each process's generator.
"""

import contextlib
import os

import numpy

from ..backend import rng
from ..utils import tree
from . import mpi

_current = [None]


def distribution():
    """The distribution in effect (set by ``set_distribution`` or a ``scope()``), or None."""
    return _current[0]


def launched_processes():
    """How many processes the MPI job this process belongs to has (1 outside ``mpiexec``), read
    from the launcher's environment (MPICH and Intel MPI: PMI_SIZE; Open MPI: OMPI_COMM_WORLD_SIZE)
    without starting MPI."""
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def set_distribution(value):
    """Make ``value`` (a DataParallel, or None) the distribution every ``fit`` uses."""
    _current[0] = value


class DataParallel:
    """Data parallelism over the processes of an MPI job (one replica per process).

    Args:
        comm: an mpi4py communicator (``MPI.COMM_WORLD`` by default).
    """

    def __init__(self, comm=None):
        self.comm = comm if comm is not None else mpi.world()
        self.rank = self.comm.Get_rank()
        self.num_processes = self.comm.Get_size()
        self._share = 1.0

    @property
    def is_chief(self):
        """True on rank 0, the process that prints and writes files."""
        return self.rank == 0

    @contextlib.contextmanager
    def scope(self):
        """Within this block, ``fit``/``evaluate`` and every optimizer step are data-parallel."""
        previous = _current[0]
        _current[0] = self
        try:
            yield self
        finally:
            _current[0] = previous

    # ---- at the start of fit ------------------------------------------------------------
    def synchronize(self, model):
        """Give every replica rank 0's weights, optimizer state and random generator state."""
        variables = list(model.weights)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "built", False):
            variables += list(optimizer.variables)
        mpi.broadcast(self.comm, [v.data for v in variables])
        mpi.broadcast_generator_state(self.comm, rng())

    # ---- each step --------------------------------------------------------------------------
    def shard(self, data):
        """This process's contiguous share of a global batch (a structure of arrays).

        Rank r of N takes samples [r·B/N, (r+1)·B/N) of the B in the batch.
        """
        leaves = [a for a in tree.flatten(data) if getattr(a, "ndim", 0)]
        if not leaves:
            return data
        total = leaves[0].shape[0]
        if total < self.num_processes:
            raise ValueError(
                f"DataParallel: a batch of {total} samples cannot be shared by {self.num_processes} processes; "
                f"use a batch_size (and a data size) that leaves at least {self.num_processes} samples in every batch"
            )
        low = self.rank * total // self.num_processes
        high = (self.rank + 1) * total // self.num_processes
        self._share = (high - low) * self.num_processes / total
        return tree.map_structure(
            lambda a: a[low:high] if getattr(a, "ndim", 0) and a.shape[0] == total else a, data)

    def reduce_gradients(self, grads):
        """The global-batch gradients from each rank's shard gradients: Σ_r share_r · g_r / N."""
        present = [i for i, g in enumerate(grads) if g is not None]
        arrays = [_array(grads[i]) for i in present]
        if self._share != 1.0:
            arrays = [a * a.dtype.type(self._share) for a in arrays]
        summed = mpi.allreduce_sum(self.comm, arrays)
        result = list(grads)
        for i, total in zip(present, summed):
            result[i] = total / total.dtype.type(self.num_processes)
        return result

    def global_results(self, metrics, read_results):
        """``read_results()`` with every metric's state summed over the processes (then restored).

        A metric's state is its ``variables`` (sums and counts, as every Keras metric keeps them);
        the trainer's loss tracker keeps a plain running total and count.
        """
        from ..trainers.compile_utils import MeanTracker
        variables = [v for m in metrics if not isinstance(m, MeanTracker) for v in m.variables]
        trackers = [m for m in metrics if isinstance(m, MeanTracker)]
        local = [v.data.copy() for v in variables]
        tracked = [(t._total, t._count) for t in trackers]
        sums = numpy.asarray([float(value) for pair in tracked for value in pair], numpy.float64)
        totals = mpi.allreduce_sum(self.comm, [v.data for v in variables] + [sums])
        for v, total in zip(variables, totals):
            v.data[...] = total
        for i, tracker in enumerate(trackers):
            tracker._total, tracker._count = float(totals[-1][2 * i]), float(totals[-1][2 * i + 1])
        try:
            return read_results()
        finally:
            for v, value in zip(variables, local):
                v.data[...] = value
            for tracker, (total, count) in zip(trackers, tracked):
                tracker._total, tracker._count = total, count


def _array(value):
    return value.data if hasattr(value, "data") and not hasattr(value, "__array_interface__") else value

"""Training on many processes: synchronous data parallelism over MPI (Keras 3's ``keras.distribution``).

``DataParallel`` and how a step is shared are in :mod:`.data_parallel`; the collectives (bucketed
allreduce, broadcast) in :mod:`.mpi`. mpi4py is imported only when a DataParallel is made.
"""

from .data_parallel import DataParallel, distribution, launched_processes, set_distribution  # noqa: F401

__all__ = ["DataParallel", "distribution", "launched_processes", "set_distribution"]

"""PyDataset: batches computed in Python, one per index, as Keras's ``keras.utils.PyDataset``.

Subclass it with ``__len__`` (the number of batches) and ``__getitem__(index)`` (returning
``x``, ``(x, y)`` or ``(x, y, sample_weight)``), then pass it to ``fit`` / ``evaluate`` /
``predict`` as ``x``. ``on_epoch_end`` runs after each epoch (reshuffle there if you want).
``fit(shuffle=True)`` visits the batches in a new random order every epoch.

Example:
    >>> class Batches(nerve.utils.PyDataset):
    ...     def __init__(self, x, y, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x, self.y, self.batch_size = x, y, batch_size
    ...     def __len__(self):
    ...         return -(-len(self.x) // self.batch_size)
    ...     def __getitem__(self, i):
    ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
    ...         return self.x[s], self.y[s]
"""


class PyDataset:
    """Base class of Python-computed datasets of batches.

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility; nerve
            computes the batches in the training thread, in order.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return self._workers

    @property
    def use_multiprocessing(self):
        return self._use_multiprocessing

    @property
    def max_queue_size(self):
        return self._max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() (the number of batches)")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch."""


Sequence = PyDataset

"""Batches for ``fit``/``evaluate``/``predict``: from arrays, a Python generator or a PyDataset.

Arrays (NumPy arrays, Tensors, or lists/dicts of them for several inputs or outputs) are
converted once, up front: Tensors to NumPy, floats to ``floatx``. Each epoch then draws one
permutation and gathers each batch with one fancy index per array (measured faster than
gathering the whole epoch at once, and no second copy of the data); without shuffling, batches
are contiguous views. Generators and PyDatasets yield ready batches ``x``, ``(x, y)`` or
``(x, y, sample_weight)``.

Every batch comes out as a triple ``(x, y, sample_weight)``.
"""

import math
import warnings

import numpy

from .. import backend
from ..tensor import Tensor


# ---- Keras's data helpers --------------------------------------------------------------

def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> the triple (missing parts None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(data)} items"
    )


def class_weight_to_sample_weights(y, class_weight):
    """One weight per sample: ``class_weight[class of the sample]`` (1 for classes not listed)."""
    if isinstance(y, Tensor):
        y = y.data
    y = backend.to_numpy(y) if backend.is_array(y) else numpy.asarray(y)
    if y.ndim > 1:
        y = numpy.argmax(y, axis=-1) if y.shape[-1] != 1 else numpy.squeeze(y, axis=-1)
    classes = numpy.round(y).astype("int64")
    if classes.size and classes.min() < 0:
        raise ValueError(f"class_weight: labels must be non-negative class indices, received {classes.min()}")
    size = max(int(classes.max(initial=0)), max(class_weight, default=0)) + 1
    table = numpy.ones(size, dtype=backend.floatx())
    for label, weight in class_weight.items():
        table[int(label)] = weight
    return table[classes]


def _is_array_like(value):
    return isinstance(value, Tensor) or backend.is_array(value) or (
        hasattr(value, "__array__") and hasattr(value, "shape"))


def _is_structure(value):
    if isinstance(value, dict):
        return True
    if isinstance(value, (list, tuple)):
        return any(_is_array_like(v) or isinstance(v, (dict, list, tuple)) and _is_structure(v) for v in value)
    return False


def _to_numpy(value):
    """One array leaf as NumPy, floats cast to floatx (the only conversion the data ever gets)."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        array = backend.to_numpy(value) if backend.is_array(value) else numpy.asarray(value)
    except ValueError as err:
        if "inhomogeneous" not in str(err):
            raise
        raise ValueError(
            "data: received a list of sequences of different lengths (ragged), which is not a rectangular "
            "array; pad them to one length (keras.utils.pad_sequences) or pass a NumPy array"
        ) from None
    if backend.is_float_dtype(array.dtype) and array.dtype != backend.floatx():
        array = array.astype(backend.floatx())
    return array


def _map(fn, structure):
    """``fn`` over the array leaves of nested lists/tuples/dicts (None stays None)."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if _is_structure(structure):
        return type(structure)(_map(fn, v) for v in structure)
    return fn(structure)


def _leaves(structure):
    out = []
    _map(out.append, structure)
    return out


def train_validation_split(arrays, validation_split):
    """Split arrays into (training, validation), the validation part being the last fraction."""
    leaves = [a for a in _leaves(arrays) if a is not None]
    if not leaves:
        raise ValueError("validation_split: there is no data to split")
    if not all(_is_array_like(a) or isinstance(a, (list, tuple)) for a in leaves):
        raise ValueError(
            "validation_split is only supported for NumPy arrays and Tensors; for generators or a "
            f"PyDataset pass validation_data, received data of type {type(leaves[0]).__name__}"
        )
    n = len(leaves[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. "
            "Either provide more data, or a different value for the `validation_split` argument."
        )
    train = _map(lambda a: a[:split_at], arrays)
    val = _map(lambda a: a[split_at:], arrays)
    return train, val


def _to_device(structure):
    """Batch arrays moved to the active device (nothing to do on the CPU)."""
    if backend.device() == "cpu":
        return structure
    return _map(backend.xp.asarray, structure)


# ---- adapters ---------------------------------------------------------------------------

class ArrayAdapter:
    """Batches sliced from in-memory arrays, reshuffled every epoch."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None):
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
            if isinstance(y, (dict, list, tuple)) and _is_structure(y):
                raise ValueError("`class_weight` is only supported for Models with a single output.")
            sample_weight = class_weight_to_sample_weights(y, class_weight)
        self.data = _map(_to_numpy, (x, y, sample_weight))
        names = ("x", "y", "sample_weight")
        sizes = {name: [len(a) for a in _leaves(part)] for name, part in zip(names, self.data)}
        all_sizes = {s for v in sizes.values() for s in v}
        if len(all_sizes) > 1:
            detail = " ".join(f"'{k}' sizes: {', '.join(map(str, v))}" for k, v in sizes.items() if v)
            raise ValueError(
                "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
                f"samples. {detail}"
            )
        if not all_sizes:
            raise ValueError("fit/evaluate/predict: received no data (x is None)")
        self.num_samples = all_sizes.pop()
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.num_samples / self.batch_size)) if self.num_samples else 0
        self._simple = all(_is_array_like(p) or p is None for p in self.data)

    def __iter__(self):
        n, size = self.num_samples, self.batch_size
        order = None
        if self.shuffle == "batch":
            order = numpy.arange(n)
            starts = backend.rng(numpy).permutation(self.num_batches) * size
            order = numpy.concatenate([backend.rng(numpy).permutation(order[s:s + size]) for s in starts])
        elif self.shuffle:
            order = backend.rng(numpy).permutation(n)
        x, y, sw = self.data
        for start in range(0, n, size):
            if order is None:
                def take(a, s=start):
                    return a[s:s + size]
            else:
                index = order[start:start + size]

                def take(a, index=index):
                    return a[index]
            if self._simple:
                batch = (take(x), None if y is None else take(y), None if sw is None else take(sw))
            else:
                batch = _map(take, self.data)
            yield _to_device(batch)

    def on_epoch_end(self):
        pass


class GeneratorAdapter:
    """Batches from an iterator (a generator: one pass, of unknown length) or a re-iterable object
    (``__iter__``, such as a torch DataLoader: iterated afresh each epoch, ``len()`` batches)."""

    def __init__(self, source, class_weight=None):
        self.source = source
        self.reiterable = not hasattr(source, "__next__")
        self.class_weight = class_weight
        self.num_batches = len(source) if self.reiterable and hasattr(source, "__len__") else None

    def __iter__(self):
        for data in (iter(self.source) if self.reiterable else self.source):
            yield _prepare_batch(data, self.class_weight)

    def on_epoch_end(self):
        pass


class PyDatasetAdapter:
    """Batches ``dataset[i]`` of a PyDataset (in shuffled order when asked); ``on_epoch_end`` after each epoch."""

    def __init__(self, dataset, shuffle=False, class_weight=None):
        self.dataset = dataset
        self.shuffle = shuffle
        self.class_weight = class_weight
        self.num_batches = getattr(dataset, "num_batches", None) or len(dataset)

    def __iter__(self):
        indices = range(self.num_batches)
        if self.shuffle:
            indices = backend.rng(numpy).permutation(self.num_batches).tolist()
        for i in indices:
            yield _prepare_batch(self.dataset[i], self.class_weight)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _prepare_batch(data, class_weight):
    x, y, sw = unpack_x_y_sample_weight(data)
    if class_weight is not None:
        if sw is not None:
            raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
        sw = class_weight_to_sample_weights(y, class_weight)
    return _to_device(_map(_to_numpy, (x, y, sw)))


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None):
    """The adapter for ``x``: arrays, a PyDataset (``__len__`` + ``__getitem__``) or an iterator."""
    from ..utils.py_dataset import PyDataset
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer))
                                   or batch_size < 1):
        raise ValueError(f"`batch_size` must be a positive integer, received {batch_size!r}")
    if isinstance(x, PyDataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__")
                                    and hasattr(x, "on_epoch_end") and not _is_array_like(x)):
        _no_extra("a PyDataset", y, sample_weight, batch_size)
        return PyDatasetAdapter(x, shuffle=bool(shuffle), class_weight=class_weight)
    if hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(x, (list, tuple, dict))
                                   and not _is_array_like(x)):
        _no_extra("a generator", y, sample_weight, batch_size)
        return GeneratorAdapter(x, class_weight=class_weight)
    return ArrayAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, class_weight=class_weight)


def _no_extra(kind, y, sample_weight, batch_size):
    """A source of ready batches takes no ``y`` / ``sample_weight``; a ``batch_size`` is ignored
    with a warning, as Keras does (the source decides its batches)."""
    if batch_size is not None:
        warnings.warn(
            f"batch_size={batch_size!r} is ignored: x is {kind}, which yields its batches itself.",
            stacklevel=4,
        )
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"When x is {kind}, it yields the batches itself: `{name}` must not be given "
                f"(received {name}={value!r})"
            )


class EpochIterator:
    """``(step, batch)`` pairs for one epoch; with ``steps_per_epoch``, the data carries on across
    epochs (restarting when it runs out, if its length is known)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None):
        self.adapter = get_data_adapter(x, y, sample_weight, batch_size, shuffle, class_weight)
        self.steps_per_epoch = steps_per_epoch
        self._iterator = None
        self._exhausted = False

    @property
    def num_batches(self):
        return self.steps_per_epoch or self.adapter.num_batches

    @property
    def exhausted(self):
        """True once a generator ran out before ``steps_per_epoch`` batches (training then stops)."""
        return self._exhausted

    def __iter__(self):
        if not self.steps_per_epoch:
            for step, batch in enumerate(self.adapter):
                yield step, batch
            self.adapter.on_epoch_end()
            return
        if self._iterator is None:
            self._iterator = iter(self.adapter)
            self._exhausted = False
        for step in range(self.steps_per_epoch):
            if self._exhausted:
                return
            try:
                batch = next(self._iterator)
            except StopIteration:
                self.adapter.on_epoch_end()
                if self.adapter.num_batches is None:
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make sure that your "
                        "generator can generate at least `steps_per_epoch * epochs` batches.",
                        stacklevel=2,
                    )
                    self._exhausted = True
                    return
                self._iterator = iter(self.adapter)
                batch = next(self._iterator)
            yield step, batch

    def reset(self):
        self._iterator = None
        self._exhausted = False

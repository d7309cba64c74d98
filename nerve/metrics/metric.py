"""Metric: stateful statistics accumulated over batches (Keras 3's contract).

A metric keeps its running state in non-trainable Variables and updates them in
place from raw arrays: ``update_state`` builds no graph, whether its inputs are
arrays or Tensors. ``result()`` returns a scalar Tensor (``float()`` works on it).
"""

from .. import backend
from ..ops.loss_functions import squeeze_or_expand_to_same_rank
from ..tensor import Tensor, Variable
from ..utils.configurable import FromConfig
from ..utils.naming import auto_name


def as_array(x, dtype=None):
    """The raw array behind ``x`` (Tensor, array, list or number), cast to ``dtype`` if given."""
    if isinstance(x, Tensor):
        x = x.data
    elif not backend.is_array(x):
        x = backend.xp.asarray(x)
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    return x


class Metric(FromConfig):
    """Base class: subclasses define ``update_state`` and ``result``; state via ``add_variable``.

    Args:
        dtype: the dtype of the state and the result (default ``floatx()``).
        name: the metric's name (default: the class name in snake case, numbered if repeated).
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(type(self).__name__, "metrics")
        self._dtype = backend.standardize_dtype(dtype or backend.floatx())
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A state Variable (zeros unless ``initializer`` is a number), tracked in ``variables``."""
        value = 0 if initializer == "zeros" else initializer
        data = backend.xp.full(shape, value, dtype=dtype or self._dtype)
        variable = Variable(data, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must define result")

    def reset_state(self):
        """Set every state variable back to zero."""
        for variable in self._variables:
            variable.data[...] = 0

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _scalar(self, value):
        """``value`` as a 0-d Tensor of the metric's dtype."""
        return Tensor.wrap(backend.xp.asarray(value, dtype=self._dtype))

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def reduce_to_samplewise_values(values, sample_weight, dtype):
    """Per-sample values and weights (Keras's rule), values already weighted.

    Values beyond the weight's rank are averaged; the weight is broadcast to the values;
    then both are averaged down to one number per sample.
    """
    xp = backend.array_module(values)
    values = as_array(values, dtype)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if values.ndim > sample_weight.ndim:
            values = values.mean(axis=tuple(range(sample_weight.ndim, values.ndim)))
        sample_weight = xp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if sample_weight.ndim > 1:
            sample_weight = sample_weight.mean(axis=tuple(range(1, sample_weight.ndim)))
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, self._dtype)
        self.total.data += float(values.sum())

    def result(self):
        return self._scalar(self.total.data)


class Mean(Metric):
    """The (weighted) mean of all values seen: Σ w·x / Σ w.

    Each sample counts once: values of shape (batch, ...) are first averaged per sample.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, self._dtype)
        self.total.data += float(values.sum())
        if sample_weight is not None:
            self.count.data += float(sample_weight.sum())
        else:
            self.count.data += values.shape[0] if values.ndim >= 1 else 1

    def result(self):
        count = float(self.count.data)
        return self._scalar(float(self.total.data) / count if count else 0.0)


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    Args:
        fn: a per-sample metric function (returns values of shape (batch,) or (batch, ...)).
        name: the metric's name.  dtype: the result's dtype.
        **kwargs: passed to ``fn``.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        name = name or getattr(fn, "__name__", None) or auto_name("mean_metric_wrapper", "metrics")
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            from . import get_function
            config["fn"] = get_function(config["fn"])
        return cls(**config)

"""What ``compile(loss=..., loss_weights=..., metrics=...)`` turns into, as Keras 3 resolves it.

:class:`CompileLoss` maps the loss argument (one loss, a list per output or a dict by output
name) onto the model's outputs and sums the weighted per-output losses. :class:`CompileMetrics`
does the same for metrics, resolving "accuracy" from the shapes of the first batch (binary,
sparse categorical or categorical) and naming each metric after its output when there are
several. Both build lazily, on the first batch, because they need the shapes of ``y``.
Metrics are updated on raw arrays: no graph is recorded for them.
"""

from .. import backend
from ..tensor import Tensor


class MeanTracker:
    """A running mean of scalar values weighted by a count: sum(v·w) / sum(w) (Keras's ``Mean``)."""

    _direction = "down"

    def __init__(self, name):
        self.name = name
        self.reset_state()

    def update_state(self, value, sample_weight=1):
        value = value.data if isinstance(value, Tensor) else value
        self._total = self._total + value * sample_weight
        self._count += sample_weight

    def result(self):
        return float(self._total) / self._count if self._count else 0.0

    def reset_state(self):
        self._total = 0.0
        self._count = 0


def _output_names(y_pred, names, n):
    if isinstance(y_pred, dict):
        return list(y_pred)
    if names and len(names) == n:
        return list(names)
    return [f"output_{i}" for i in range(n)] if n > 1 else ["output"]


def flatten_outputs(y_pred, names):
    """The outputs as a list, in the order of ``names`` when they are a dict."""
    if isinstance(y_pred, dict):
        return [y_pred[k] for k in (names if names and set(names) == set(y_pred) else y_pred)]
    if isinstance(y_pred, (list, tuple)):
        return list(y_pred)
    return [y_pred]


def align(value, names, n, what):
    """``y`` or ``sample_weight`` as one entry per output (None where absent)."""
    if value is None:
        return [None] * n
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"{what}: keys {unknown} do not match any model output; the outputs are {names}"
            )
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(f"{what}: the model has {n} outputs {names}, received a list of {len(value)}")
        return list(value)
    if n == 1:
        return [value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value]
    if what == "sample_weight":
        return [value] * n
    raise ValueError(f"{what}: the model has {n} outputs {names}; pass a list or a dict of {n} targets")


def _resolve_loss(identifier):
    from .. import losses
    return losses.get(identifier)


class CompileLoss:
    """The compiled loss: Σᵢ wᵢ · lossᵢ(yᵢ, ŷᵢ, swᵢ) over the outputs that have a loss."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._loss, self._loss_weights, self._names = loss, loss_weights, output_names
        self.built = False
        self.metrics = []

    def build(self, y_pred):
        n = len(flatten_outputs(y_pred, self._names))
        self.names = names = _output_names(y_pred, self._names, n)
        loss = self._loss
        if isinstance(loss, dict):
            unknown = [k for k in loss if k not in names]
            if unknown:
                raise ValueError(f"compile(loss=...): keys {unknown} do not match any model output {names}")
            per_output = [loss.get(name) for name in names]
        elif isinstance(loss, (list, tuple)):
            if len(loss) != n:
                raise ValueError(
                    f"compile(loss=...): received a list of {len(loss)} losses for a model with {n} "
                    f"outputs {names}"
                )
            per_output = list(loss)
        else:
            per_output = [loss] * n
        self.fns = [_resolve_loss(f) if f is not None else None for f in per_output]
        weights = self._loss_weights
        if weights is None:
            self.weights = [1.0] * n
        elif isinstance(weights, dict):
            unknown = [k for k in weights if k not in names]
            if unknown:
                raise ValueError(
                    f"compile(loss_weights=...): keys {unknown} do not match any model output {names}")
            self.weights = [float(weights.get(name, 1.0)) for name in names]
        elif isinstance(weights, (list, tuple)):
            if len(weights) != n:
                raise ValueError(
                    f"compile(loss_weights=...): received {len(weights)} weights for {n} outputs {names}"
                )
            self.weights = [float(w) for w in weights]
        else:
            self.weights = [float(weights)] * n
        self._trackers = [MeanTracker(f"{name}_loss") if fn is not None and n > 1 else None
                          for name, fn in zip(names, self.fns)]
        self.metrics = [t for t in self._trackers if t is not None]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_pred)
        if (isinstance(y_pred, Tensor) and len(self.fns) == 1 and self.fns[0] is not None
                and not isinstance(y_true, (list, tuple, dict))):
            fn, weight = self.fns[0], self.weights[0]           # one output: the common, fast case
            if sample_weight is None:
                value = fn(y_true, y_pred)
            else:
                value = fn(y_true, y_pred, sample_weight=sample_weight)
            return value * weight if weight != 1.0 else value
        preds = flatten_outputs(y_pred, self.names)
        n = len(preds)
        trues = align(y_true, self.names, n, "y")
        weights = align(sample_weight, self.names, n, "sample_weight")
        total = None
        for fn, w, tracker, yt, yp, sw in zip(self.fns, self.weights, self._trackers, trues, preds, weights):
            if fn is None or yt is None:
                continue
            value = fn(yt, yp, sample_weight=sw) if sw is not None else fn(yt, yp)
            if tracker is not None:
                tracker.update_state(value.data, yp.shape[0] if yp.ndim else 1)
            if w != 1.0:
                value = value * w
            total = value if total is None else total + value
        return total

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


def get_metric(identifier, y_true, y_pred):
    """A Metric for ``identifier``; "accuracy"/"acc" and "crossentropy"/"ce" follow the data's shapes."""
    from .. import metrics as metrics_module
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        metric = metrics_module.resolve_accuracy(None, y_pred.shape, y_true.shape, name=identifier)
    elif isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary = y_pred.shape[-1] == 1 if y_pred.ndim else True
        is_sparse = y_true.ndim < y_pred.ndim or (y_true.ndim and y_true.shape[-1] == 1 and not is_binary)
        prefix = "Binary" if is_binary else "SparseCategorical" if is_sparse else "Categorical"
        metric = getattr(metrics_module, prefix + "Crossentropy")(name=identifier)
    else:
        metric = metrics_module.get(identifier)
        if isinstance(identifier, str):
            _rename(metric, identifier)
    return metric


def _rename(metric, name):
    try:
        metric.name = name
    except AttributeError:
        metric._name = name


class CompileMetrics:
    """The compiled metrics, one list per output; ``weighted_metrics`` also see the sample weights."""

    def __init__(self, metrics, weighted_metrics=None, output_names=None):
        self._metrics, self._weighted, self._names = metrics, weighted_metrics, output_names
        self.built = False
        self.metrics = []

    def build(self, y_true, y_pred):
        preds = flatten_outputs(y_pred, self._names)
        n = len(preds)
        self.names = _output_names(y_pred, self._names, n)
        trues = align(y_true, self.names, n, "y")
        self._plain = self._per_output(self._metrics, trues, preds, "metrics")
        self._weighted_lists = self._per_output(self._weighted, trues, preds, "weighted_metrics")
        self.metrics = [m for ms in self._plain for m in ms]
        seen = {m.name for m in self.metrics}
        for ms in self._weighted_lists:
            for m in ms:
                if m.name in seen:
                    _rename(m, "weighted_" + m.name)
                seen.add(m.name)
                self.metrics.append(m)
        self.built = True

    def _per_output(self, spec, trues, preds, argument):
        n = len(preds)
        if not spec:
            return [[] for _ in range(n)]
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in self.names]
            if unknown:
                raise ValueError(
                    f"compile({argument}=...): keys {unknown} do not match any model output {self.names}")
            lists = [spec.get(name) or [] for name in self.names]
            lists = [ms if isinstance(ms, (list, tuple)) else [ms] for ms in lists]
        elif n == 1:
            if not isinstance(spec, (list, tuple)):
                raise ValueError(
                    f"compile({argument}=...): with a single output, pass a list of metrics, "
                    f"received {spec!r} of type {type(spec).__name__}"
                )
            lists = [list(spec)]
        else:
            per_output = isinstance(spec, (list, tuple)) and len(spec) == n
            if not per_output or not all(isinstance(m, (list, tuple)) for m in spec):
                raise ValueError(
                    f"compile({argument}=...): for a model with {n} outputs {self.names}, pass a dict "
                    f"by output name or a list of {n} lists of metrics, received {spec!r}"
                )
            lists = [list(ms) for ms in spec]
        result = []
        for i, (ms, yt, yp) in enumerate(zip(lists, trues, preds)):
            built = [get_metric(m, yt, yp.data if isinstance(yp, Tensor) else yp) for m in ms if m is not None]
            if n > 1:
                for m in built:
                    _rename(m, f"{self.names[i]}_{m.name}")
            result.append(built)
        return result

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if isinstance(y_pred, Tensor) and len(self._plain) == 1 and not isinstance(y_true, (list, tuple, dict)):
            for m in self._plain[0]:                             # one output: the common, fast case
                m.update_state(y_true, y_pred.data)
            for m in self._weighted_lists[0]:
                m.update_state(y_true, y_pred.data, sample_weight=sample_weight)
            return
        preds = flatten_outputs(y_pred, self.names)
        n = len(preds)
        trues = align(y_true, self.names, n, "y")
        weights = align(sample_weight, self.names, n, "sample_weight")
        for plain, weighted, yt, yp, sw in zip(self._plain, self._weighted_lists, trues, preds, weights):
            if yt is None:
                continue
            raw = yp.data if isinstance(yp, Tensor) else yp
            for m in plain:
                m.update_state(yt, raw)
            for m in weighted:
                m.update_state(yt, raw, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


def result_value(metric):
    """A metric's result as a Python float (or a NumPy array when it is not a scalar)."""
    value = metric.result()
    if isinstance(value, float):
        return value
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "size") and value.size == 1:
        return float(value)
    if backend.is_array(value):
        return backend.to_numpy(value)
    return float(value) if isinstance(value, (int,)) else value

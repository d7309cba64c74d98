"""Cross-entropy primitives (keras.ops): per-sample losses; reducing over the batch is nerve.losses's job.

The cross-entropies have keras.ops's names and signatures and are fused Functions:
from logits they combine log-softmax (or log-sigmoid) with the likelihood so
that any finite logits give finite values and gradients; from probabilities
they clip to [ε, 1 − ε] (ε = 1e-7) exactly as Keras does. The other losses,
composed from differentiable ops, are in ``loss_functions.py``.
"""

from .. import backend, config
from ..autodiff import Function
from ..tensor import as_float_tensor, as_tensor
from .activations import _sigmoid
from .axis_activations import _log_softmax
from .unary import cast
from .reduction import normalize_axis
from .shape_ops import squeeze

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]


def _epsilon():
    """Keras's fuzz factor (keras.config.epsilon()): 1e-7 unless nerve.config provides another."""
    getter = getattr(config, "epsilon", None)
    return getter() if getter is not None else 1e-7


def _label_index(labels, axis):
    """The fancy index that picks, along ``axis``, the entry named by each label."""
    xp = backend.array_module(labels)
    ndim = labels.ndim
    grids = [xp.arange(n).reshape([n if j == d else 1 for j in range(ndim)]) for d, n in enumerate(labels.shape)]
    return tuple(grids[:axis] + [labels] + grids[axis:])


class SoftmaxCrossEntropy(Function):
    """L = −Σ t·log_softmax(z) over ``axis``;  dL/dz = softmax(z)·Σt − t (= softmax − t when Σt = 1),
    dL/dt = −log_softmax(z)"""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, target, logits):
        self.target = target
        self.logp = _log_softmax(logits, (self.axis,))
        return -(target * self.logp).sum(axis=self.axis)

    def backward(self, gy):
        xp = backend.array_module(gy)
        g = xp.expand_dims(gy, self.axis)
        gt = -self.logp * g if self.needs_grad[0] else None
        gz = None
        if self.needs_grad[1]:
            gz = xp.exp(self.logp)
            gz *= self.target.sum(axis=self.axis, keepdims=True)
            gz -= self.target
            gz *= g
        return gt, gz


class SparseSoftmaxCrossEntropy(Function):
    """L = −log_softmax(z)[label] along ``axis``;  dL/dz = softmax(z) − onehot(label),
    with the one-hot never built (the label entries are gathered and scattered by index)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, labels, logits):
        self.logp = _log_softmax(logits, (self.axis,))
        self.index = _label_index(labels, self.axis)
        return -self.logp[self.index]

    def backward(self, gy):
        xp = backend.array_module(gy)
        gz = xp.exp(self.logp)
        gz *= xp.expand_dims(gy, self.axis)
        gz[self.index] -= gy
        return None, gz


class ProbabilityCrossEntropy(Function):
    """q = clip(p/Σp, ε, 1 − ε) over ``axis``;  L = −Σ t·log q.

    With u = p/s, s = Σp and a = −t/q inside the clip range (0 outside):
    dL/dp = (a − Σ a·u)/s,  dL/dt = −log q.
    """

    def __init__(self, axis, epsilon):
        self.axis, self.epsilon = axis, epsilon

    def forward(self, target, p):
        xp = backend.array_module(p)
        self.s = p.sum(axis=self.axis, keepdims=True)
        self.u = p / self.s
        self.inside = (self.u >= self.epsilon) & (self.u <= 1 - self.epsilon)
        self.q = xp.clip(self.u, self.epsilon, 1 - self.epsilon)
        self.target = target
        self.logq = xp.log(self.q)
        return -(target * self.logq).sum(axis=self.axis)

    def backward(self, gy):
        xp = backend.array_module(gy)
        g = xp.expand_dims(gy, self.axis)
        gt = -self.logq * g if self.needs_grad[0] else None
        gp = None
        if self.needs_grad[1]:
            a = -self.target / self.q * self.inside
            gp = a - (a * self.u).sum(axis=self.axis, keepdims=True)
            gp *= g / self.s
        return gt, gp


class SparseProbabilityCrossEntropy(Function):
    """q = clip(p/Σp, ε, 1 − ε) over ``axis``;  L = −log q[label].

    With u = p/s, s = Σp and a = −1/q[label] inside the clip range (0 outside):
    dL/dp = a·(onehot(label) − u[label])/s (no one-hot built).
    """

    def __init__(self, axis, epsilon):
        self.axis, self.epsilon = axis, epsilon

    def forward(self, labels, p):
        xp = backend.array_module(p)
        self.shape = p.shape
        self.index = _label_index(labels, self.axis)
        self.s = p.sum(axis=self.axis)
        self.u = p[self.index] / self.s
        q = xp.clip(self.u, self.epsilon, 1 - self.epsilon)
        self.a = -(((self.u >= self.epsilon) & (self.u <= 1 - self.epsilon)) / q)
        return -xp.log(q)

    def backward(self, gy):
        xp = backend.array_module(gy)
        c = gy * self.a / self.s
        gp = xp.empty(self.shape, dtype=gy.dtype)
        gp[...] = xp.expand_dims(-c * self.u, self.axis)
        gp[self.index] += c
        return None, gp


class SigmoidBinaryCrossEntropy(Function):
    """L = max(z, 0) − z·t + log(1 + e^(−|z|)) (= −t·log σ(z) − (1 − t)·log(1 − σ(z)), stable);
    dL/dz = σ(z) − t,  dL/dt = −z"""

    def forward(self, target, z):
        xp = backend.array_module(z)
        self.target, self.z = target, z
        loss = xp.abs(z)
        xp.negative(loss, out=loss)
        xp.exp(loss, out=loss)
        xp.log1p(loss, out=loss)
        loss += xp.maximum(z, 0)
        loss -= z * target
        return loss

    def backward(self, gy):
        gt = -self.z * gy if self.needs_grad[0] else None
        gz = (_sigmoid(self.z) - self.target) * gy if self.needs_grad[1] else None
        return gt, gz


class BinaryCrossEntropy(Function):
    """q = clip(p, ε, 1 − ε);  L = −(t·log q + (1 − t)·log(1 − q));
    dL/dp = (q − t)/(q(1 − q)) inside the clip range, 0 outside;  dL/dt = log(1 − q) − log q"""

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def forward(self, target, p):
        xp = backend.array_module(p)
        self.inside = (p >= self.epsilon) & (p <= 1 - self.epsilon)
        self.q = xp.clip(p, self.epsilon, 1 - self.epsilon)
        self.target = target
        self.log_q, self.log_1mq = xp.log(self.q), xp.log1p(-self.q)
        return -(target * self.log_q + (1 - target) * self.log_1mq)

    def backward(self, gy):
        q = self.q
        gt = (self.log_1mq - self.log_q) * gy if self.needs_grad[0] else None
        gp = gy * (q - self.target) / (q * (1 - q)) * self.inside if self.needs_grad[1] else None
        return gt, gp


def _same_dtype(target, output):
    target = as_tensor(target)
    return target if target.dtype == output.dtype else cast(target, output.dtype)


def _check_same_shape(op_name, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{op_name}: target and output must have the same shape, received "
            f"target shape {target.shape} and output shape {output.shape}"
        )


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between target distributions and predictions along ``axis`` (keras.ops).

        from_logits:  L = −Σ t·log_softmax(z)   (fused; gradient softmax(z) − t)
        otherwise:    L = −Σ t·log clip(p/Σp, ε, 1 − ε),  ε = 1e-7 (as Keras)

    Args:
        target: one-hot or soft labels, the shape of ``output``.
        output: logits or probabilities, e.g. (batch, classes).
    Returns:
        Tensor of output's shape without ``axis``.
    """
    output = as_float_tensor(output)
    target = _same_dtype(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    axis = normalize_axis(axis, output.ndim, "categorical_crossentropy")[0]
    if from_logits:
        return SoftmaxCrossEntropy(axis)(target, output)
    return ProbabilityCrossEntropy(axis, _epsilon())(target, output)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy with integer labels (keras.ops): −log p[label] along ``axis``.

        from_logits:  L = −log_softmax(z)[label]   (fused; gradient softmax(z) − onehot, no one-hot built)
        otherwise:    L = −log clip(p[label]/Σp, ε, 1 − ε)

    Args:
        target: integer labels in [0, classes), of output's shape without ``axis``
            (a trailing axis of size 1 is accepted, as Keras does).
        output: logits or probabilities, e.g. (batch, classes).
    Returns:
        Tensor of the labels' shape.
    """
    output = as_float_tensor(output)
    target = as_tensor(target)
    axis = normalize_axis(axis, output.ndim, "sparse_categorical_crossentropy")[0]
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = squeeze(target, -1)
    expected = output.shape[:axis] + output.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: target must have shape {expected} (output shape "
            f"{output.shape} without axis {axis}), received {target.shape}"
        )
    labels = target.data
    if backend.is_float_dtype(labels.dtype):
        labels = labels.astype("int64")
    classes = output.shape[axis]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must lie in [0, {classes}), received labels "
            f"from {int(labels.min())} to {int(labels.max())}"
        )
    if from_logits:
        return SparseSoftmaxCrossEntropy(axis)(labels, output)
    return SparseProbabilityCrossEntropy(axis, _epsilon())(labels, output)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (keras.ops).

        from_logits:  L = max(z, 0) − z·t + log(1 + e^(−|z|))   (fused and stable; gradient σ(z) − t)
        otherwise:    L = −(t·log q + (1 − t)·log(1 − q)),  q = clip(p, ε, 1 − ε), ε = 1e-7

    Returns:
        Tensor of output's shape.
    """
    output = as_float_tensor(output)
    target = _same_dtype(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return SigmoidBinaryCrossEntropy()(target, output)
    return BinaryCrossEntropy(_epsilon())(target, output)

"""Loss primitives: per-sample (or per-element) losses; reducing over the batch is nerve.losses's job.

The cross-entropies have keras.ops's names and signatures and are fused Functions:
from logits they combine log-softmax (or log-sigmoid) with the likelihood so
that any finite logits give finite values and gradients; from probabilities
they clip to [ε, 1 − ε] (ε = 1e-7) exactly as Keras does. The other losses
follow Keras's loss functions (``keras.losses.mean_squared_error`` and friends:
reduced over the last axis) and are composed from differentiable ops.
"""

from .. import backend, config
from ..autodiff import Function
from ..tensor import as_tensor
from .activations import _max_for_shift, _sigmoid, sigmoid, softmax, softplus
from .math import abs, cast, clip, divide, log, maximum, multiply, power, square, subtract, where
from .reduction import max, mean, normalize_axis, sum
from .shape import expand_dims, squeeze

__all__ = [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence",
    "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy", "squared_hinge",
]


def _epsilon():
    """Keras's fuzz factor (keras.config.epsilon()): 1e-7 unless nerve.config provides another."""
    getter = getattr(config, "epsilon", None)
    return getter() if getter is not None else 1e-7


def _log_softmax(z, axis):
    xp = backend.array_module(z)
    logp = z - _max_for_shift(z, (axis,))
    logp -= xp.log(xp.exp(logp).sum(axis=axis, keepdims=True))
    return logp


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
        self.logp = _log_softmax(logits, self.axis)
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
        self.logp = _log_softmax(logits, self.axis)
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


def _float(x):
    x = as_tensor(x)
    return x if backend.is_float_dtype(x.dtype) else as_tensor(x, backend.floatx())


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
    output = _float(output)
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
    output = _float(output)
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
    output = _float(output)
    target = _same_dtype(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    if from_logits:
        return SigmoidBinaryCrossEntropy()(target, output)
    return BinaryCrossEntropy(_epsilon())(target, output)


# ---- Keras loss functions (reduced over the last axis), composed from ops ---------------

def _pair(y_true, y_pred):
    """y_pred as floats, y_true cast to its dtype, ranks matched as Keras's
    squeeze_or_expand_to_same_rank (a trailing axis of size 1 is dropped or added)."""
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            y_pred = expand_dims(y_pred, -1)
        else:
            y_true = squeeze(y_true, -1)
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            y_true = expand_dims(y_true, -1)
        else:
            y_pred = squeeze(y_pred, -1)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean((y_true − y_pred)², axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    return mean(square(subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true − y_pred|, axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    return mean(abs(subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100·mean(|(y_true − y_pred)/max(|y_true|, ε)|, axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    ratio = divide(subtract(y_true, y_pred), maximum(abs(y_true), _epsilon()))
    return multiply(mean(abs(ratio), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, ε) + 1) − log(max(y_true, ε) + 1))², axis=−1)"""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _epsilon()
    first = log(maximum(y_pred, eps) + 1.0)
    second = log(maximum(y_true, eps) + 1.0)
    return mean(square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean(½x² if |x| <= δ else δ·|x| − ½δ², axis=−1) with x = y_pred − y_true"""
    y_true, y_pred = _pair(y_true, y_pred)
    error = subtract(y_pred, y_true)
    abs_error = abs(error)
    quadratic = multiply(square(error), 0.5)
    linear = multiply(abs_error, float(delta)) - 0.5 * float(delta) ** 2
    return mean(where(abs_error.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log cosh(x), axis=−1) with x = y_pred − y_true, as x + softplus(−2x) − log 2"""
    y_true, y_pred = _pair(y_true, y_pred)
    x = subtract(y_pred, y_true)
    return mean(x + softplus(multiply(x, -2.0)) - 0.6931471805599453, axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred − y_true·log(y_pred + ε), axis=−1)"""
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    return mean(y_pred - y_true * log(y_pred + _epsilon()), axis=-1)


def _hinge_labels(y_true):
    """Keras converts labels that are all 0 or 1 to −1/1 (2t − 1); other labels pass unchanged."""
    xp = backend.array_module(y_true.data)
    if bool(xp.all((y_true.data == 0) | (y_true.data == 1))):
        return multiply(y_true, 2.0) - 1.0
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 − t·y_pred, 0), axis=−1), labels t in {−1, 1} (0/1 labels are converted)"""
    y_pred = _float(y_pred)
    t = _hinge_labels(_same_dtype(y_true, y_pred))
    return mean(maximum(1.0 - t * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 − t·y_pred, 0)², axis=−1), labels t in {−1, 1} (0/1 labels are converted)"""
    y_pred = _float(y_pred)
    t = _hinge_labels(_same_dtype(y_true, y_pred))
    return mean(square(maximum(1.0 - t * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 − t)·y_pred) − Σ t·y_pred + 1, 0), both reductions over the last axis"""
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    positive = sum(y_true * y_pred, axis=-1)
    negative = max((1.0 - y_true) * y_pred, axis=-1)
    return maximum(negative - positive + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """Σ t·log(t/p) over the last axis, with t and p clipped to [ε, 1]"""
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    eps = _epsilon()
    t, p = clip(y_true, eps, 1.0), clip(y_pred, eps, 1.0)
    return sum(t * log(t / p), axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal loss (Lin et al., 2017) on binary labels, as keras.losses.binary_focal_crossentropy.

        t ← t·(1 − s) + s/2 (label smoothing s);  p ← σ(p) with from_logits
        bce = binary_crossentropy(t, p),  p_t = t·p + (1 − t)(1 − p)
        L = mean((1 − p_t)^γ · bce · w, axis),  w = t·α + (1 − t)(1 − α) with class balancing, else 1
    """
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = sigmoid(y_pred)
    bce = binary_crossentropy(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = power(1.0 - p_t, float(gamma)) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal loss on one-hot labels, as keras.losses.categorical_focal_crossentropy.

        t ← t·(1 − s) + s/C (label smoothing s, C classes);  p ← softmax(p) with from_logits
        q = clip(p/Σp, ε, 1 − ε),  L = Σ α·(1 − q)^γ · (−t·log q)  over ``axis``
    """
    y_pred = _float(y_pred)
    y_true = _same_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = softmax(y_pred, axis=axis)
    eps = _epsilon()
    q = clip(y_pred / sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    cross_entropy = -(y_true * log(q))
    return sum(power(1.0 - q, float(gamma)) * alpha * cross_entropy, axis=axis)

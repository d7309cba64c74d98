"""Loss primitives: float64 gradient checks, the NumPy references of tests/numpy_reference.py and
Keras's formulas, PyTorch on the same cases, stability, dtypes."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import Tensor, ops
from nerve.testing import gradcheck

R = np.random.default_rng(5)
EPS = 1e-7


def rnd(*shape):
    return R.standard_normal(shape)


def probabilities(*shape, axis=-1):
    e = np.exp(R.standard_normal(shape))
    return e / e.sum(axis=axis, keepdims=True)


def grads_of(fn, arrays, upstream):
    tensors = [Tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating)) for a in arrays]
    out = fn(*tensors)
    out.backward(upstream)
    return out.numpy(), [t.grad.numpy() if t.requires_grad else None for t in tensors]


def torch_grads_of(torch, fn, arrays, upstream):
    tensors = [torch.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating)) for a in arrays]
    out = fn(*tensors)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in tensors]


# ---- categorical cross-entropy ----------------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((1, 4), -1), ((3, 5), -1), ((2, 3, 4), 1), ((4, 3), 0)])
@pytest.mark.parametrize("from_logits", [True, False])
def test_categorical_crossentropy_gradients(shape, axis, from_logits):
    target = probabilities(*shape, axis=axis)
    output = rnd(*shape) * 2 if from_logits else R.uniform(0.1, 1.0, shape)   # unnormalized: Keras renormalizes
    assert gradcheck(lambda t, o: ops.categorical_crossentropy(t, o, from_logits, axis), target, output)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 7)])   # classes on axis 1, as PyTorch wants them
def test_categorical_crossentropy_from_logits_against_torch(torch, dtype, tol, shape):
    target = probabilities(*shape, axis=1).astype(dtype)
    logits = (rnd(*shape) * 3).astype(dtype)
    g = rnd(shape[0], *shape[2:]).astype(dtype)
    ours = grads_of(lambda t, z: ops.categorical_crossentropy(t, z, from_logits=True, axis=1), [target, logits], g)
    theirs = torch_grads_of(torch, lambda t, z: torch.nn.functional.cross_entropy(z, t, reduction="none"),
                            [target, logits], g)
    assert ours[0].dtype == dtype and ours[1][1].dtype == dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    for mine, ref in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(mine, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 7)])
def test_crossentropies_on_axis_1_match_numpy_reference(dtype, tol, shape):
    target, logits = probabilities(*shape, axis=1).astype(dtype), (rnd(*shape) * 3).astype(dtype)
    loss = ops.categorical_crossentropy(target, logits, from_logits=True, axis=1)
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.numpy(), ref.categorical_crossentropy(target, logits, True, axis=1),
                               rtol=tol, atol=tol)
    labels = R.integers(0, shape[1], (shape[0], *shape[2:]))
    loss = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True, axis=1)
    np.testing.assert_allclose(loss.numpy(), ref.sparse_categorical_crossentropy(labels, logits, True, axis=1),
                               rtol=tol, atol=tol)
    probs = R.uniform(0.05, 1.0, (6, 4)).astype(dtype)              # unnormalised, as Keras accepts
    labels = R.integers(0, 4, 6)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, probs).numpy(),
                               ref.sparse_categorical_crossentropy(labels, probs), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_crossentropy_matches_numpy_reference(dtype, tol, from_logits):
    target = R.uniform(0, 1, (5, 4)).astype(dtype)
    output = (rnd(5, 4) * 4).astype(dtype) if from_logits else R.uniform(0.01, 0.99, (5, 4)).astype(dtype)
    loss = ops.binary_crossentropy(target, output, from_logits)
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.numpy(), ref.binary_crossentropy(target, output, from_logits), rtol=tol, atol=tol)


def test_categorical_crossentropy_on_probabilities_matches_keras_formula():
    target = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    output = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 1.8], [0.0, 0.4, 0.6]])   # sums != 1 and an exact 0
    q = np.clip(output / output.sum(-1, keepdims=True), EPS, 1 - EPS)
    np.testing.assert_allclose(ops.categorical_crossentropy(target, output).numpy(), -(target * np.log(q)).sum(-1))


def test_categorical_crossentropy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="categorical_crossentropy: target and output must have the same shape"):
        ops.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 4)))


# ---- sparse categorical cross-entropy ---------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((1, 4), -1), ((5, 3), -1), ((2, 4, 3), 1), ((3, 2, 4), -1)])
@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_categorical_crossentropy_gradients(shape, axis, from_logits):
    classes = shape[axis]
    labels_shape = tuple(n for i, n in enumerate(shape) if i != axis % len(shape))
    labels = R.integers(0, classes, labels_shape)
    output = rnd(*shape) * 2 if from_logits else R.uniform(0.1, 1.0, shape)
    assert gradcheck(lambda o: ops.sparse_categorical_crossentropy(labels, o, from_logits, axis), output)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_sparse_categorical_crossentropy_against_torch(torch, dtype, tol):
    labels = R.integers(0, 5, (4, 3))
    logits = (rnd(4, 5, 3) * 3).astype(dtype)
    g = rnd(4, 3).astype(dtype)
    ours = grads_of(lambda y, z: ops.sparse_categorical_crossentropy(y, z, from_logits=True, axis=1), [labels, logits], g)
    theirs = torch_grads_of(torch, lambda y, z: torch.nn.functional.cross_entropy(z, y, reduction="none"),
                            [labels, logits], g)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    np.testing.assert_allclose(ours[1][1], theirs[1][1], rtol=tol, atol=tol)

    probs = R.uniform(0.05, 1.0, (6, 4)).astype(dtype)
    labels = R.integers(0, 4, 6)
    g = rnd(6).astype(dtype)
    ours = grads_of(lambda y, p: ops.sparse_categorical_crossentropy(y, p), [labels, probs], g)

    def reference(y, p):
        return torch.nn.functional.nll_loss(torch.log(p / p.sum(-1, keepdim=True)), y, reduction="none")

    theirs = torch_grads_of(torch, reference, [labels, probs], g)
    assert ours[0].dtype == dtype and ours[1][1].dtype == dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    np.testing.assert_allclose(ours[1][1], theirs[1][1], rtol=tol, atol=tol)


def test_sparse_matches_dense_and_accepts_a_trailing_label_axis():
    labels = np.array([2, 0, 1, 1])
    logits = rnd(4, 3)
    onehot = np.eye(3)[labels]
    for from_logits, output in [(True, logits), (False, probabilities(4, 3))]:
        dense = ops.categorical_crossentropy(onehot, output, from_logits).numpy()
        np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, output, from_logits).numpy(), dense)
        np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels[:, None], output, from_logits).numpy(), dense)
    float_labels = labels.astype(np.float32)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(float_labels, logits, True).numpy(),
                               ops.sparse_categorical_crossentropy(labels, logits, True).numpy())


def test_sparse_categorical_crossentropy_on_clipped_probabilities():
    probs = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    labels = np.array([0, 0])
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, probs).numpy(), -np.log([EPS, 1 - EPS]))
    x = Tensor(probs, requires_grad=True)
    ops.sparse_categorical_crossentropy(labels, x).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_sparse_categorical_crossentropy_errors():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        ops.sparse_categorical_crossentropy(np.array([0, 3]), rnd(2, 3), from_logits=True)
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        ops.sparse_categorical_crossentropy(np.array([0, 1, 2]), rnd(2, 3), from_logits=True)


# ---- binary cross-entropy ----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1,), (4, 3), (2, 1, 3)])
@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_crossentropy_gradients(shape, from_logits):
    target = R.uniform(0, 1, shape)
    output = rnd(*shape) * 3 if from_logits else R.uniform(0.05, 0.95, shape)
    assert gradcheck(lambda t, o: ops.binary_crossentropy(t, o, from_logits), target, output)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_crossentropy_against_torch(torch, dtype, tol, from_logits):
    target = R.uniform(0, 1, (5, 4)).astype(dtype)
    output = (rnd(5, 4) * 4).astype(dtype) if from_logits else R.uniform(0.01, 0.99, (5, 4)).astype(dtype)
    g = rnd(5, 4).astype(dtype)
    ours = grads_of(lambda t, o: ops.binary_crossentropy(t, o, from_logits), [target, output], g)
    f = torch.nn.functional
    reference = f.binary_cross_entropy_with_logits if from_logits else f.binary_cross_entropy
    theirs = torch_grads_of(torch, lambda t, o: reference(o, t.detach(), reduction="none"), [target, output], g)
    assert ours[0].dtype == dtype and ours[1][1].dtype == dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    np.testing.assert_allclose(ours[1][1], theirs[1][1], rtol=tol, atol=tol)


def test_binary_crossentropy_clips_probabilities_as_keras():
    target, output = np.array([1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(ops.binary_crossentropy(target, output).numpy(),
                               [-np.log(EPS), -np.log(EPS), -np.log(1 - EPS)], rtol=1e-6)


# ---- stability on huge logits ---------------------------------------------------------------

def test_crossentropies_are_finite_on_logits_of_1000():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], dtype=np.float32)
    onehot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    labels = np.array([1, 0])
    cases = [
        (lambda z: ops.categorical_crossentropy(onehot, z, from_logits=True), [2000.0, 2000.0 + np.log(2)]),
        (lambda z: ops.sparse_categorical_crossentropy(labels, z, from_logits=True), [2000.0, 2000.0 + np.log(2)]),
        (lambda z: ops.binary_crossentropy(onehot, z, from_logits=True), [[1000, 1000, np.log(2)], [1000, 1000, 1000]]),
    ]
    for fn, expected in cases:
        z = Tensor(logits, requires_grad=True)
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            loss = fn(z)
            loss.sum().backward()
        assert loss.dtype == np.float32 and z.grad.dtype == np.float32
        assert np.isfinite(z.grad.numpy()).all()
        np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)
    z = Tensor(logits, requires_grad=True)
    ops.categorical_crossentropy(onehot, z, from_logits=True).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-6)


# ---- Keras loss functions ----------------------------------------------------------------------

def np_focal_binary(t, p, balance, alpha, gamma, from_logits, smoothing):
    if smoothing:
        t = t * (1 - smoothing) + 0.5 * smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    q = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    p_t = t * p + (1 - t) * (1 - p)
    loss = (1 - p_t) ** gamma * bce
    if balance:
        loss = (t * alpha + (1 - t) * (1 - alpha)) * loss
    return loss.mean(-1)


def np_focal_categorical(t, p, alpha, gamma, from_logits, smoothing):
    if smoothing:
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
    if from_logits:
        p = np.exp(p - p.max(-1, keepdims=True))
        p = p / p.sum(-1, keepdims=True)
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - q) ** gamma * -(t * np.log(q))).sum(-1)


def hinge_labels(t):
    return 2 * t - 1 if np.isin(t, [0, 1]).all() else t


KERAS = {  # name -> (call, numpy reference, makes (y_true, y_pred))
    "mean_squared_error": (ops.mean_squared_error, lambda t, p: ((t - p) ** 2).mean(-1), "reals"),
    "mean_absolute_error": (ops.mean_absolute_error, lambda t, p: np.abs(t - p).mean(-1), "reals"),
    "mean_absolute_percentage_error": (ops.mean_absolute_percentage_error,
                                       lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1), "reals"),
    "mean_squared_logarithmic_error": (ops.mean_squared_logarithmic_error,
                                       lambda t, p: ((np.log1p(np.maximum(p, EPS)) - np.log1p(np.maximum(t, EPS))) ** 2).mean(-1),
                                       "positive"),
    "huber": (ops.huber, lambda t, p: np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5).mean(-1), "reals"),
    "huber_delta": (lambda t, p: ops.huber(t, p, delta=0.7),
                    lambda t, p: np.where(np.abs(p - t) <= 0.7, 0.5 * (p - t) ** 2, 0.7 * np.abs(p - t) - 0.245).mean(-1),
                    "reals"),
    "log_cosh": (ops.log_cosh, lambda t, p: np.log(np.cosh(p - t)).mean(-1), "reals"),
    "poisson": (ops.poisson, lambda t, p: (p - t * np.log(p + EPS)).mean(-1), "positive"),
    "hinge": (ops.hinge, lambda t, p: np.maximum(1 - hinge_labels(t) * p, 0).mean(-1), "binary"),
    "squared_hinge": (ops.squared_hinge, lambda t, p: (np.maximum(1 - hinge_labels(t) * p, 0) ** 2).mean(-1), "binary"),
    "hinge_signed": (ops.hinge, lambda t, p: np.maximum(1 - t * p, 0).mean(-1), "signed"),
    "categorical_hinge": (ops.categorical_hinge,
                          lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0), "onehot"),
    "kl_divergence": (ops.kl_divergence, lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
                      "distributions"),
    "binary_focal": (ops.binary_focal_crossentropy, lambda t, p: np_focal_binary(t, p, False, 0.25, 2.0, False, 0), "binary_probs"),
    "binary_focal_options": (
        lambda t, p: ops.binary_focal_crossentropy(t, p, apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                                   from_logits=True, label_smoothing=0.1),
        lambda t, p: np_focal_binary(t, p, True, 0.4, 1.5, True, 0.1), "binary_logits"),
    "categorical_focal": (ops.categorical_focal_crossentropy,
                          lambda t, p: np_focal_categorical(t, p, 0.25, 2.0, False, 0), "distributions"),
    "categorical_focal_options": (
        lambda t, p: ops.categorical_focal_crossentropy(t, p, alpha=0.5, gamma=3.0, from_logits=True, label_smoothing=0.2),
        lambda t, p: np_focal_categorical(t, p, 0.5, 3.0, True, 0.2), "onehot"),
}


def make_pair(kind, shape):
    if kind == "reals":
        t, p = rnd(*shape), rnd(*shape)
        return t, t + R.choice([-1, 1], shape) * R.uniform(0.05, 2.5, shape)   # |error| away from delta's kink
    if kind == "positive":
        return R.uniform(0.1, 3, shape), R.uniform(0.1, 3, shape)
    if kind in ("binary", "binary_probs", "binary_logits", "signed"):
        t = R.integers(0, 2, shape).astype(float)
        if kind == "signed":
            return 2 * t - 1, rnd(*shape) * 0.4   # margins stay inside the hinge
        p = R.uniform(0.05, 0.95, shape) if kind == "binary_probs" else rnd(*shape) * 2
        return t, p
    if kind == "onehot":
        t = np.eye(shape[-1])[R.integers(0, shape[-1], shape[:-1])]
        return t, rnd(*shape)
    return probabilities(*shape), probabilities(*shape)


@pytest.mark.parametrize("name", sorted(KERAS))
@pytest.mark.parametrize("shape", [(1, 3), (4, 5), (2, 3, 4)])
def test_keras_losses_values_and_gradients(name, shape):
    op, reference, kind = KERAS[name]
    y_true, y_pred = make_pair(kind, shape)
    loss = op(y_true, y_pred)
    assert loss.shape == shape[:-1]
    np.testing.assert_allclose(loss.numpy(), reference(y_true, y_pred), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda p: op(y_true, p), y_pred)
    if kind in ("reals", "positive", "distributions"):
        assert gradcheck(lambda t: op(t, y_pred), y_true)


def test_keras_losses_against_torch(torch):
    f = torch.nn.functional
    t, p = rnd(4, 6), rnd(4, 6) * 2
    tt, pt = torch.tensor(t), torch.tensor(p)
    np.testing.assert_allclose(ops.mean_squared_error(t, p).numpy(), f.mse_loss(pt, tt, reduction="none").mean(-1).numpy())
    np.testing.assert_allclose(ops.mean_absolute_error(t, p).numpy(), f.l1_loss(pt, tt, reduction="none").mean(-1).numpy())
    np.testing.assert_allclose(ops.huber(t, p, delta=0.8).numpy(),
                               f.huber_loss(pt, tt, reduction="none", delta=0.8).mean(-1).numpy())
    target, pred = probabilities(4, 6), probabilities(4, 6)
    np.testing.assert_allclose(ops.kl_divergence(target, pred).numpy(),
                               f.kl_div(torch.log(torch.tensor(pred)), torch.tensor(target), reduction="none").sum(-1).numpy())
    np.testing.assert_allclose(ops.poisson(target, pred).numpy(),
                               f.poisson_nll_loss(torch.tensor(pred), torch.tensor(target), log_input=False, eps=EPS,
                                                  reduction="none").mean(-1).numpy(), rtol=1e-6)


def test_hinge_converts_only_binary_labels():
    pred = np.array([[0.3, -0.8, 2.0]])
    np.testing.assert_allclose(ops.hinge(np.array([[1.0, 0.0, 1.0]]), pred).numpy(), [(0.7 + 0.2 + 0) / 3])
    np.testing.assert_allclose(ops.hinge(np.array([[1.0, -1.0, 1.0]]), pred).numpy(), [(0.7 + 0.2 + 0) / 3])
    np.testing.assert_allclose(ops.hinge(np.array([[0.5, 0.0, 1.0]]), pred).numpy(), [(0.85 + 1 + 0) / 3])


def test_regression_losses_match_ranks_as_keras():
    t, p = rnd(5), rnd(5, 1)
    np.testing.assert_allclose(ops.mean_squared_error(t, p).numpy(), ((t[:, None] - p) ** 2).mean(-1))
    np.testing.assert_allclose(ops.mean_squared_error(t[:, None], p[:, 0]).numpy(), ((t[:, None] - p) ** 2).mean(-1))
    t2, p2 = rnd(3, 4, 1), rnd(3, 4)
    np.testing.assert_allclose(ops.mean_absolute_error(t2, p2).numpy(), np.abs(t2[..., 0] - p2).mean(-1))


def test_losses_keep_float32():
    t = probabilities(3, 4).astype(np.float32)
    labels = np.array([0, 3, 1])
    p = Tensor(probabilities(3, 4).astype(np.float32), requires_grad=True)
    calls = [lambda: ops.categorical_crossentropy(t, p), lambda: ops.categorical_crossentropy(t, p, True),
             lambda: ops.sparse_categorical_crossentropy(labels, p), lambda: ops.sparse_categorical_crossentropy(labels, p, True),
             lambda: ops.binary_crossentropy(t, p), lambda: ops.binary_crossentropy(t, p, True)]
    calls += [lambda op=op: op(t, p) for op, _, _ in KERAS.values()]
    for call in calls:
        p.grad = None
        loss = call()
        loss.sum().backward()
        assert loss.dtype == np.float32 and p.grad.dtype == np.float32
    loss = ops.mean_squared_error(np.array([[1, 2]]), p[:1, :2])   # integer targets take the predictions' dtype
    assert loss.dtype == np.float32

"""Losses: formulas in numpy, PyTorch's values and gradients, reductions, sample weights, get()."""

import numpy as np
import pytest

import nerve
from nerve import losses
from nerve.testing import gradcheck

EPS = 1e-7


@pytest.fixture
def data(rng):
    logits = rng.standard_normal((5, 4)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = rng.integers(0, 4, 5)
    onehot = np.eye(4, dtype=np.float32)[labels]
    return {"logits": logits, "probs": probs, "labels": labels, "onehot": onehot,
            "y": rng.standard_normal((5, 3)).astype(np.float32),
            "p": rng.standard_normal((5, 3)).astype(np.float32),
            "bin": rng.integers(0, 2, (5, 3)).astype(np.float32),
            "sig": (1 / (1 + np.exp(-rng.standard_normal((5, 3))))).astype(np.float32)}


def value(loss, *args, **kwargs):
    out = loss(*args, **kwargs)
    assert isinstance(out, nerve.Tensor) and out.dtype == np.float32
    return out.numpy()


# ---- each loss against its formula -----------------------------------------------------

def test_regression_losses_match_formulas(data):
    y, p = data["y"], data["p"]
    d = y - p
    np.testing.assert_allclose(value(losses.MeanSquaredError(), y, p), (d ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(value(losses.MeanAbsoluteError(), y, p), abs(d).mean(), rtol=1e-6)
    for delta in (1.0, 0.3):
        a = abs(d)
        huber = np.where(a <= delta, 0.5 * d ** 2, delta * a - 0.5 * delta ** 2)
        np.testing.assert_allclose(value(losses.Huber(delta), y, p), huber.mean(), rtol=1e-6)
    mape = 100 * abs(d / np.maximum(abs(y), EPS)).mean()
    np.testing.assert_allclose(value(losses.MeanAbsolutePercentageError(), y, p), mape, rtol=1e-5)
    ya, pa = abs(y), abs(p)
    msle = ((np.log1p(pa) - np.log1p(ya)) ** 2).mean()
    np.testing.assert_allclose(value(losses.MeanSquaredLogarithmicError(), ya, pa), msle, rtol=1e-5)
    np.testing.assert_allclose(value(losses.LogCosh(), y, p), np.log(np.cosh(p - y)).mean(), rtol=1e-5)
    cos = (y * p).sum(-1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1)
    np.testing.assert_allclose(value(losses.CosineSimilarity(), y, p), -cos.mean(), rtol=1e-5)
    np.testing.assert_allclose(value(losses.Poisson(), ya, pa), (pa - ya * np.log(pa + EPS)).mean(), rtol=1e-5)


def test_crossentropies_match_formulas(data):
    t, p, z = data["onehot"], data["probs"], data["logits"]
    cce = -(t * np.log(p)).sum(-1).mean()
    np.testing.assert_allclose(value(losses.CategoricalCrossentropy(), t, p), cce, rtol=1e-5)
    np.testing.assert_allclose(value(losses.CategoricalCrossentropy(from_logits=True), t, z), cce, rtol=1e-5)
    np.testing.assert_allclose(value(losses.SparseCategoricalCrossentropy(), data["labels"], p), cce, rtol=1e-5)
    np.testing.assert_allclose(
        value(losses.SparseCategoricalCrossentropy(from_logits=True), data["labels"][:, None], z), cce, rtol=1e-5)
    s = 0.2
    smooth = t * (1 - s) + s / 4
    np.testing.assert_allclose(value(losses.CategoricalCrossentropy(label_smoothing=s), t, p),
                               -(smooth * np.log(p)).sum(-1).mean(), rtol=1e-5)
    b, q = data["bin"], data["sig"]
    bce = -(b * np.log(q) + (1 - b) * np.log(1 - q))
    np.testing.assert_allclose(value(losses.BinaryCrossentropy(), b, q), bce.mean(), rtol=1e-5)
    logit_q = np.log(q / (1 - q))
    np.testing.assert_allclose(value(losses.BinaryCrossentropy(from_logits=True), b, logit_q), bce.mean(),
                               rtol=1e-5)
    bs = b * (1 - s) + 0.5 * s
    np.testing.assert_allclose(value(losses.BinaryCrossentropy(label_smoothing=s), b, q),
                               (-(bs * np.log(q) + (1 - bs) * np.log(1 - q))).mean(), rtol=1e-5)
    kld = (t.clip(EPS, 1) * np.log(t.clip(EPS, 1) / p)).sum(-1).mean()
    np.testing.assert_allclose(value(losses.KLDivergence(), t, p), kld, rtol=1e-5)


def test_focal_and_hinge_losses_match_formulas(data):
    b, q = data["bin"], data["sig"]
    bce = -(b * np.log(q) + (1 - b) * np.log(1 - q))
    p_t = b * q + (1 - b) * (1 - q)
    focal = (1 - p_t) ** 2 * bce
    np.testing.assert_allclose(value(losses.BinaryFocalCrossentropy(), b, q), focal.mean(), rtol=1e-5)
    balanced = (b * 0.25 + (1 - b) * 0.75) * focal
    np.testing.assert_allclose(value(losses.BinaryFocalCrossentropy(apply_class_balancing=True), b, q),
                               balanced.mean(), rtol=1e-5)
    t, p = data["onehot"], data["probs"]
    cfocal = (0.25 * (1 - p) ** 2 * -(t * np.log(p))).sum(-1).mean()
    np.testing.assert_allclose(value(losses.CategoricalFocalCrossentropy(), t, p), cfocal, rtol=1e-5)
    y = data["y"]
    signs = 2 * b - 1                                        # 0/1 labels become −1/1
    np.testing.assert_allclose(value(losses.Hinge(), b, y), np.maximum(1 - signs * y, 0).mean(), rtol=1e-6)
    np.testing.assert_allclose(value(losses.SquaredHinge(), b, y), (np.maximum(1 - signs * y, 0) ** 2).mean(),
                               rtol=1e-6)
    z = data["logits"]
    pos = (t * z).sum(-1)
    neg = ((1 - t) * z).max(-1)
    np.testing.assert_allclose(value(losses.CategoricalHinge(), t, z), np.maximum(neg - pos + 1, 0).mean(),
                               rtol=1e-6)


# ---- against PyTorch: values and gradients ---------------------------------------------

def _nerve_and_torch_grad(torch, loss, torch_fn, y_true, y_pred):
    pred = nerve.Tensor(y_pred, requires_grad=True)
    out = loss(y_true, pred)
    out.backward()
    tp = torch.tensor(y_pred, requires_grad=True)
    ref = torch_fn(tp)
    ref.backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(pred.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-7)


def test_against_torch(torch, data):
    F = torch.nn.functional
    y, p = data["y"], data["p"]
    ty = torch.tensor(y)
    _nerve_and_torch_grad(torch, losses.MeanSquaredError(), lambda x: F.mse_loss(x, ty), y, p)
    _nerve_and_torch_grad(torch, losses.MeanAbsoluteError(), lambda x: F.l1_loss(x, ty), y, p)
    _nerve_and_torch_grad(torch, losses.Huber(0.5), lambda x: F.huber_loss(x, ty, delta=0.5), y, p)
    labels, z, t = data["labels"], data["logits"], data["onehot"]
    tl = torch.tensor(labels)
    _nerve_and_torch_grad(torch, losses.SparseCategoricalCrossentropy(from_logits=True),
                          lambda x: F.cross_entropy(x, tl), labels, z)
    _nerve_and_torch_grad(torch, losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                          lambda x: F.cross_entropy(x, tl, label_smoothing=0.1), t, z)
    # Keras normalises probabilities by their sum before the log: so does the reference
    _nerve_and_torch_grad(torch, losses.SparseCategoricalCrossentropy(),
                          lambda x: F.nll_loss(torch.log(x / x.sum(-1, keepdim=True)), tl), labels, data["probs"])
    b, q = data["bin"], data["sig"]
    tb = torch.tensor(b)
    _nerve_and_torch_grad(torch, losses.BinaryCrossentropy(), lambda x: F.binary_cross_entropy(x, tb), b, q)
    _nerve_and_torch_grad(torch, losses.BinaryCrossentropy(from_logits=True),
                          lambda x: F.binary_cross_entropy_with_logits(x, tb), b, y)
    _nerve_and_torch_grad(torch, losses.KLDivergence(),
                          lambda x: F.kl_div(torch.log(x), torch.tensor(data["probs"][::-1].copy()),
                                             reduction="batchmean"),
                          data["probs"][::-1].copy(), data["probs"])


def test_gradcheck_through_reduction_and_weights(rng):
    y = rng.standard_normal((3, 2))
    w = rng.random(3) + 0.5
    gradcheck(lambda p: losses.Huber(0.7)(y, p, sample_weight=w), rng.standard_normal((3, 2)))
    labels = np.array([0, 2, 1])
    gradcheck(lambda z: losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")(labels, z, w),
              rng.standard_normal((3, 3)))
    gradcheck(lambda p: losses.CategoricalFocalCrossentropy(from_logits=True)(np.eye(3)[labels], p),
              rng.standard_normal((3, 3)))


# ---- reductions, sample weights, masks --------------------------------------------------

def test_reductions_and_sample_weight(data):
    y, p = data["y"], data["p"]
    per_sample = ((y - p) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.5], np.float32)
    np.testing.assert_allclose(value(losses.MeanSquaredError(reduction="none"), y, p), per_sample, rtol=1e-6)
    np.testing.assert_allclose(value(losses.MeanSquaredError(reduction=None), y, p), per_sample, rtol=1e-6)
    np.testing.assert_allclose(value(losses.MeanSquaredError(reduction="sum"), y, p), per_sample.sum(), rtol=1e-6)
    mse = losses.MeanSquaredError()
    np.testing.assert_allclose(value(mse, y, p, sample_weight=w), (per_sample * w).mean(), rtol=1e-6)
    np.testing.assert_allclose(value(mse, y, p, sample_weight=w[:, None]), (per_sample * w).mean(), rtol=1e-6)
    np.testing.assert_allclose(value(mse, y, p, sample_weight=2.0), 2 * per_sample.mean(), rtol=1e-6)
    np.testing.assert_allclose(value(losses.MeanSquaredError(reduction="mean_with_sample_weight"), y, p, w),
                               (per_sample * w).sum() / w.sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


def test_temporal_losses_weighted_per_sample(rng):
    labels = rng.integers(0, 4, (2, 3))
    z = rng.standard_normal((2, 3, 4)).astype(np.float32)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    per_step = -np.take_along_axis(logp, labels[..., None], -1)[..., 0]
    w = np.array([1.0, 3.0], np.float32)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    np.testing.assert_allclose(value(loss, labels, z, sample_weight=w), (per_step * w[:, None]).mean(), rtol=1e-5)


def test_a_sequence_mask_leaves_padded_steps_out_of_the_loss():
    """Embedding(mask_zero) -> LSTM -> Dense: the mask reaches the loss, and evaluate averages the
    kept steps only (Keras: the mask is a sample weight normalised by the number of kept steps)."""
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 0, 0], [5, 6, 2, 2, 1]])
    targets = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 0, 0], [1, 1, 1, 1, 1]])
    inputs = nerve.Input((5,), dtype="int32")
    h = nerve.layers.LSTM(3, return_sequences=True)(nerve.layers.Embedding(8, 4, mask_zero=True)(inputs))
    model = nerve.Model(inputs, nerve.layers.Dense(8)(h))
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(2)                  # weights far from the init's near-uniform logits
    model.set_weights([rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()])
    z = model(ids).numpy().astype(np.float64)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    per_step = -np.take_along_axis(logp, targets[..., None], -1)[..., 0]
    expected = per_step[ids != 0].mean()
    assert abs(expected - per_step.mean()) > 0.1                  # the padded steps would change it
    np.testing.assert_allclose(model.evaluate(ids, targets, verbose=0), expected, rtol=1e-5)


def test_ignore_class_leaves_entries_out_of_the_mean(data):
    labels = data["labels"].copy()
    labels[[0, 3]] = -1
    z = data["logits"]
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    keep = labels != -1
    expected = -logp[keep, labels[keep]].mean()
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(value(loss, labels, z), expected, rtol=1e-5)
    pred = nerve.Tensor(z, requires_grad=True)
    loss(labels, pred).backward()
    assert np.all(pred.grad.numpy()[~keep] == 0) and np.isfinite(pred.grad.numpy()).all()
    per_sample = losses.sparse_categorical_crossentropy(labels, data["probs"], ignore_class=-1).numpy()
    assert per_sample[0] == 0 and per_sample[1] > 0


# ---- inputs, functions, names, config ---------------------------------------------------

def test_inputs_lists_tensors_ints_and_shapes():
    y_pred = nerve.Variable(np.array([[0.2], [0.8], [0.6]], np.float32))
    loss = losses.BinaryCrossentropy()(np.array([0, 1, 1]), y_pred)      # int labels, (N,) vs (N, 1)
    expected = -np.mean(np.log([0.8, 0.8, 0.6]))
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)
    loss.backward()
    assert y_pred.grad.shape == (3, 1)
    np.testing.assert_allclose(float(losses.MeanSquaredError()([1, 2], [1.0, 4.0])), 2.0)
    np.testing.assert_allclose(float(losses.MeanAbsoluteError()(nerve.Tensor([1.0, 2.0]), [[1.0], [4.0]])), 1.0)


def test_functional_api_is_per_sample(data):
    y, p = data["y"], data["p"]
    for fn in (losses.mse, losses.mean_squared_error, losses.MSE):
        np.testing.assert_allclose(fn(y, p).numpy(), ((y - p) ** 2).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(losses.mae(y, p).numpy(), abs(y - p).mean(-1), rtol=1e-6)
    b, q = data["bin"], data["sig"]
    np.testing.assert_allclose(losses.binary_crossentropy(b, q).numpy(),
                               (-(b * np.log(q) + (1 - b) * np.log(1 - q))).mean(-1), rtol=1e-5)
    t, pr = data["onehot"], data["probs"]
    np.testing.assert_allclose(losses.categorical_crossentropy(t, pr).numpy(), -(t * np.log(pr)).sum(-1),
                               rtol=1e-5)
    np.testing.assert_allclose(losses.kld(t, pr).numpy(), losses.kl_divergence(t, pr).numpy())


@pytest.mark.parametrize("name", [
    "mse", "mae", "huber", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_crossentropy", "hinge", "squared_hinge", "kl_divergence", "kld", "categorical_focal_crossentropy",
    "binary_focal_crossentropy", "categorical_hinge", "MeanSquaredError", "CategoricalCrossentropy", "Huber",
])
def test_get_resolves_names(name, data):
    loss = losses.get(name)
    assert isinstance(loss, losses.Loss)
    args = (data["labels"], data["probs"]) if "sparse" in name else (data["onehot"], data["probs"])
    out = loss(*args)
    assert out.shape == () and np.isfinite(out.numpy())


def test_get_other_identifiers_and_errors():
    assert losses.get(None) is None
    mse = losses.MeanSquaredError()
    assert losses.get(mse) is mse
    assert type(losses.get(losses.Huber)) is losses.Huber
    assert losses.get("mse").name == "mse"

    def my_loss(y_true, y_pred):
        return (y_pred - y_true).mean(axis=-1)

    wrapped = losses.get(my_loss)
    assert wrapped.name == "my_loss"
    np.testing.assert_allclose(float(wrapped([[1.0, 1.0]], [[2.0, 4.0]])), 2.0)
    config = losses.serialize(losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1))
    clone = losses.get(config)
    assert (clone.from_logits, clone.label_smoothing) == (True, 0.1)
    with pytest.raises(ValueError, match="Known losses:.*categorical_crossentropy"):
        losses.get("categorical_crossentropyy")
    with pytest.raises(ValueError, match="Could not interpret"):
        losses.get(42)


def test_config_round_trips():
    for loss in (losses.Huber(delta=2.0, reduction="sum", name="h"),
                 losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3),
                 losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=1.0),
                 losses.CategoricalFocalCrossentropy(alpha=0.5), losses.MeanSquaredError(),
                 losses.LossFunctionWrapper(losses.mean_absolute_error, name="l1")):
        clone = losses.deserialize(losses.serialize(loss))
        assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
    assert losses.Huber().get_config() == {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 1.0}
    assert losses.deserialize("mse") is losses.mean_squared_error

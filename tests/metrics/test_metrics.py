"""Metrics: numpy references, accumulation over batches, sample weights, reset, get()."""

import numpy as np
import pytest

import nerve
from nerve import metrics


def result(metric):
    out = metric.result()
    assert isinstance(out, nerve.Tensor) and out.dtype == np.float32
    return float(out)


# ---- Mean and the wrapper ---------------------------------------------------------------

def test_mean_weighted_accumulates_and_resets():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(np.array([4.0]), sample_weight=[3.0])
    assert result(m) == pytest.approx((1 + 2 + 3 + 12) / 6)
    m.update_state(nerve.Tensor(np.ones((2, 4), np.float32)), sample_weight=np.array([1.0, 0.0]))
    assert result(m) == pytest.approx((18 + 1) / 7)
    assert [v.name for v in m.variables] == ["total", "count"]
    m.reset_state()
    assert result(m) == 0.0
    s = metrics.Sum()
    s.update_state([1.0, 2.0], sample_weight=[2.0, 0.5])
    assert result(s) == pytest.approx(3.0)
    assert float(metrics.Mean()([2.0, 4.0])) == 3.0               # __call__ = update + result


def test_mean_metric_wrapper_with_custom_function():
    m = metrics.MeanMetricWrapper(lambda t, p: abs(np.asarray(t) - np.asarray(p)), name="l1")
    m.update_state([[0.0, 2.0]], [[1.0, 1.0]])
    assert m.name == "l1" and result(m) == pytest.approx(1.0)


# ---- accuracies ------------------------------------------------------------------------

def test_accuracies_match_numpy(rng):
    scores = rng.random((20, 5)).astype(np.float32)
    labels = rng.integers(0, 5, 20)
    onehot = np.eye(5)[labels]
    expected = (scores.argmax(-1) == labels).mean()
    for metric, y_true in ((metrics.CategoricalAccuracy(), onehot), (metrics.SparseCategoricalAccuracy(), labels),
                           (metrics.SparseCategoricalAccuracy(), labels[:, None].astype(np.float32))):
        metric.update_state(y_true[:8], scores[:8])
        metric.update_state(y_true[8:], scores[8:])
        assert result(metric) == pytest.approx(expected)
    top3 = np.argsort(-scores, -1)[:, :3]
    expected_top3 = (top3 == labels[:, None]).any(-1).mean()
    m = metrics.SparseTopKCategoricalAccuracy(k=3)
    m.update_state(labels, scores)
    assert result(m) == pytest.approx(expected_top3)
    m = metrics.TopKCategoricalAccuracy(k=3)
    m.update_state(onehot, nerve.Tensor(scores))
    assert result(m) == pytest.approx(expected_top3)
    assert metrics.TopKCategoricalAccuracy().name == "top_k_categorical_accuracy"

    y = rng.integers(0, 2, (20, 3)).astype(np.float32)
    p = rng.random((20, 3)).astype(np.float32)
    for threshold in (0.5, 0.7):
        m = metrics.BinaryAccuracy(threshold=threshold)
        m.update_state(y, p)
        assert result(m) == pytest.approx(((p > threshold) == y).mean())
    m = metrics.Accuracy()
    m.update_state([1, 2, 3, 4], [1, 2, 0, 4])
    assert result(m) == pytest.approx(0.75)


def test_accuracy_sample_weight_and_ties():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1, 2], [[0.9, 0.1, 0.0], [0.9, 0.1, 0.0], [0.0, 0.1, 0.9]], sample_weight=[1.0, 2.0, 1.0])
    assert result(m) == pytest.approx(0.5)
    m.reset_state()
    assert result(m) == 0.0
    # a tie at the k-th score counts as in the top k (Keras's in_top_k)
    hits = metrics.sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.3, 0.1]], k=2)
    np.testing.assert_array_equal(hits.numpy(), [1.0])
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([1, 0, 1]), np.array([[0.7], [0.6], [0.2]]))        # (N,) vs (N, 1)
    assert result(m) == pytest.approx(1 / 3)


# ---- regression ------------------------------------------------------------------------

def test_regression_metrics_match_numpy(rng):
    y = rng.standard_normal((10, 3)).astype(np.float32)
    p = rng.standard_normal((10, 3)).astype(np.float32)
    w = rng.random(10).astype(np.float32)
    checks = [
        (metrics.MeanSquaredError(), ((y - p) ** 2).mean(-1)),
        (metrics.MeanAbsoluteError(), abs(y - p).mean(-1)),
        (metrics.MeanAbsolutePercentageError(), 100 * abs((y - p) / y).mean(-1)),
        (metrics.CosineSimilarity(),
         (y * p).sum(-1) / np.linalg.norm(y, axis=-1) / np.linalg.norm(p, axis=-1)),
        (metrics.LogCoshError(), np.log(np.cosh(p - y)).mean(-1)),
    ]
    for metric, per_sample in checks:
        metric.update_state(y[:4], p[:4], sample_weight=w[:4])
        metric.update_state(y[4:], p[4:], sample_weight=w[4:])
        assert result(metric) == pytest.approx((per_sample * w).sum() / w.sum(), rel=1e-5), metric.name
    m = metrics.RootMeanSquaredError()
    m.update_state(y, p)
    assert result(m) == pytest.approx(np.sqrt(((y - p) ** 2).mean()), rel=1e-5)
    m = metrics.CategoricalCrossentropy()
    probs = np.abs(p) / np.abs(p).sum(-1, keepdims=True)
    onehot = np.eye(3)[rng.integers(0, 3, 10)]
    m.update_state(onehot, probs)
    assert result(m) == pytest.approx(-(onehot * np.log(probs)).sum(-1).mean(), rel=1e-5)


# ---- confusion-matrix metrics -----------------------------------------------------------

def exact_roc_auc(y, s, w=None):
    """P(score_pos > score_neg) + ½P(tie), weighted: the area under the exact ROC curve."""
    w = np.ones_like(s) if w is None else w
    pos, neg = y == 1, y == 0
    greater = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
    weights = w[pos][:, None] * w[neg][None, :]
    return (greater * weights).sum() / weights.sum()


def test_auc_roc_matches_exact_roc_on_separated_scores(rng):
    # scores on the midpoints between AUC's thresholds: the thresholded curve is the exact one
    y = rng.integers(0, 2, 300)
    levels = (np.arange(199) + 0.5) / 199
    s = levels[np.clip((y * 40 + rng.integers(0, 160, 300)), 0, 198)].astype(np.float32)
    w = rng.random(300).astype(np.float32)
    m = metrics.AUC()
    m.update_state(y[:100], s[:100], sample_weight=w[:100])
    m.update_state(y[100:], s[100:], sample_weight=w[100:])
    assert result(m) == pytest.approx(exact_roc_auc(y, s, w), abs=1e-4)
    m.reset_state()
    m.update_state(y, s)
    assert result(m) == pytest.approx(exact_roc_auc(y, s), abs=1e-4)
    logits = np.log(s / (1 - s))
    m = metrics.AUC(from_logits=True)
    m.update_state(y, logits)
    assert result(m) == pytest.approx(exact_roc_auc(y, s), abs=1e-4)


def test_auc_perfect_pr_multilabel_and_average_precision(rng):
    y = np.array([0, 0, 1, 1, 1])
    s = np.array([0.1, 0.3, 0.6, 0.8, 0.95])
    for curve in ("ROC", "PR"):
        m = metrics.AUC(curve=curve)
        m.update_state(y, s)
        assert result(m) == pytest.approx(1.0, abs=1e-6)
    # PR interpolation is close to average precision on many distinct scores
    y = rng.integers(0, 2, 2000)
    s = np.clip(0.3 * y + 0.7 * rng.random(2000), 0, 1)
    order = np.argsort(-s)
    hits = y[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    average_precision = (precision_at * hits).sum() / hits.sum()
    m = metrics.AUC(curve="PR", num_thresholds=1000)
    m.update_state(y, s)
    assert result(m) == pytest.approx(average_precision, abs=0.01)
    # multi_label: the mean of per-label AUCs
    Y = rng.integers(0, 2, (400, 3))
    S = np.clip(0.25 * Y + 0.75 * rng.random((400, 3)), 0, 1).astype(np.float32)
    m = metrics.AUC(multi_label=True)
    m.update_state(Y, S)
    per_label = [exact_roc_auc(Y[:, j], S[:, j]) for j in range(3)]
    assert result(m) == pytest.approx(np.mean(per_label), abs=5e-3)
    assert m.variables[0].shape == (200, 3)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)


def test_precision_recall_against_numpy(rng):
    y = rng.integers(0, 2, 50)
    p = rng.random(50).astype(np.float32)
    w = rng.random(50).astype(np.float32)
    for threshold in (0.5, 0.3):
        predicted = p > threshold
        tp = (w * (predicted & (y == 1))).sum()
        fp = (w * (predicted & (y == 0))).sum()
        fn = (w * (~predicted & (y == 1))).sum()
        prec, rec = metrics.Precision(thresholds=threshold), metrics.Recall(thresholds=threshold)
        for m in (prec, rec):
            m.update_state(y[:20], p[:20], sample_weight=w[:20])
            m.update_state(y[20:], p[20:], sample_weight=w[20:])
        assert result(prec) == pytest.approx(tp / (tp + fp), rel=1e-5)
        assert result(rec) == pytest.approx(tp / (tp + fn), rel=1e-5)
    many = metrics.Precision(thresholds=[0.7, 0.2])
    many.update_state(y, p)
    expected = [((p > t) & (y == 1)).sum() / (p > t).sum() for t in (0.7, 0.2)]
    np.testing.assert_allclose(many.result().numpy(), expected, rtol=1e-6)
    counts = {cls: metrics.get(cls.__name__) for cls in (metrics.TruePositives, metrics.FalsePositives,
                                                        metrics.TrueNegatives, metrics.FalseNegatives)}
    for m in counts.values():
        m.update_state(y, p)
    totals = [float(m.result()) for m in counts.values()]
    assert totals == [((p > .5) & (y == 1)).sum(), ((p > .5) & (y == 0)).sum(),
                      ((p <= .5) & (y == 0)).sum(), ((p <= .5) & (y == 1)).sum()]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=1.5)


def test_precision_top_k_and_class_id():
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 0]])
    p = np.array([[0.1, 0.2, 0.3, 0.4], [0.55, 0.6, 0.1, 0.0]])
    m = metrics.Precision(top_k=2)                  # each row's top 2 predicted positive: 3 hits of 4
    m.update_state(y, p)
    assert result(m) == pytest.approx(0.75)
    m = metrics.Recall(class_id=0)
    m.update_state(y, p)
    assert result(m) == pytest.approx(1.0)
    m = metrics.Precision(class_id=1)
    m.update_state(y, p)
    assert result(m) == pytest.approx(0.0)


# ---- IoU -------------------------------------------------------------------------------

def test_mean_iou_matches_numpy(rng):
    y = rng.integers(0, 4, (3, 5, 5))
    p = rng.integers(0, 3, (3, 5, 5))               # class 3 never predicted
    cm = np.zeros((4, 4))
    np.add.at(cm, (y.ravel(), p.ravel()), 1)
    inter = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - inter
    m = metrics.MeanIoU(num_classes=4)
    m.update_state(y[:1], p[:1])
    m.update_state(y[1:], p[1:])
    assert result(m) == pytest.approx((inter / union).mean(), rel=1e-5)
    assert m.name.startswith("mean_io_u")
    m = metrics.OneHotMeanIoU(num_classes=4)
    m.update_state(np.eye(4)[y], np.eye(4)[p] + 0.1)
    assert result(m) == pytest.approx((inter / union).mean(), rel=1e-5)
    m = metrics.IoU(num_classes=4, target_class_ids=[0, 2])
    m.update_state(y, p)
    assert result(m) == pytest.approx((inter / union)[[0, 2]].mean(), rel=1e-5)
    m = metrics.MeanIoU(num_classes=4, ignore_class=0)
    m.update_state(y, p)
    keep = y.ravel() != 0
    cm = np.zeros((4, 4))
    np.add.at(cm, (y.ravel()[keep], p.ravel()[keep]), 1)
    inter, union = np.diag(cm), cm.sum(0) + cm.sum(1) - np.diag(cm)
    valid = union > 0
    assert result(m) == pytest.approx((inter[valid] / union[valid]).mean(), rel=1e-5)


# ---- get, resolve_accuracy, config ------------------------------------------------------

@pytest.mark.parametrize("name,cls", [
    ("accuracy", metrics.Accuracy), ("acc", metrics.Accuracy), ("AUC", metrics.AUC),
    ("Precision", metrics.Precision), ("MeanIoU", None), ("mse", metrics.MeanMetricWrapper),
    ("sparse_categorical_accuracy", metrics.MeanMetricWrapper), ("BinaryAccuracy", metrics.BinaryAccuracy),
])
def test_get(name, cls):
    if cls is None:
        with pytest.raises(TypeError):
            metrics.get(name)                       # MeanIoU needs num_classes
        return
    m = metrics.get(name)
    assert type(m) is cls
    if cls is metrics.MeanMetricWrapper:
        assert m.name == name


def test_get_errors_and_passthrough():
    m = metrics.AUC()
    assert metrics.get(m) is m and metrics.get(None) is None
    with pytest.raises(ValueError, match="Known metrics:.*mean_squared_error"):
        metrics.get("mean_squared_errorr")


@pytest.mark.parametrize("loss,shape,y_true_shape,expected", [
    ("sparse_categorical_crossentropy", (None, 10), None, metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), None, metrics.CategoricalAccuracy),
    ("binary_crossentropy", (None, 3), None, metrics.BinaryAccuracy),
    ("mse", (None, 1), None, metrics.BinaryAccuracy),
    (None, (32, 10), (32,), metrics.SparseCategoricalAccuracy),
    (None, (32, 10), (32, 1), metrics.SparseCategoricalAccuracy),
    (None, (32, 10), (32, 10), metrics.CategoricalAccuracy),
    (None, (32, 1), (32, 1), metrics.BinaryAccuracy),
])
def test_resolve_accuracy(loss, shape, y_true_shape, expected):
    m = metrics.resolve_accuracy(loss, shape, y_true_shape)
    assert type(m) is expected and m.name == "accuracy"


def test_resolve_accuracy_from_loss_objects():
    from nerve import losses
    m = metrics.resolve_accuracy(losses.SparseCategoricalCrossentropy(from_logits=True), (None, 10))
    assert type(m) is metrics.SparseCategoricalAccuracy
    m = metrics.resolve_accuracy(losses.get("binary_crossentropy"), (None, 4))
    assert type(m) is metrics.BinaryAccuracy


def test_config_round_trips():
    for m in (metrics.AUC(num_thresholds=50, curve="PR", name="pr"), metrics.Precision(thresholds=[0.2, 0.6]),
              metrics.BinaryAccuracy(threshold=0.3), metrics.MeanIoU(num_classes=3, ignore_class=0),
              metrics.SparseTopKCategoricalAccuracy(k=2), metrics.Mean(name="loss")):
        clone = metrics.deserialize(metrics.serialize(m))
        assert type(clone) is type(m) and clone.get_config() == m.get_config()
    wrapped = metrics.get("mae")
    clone = metrics.MeanMetricWrapper.from_config(wrapped.get_config())
    clone.update_state([[1.0]], [[3.0]])
    assert result(clone) == 2.0


def test_metrics_build_no_graph():
    pred = nerve.Tensor(np.array([[0.2, 0.8], [0.6, 0.4]], np.float32), requires_grad=True)
    for m in (metrics.CategoricalAccuracy(), metrics.CategoricalCrossentropy(), metrics.MeanSquaredError(),
              metrics.AUC()):
        m.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), pred)
        assert result(m) >= 0
    assert pred.grad is None

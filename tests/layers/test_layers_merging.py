"""Merge layers: values, broadcasting of ranks, symbolic shapes, gradients, errors."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


def symbolic(layer, shapes):
    return layer([L.Input(s) for s in shapes]).shape


@pytest.mark.parametrize("cls, fn, n", [
    (L.Add, lambda xs: sum(xs), 3), (L.Subtract, lambda xs: xs[0] - xs[1], 2),
    (L.Multiply, lambda xs: xs[0] * xs[1] * xs[2], 3), (L.Average, lambda xs: sum(xs) / len(xs), 3),
    (L.Maximum, lambda xs: np.maximum(xs[0], xs[1]), 2), (L.Minimum, lambda xs: np.minimum(xs[0], xs[1]), 2),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_elementwise_merges(check, cls, fn, n):
    xs = [check.data((2, 3, 4)) for _ in range(n)]
    np.testing.assert_allclose(cls()(xs).numpy(), fn(xs), rtol=1e-6)
    assert symbolic(cls(), [(3, 4)] * n) == (None, 3, 4)
    check.config_round_trip(cls())

    def merged(*tensors):
        return cls()(list(tensors))
    assert nerve.testing.gradcheck(merged, *[x.astype("float64") for x in xs])


def test_broadcasting_and_lower_rank_inputs(check):
    a, b = check.data((2, 3, 3, 4)), check.data((2, 4))
    np.testing.assert_allclose(L.Add()([a, b]).numpy(), a + b[:, None, None, :], rtol=1e-6)
    assert symbolic(L.Add(), [(3, 3, 4), (4,)]) == (None, 3, 3, 4)
    assert symbolic(L.Multiply(), [(1, 4), (5, 1)]) == (None, 5, 4)
    assert symbolic(L.Add(), [(None, 4), (7, 4)]) == (None, None, 4)


def test_concatenate(check):
    a, b = check.data((2, 3, 4)), check.data((2, 5, 4))
    np.testing.assert_array_equal(L.Concatenate(axis=1)([a, b]).numpy(), np.concatenate([a, b], axis=1))
    assert symbolic(L.Concatenate(axis=1), [(3, 4), (5, 4)]) == (None, 8, 4)
    assert symbolic(L.Concatenate(), [(3, 4), (3, 2), (3, 1)]) == (None, 3, 7)
    assert symbolic(L.Concatenate(axis=1), [(None, 4), (5, 4)]) == (None, None, 4)
    assert L.concatenate([L.Input((2,)), L.Input((3,))]).shape == (None, 5)
    check.config_round_trip(L.Concatenate(axis=2))
    assert nerve.testing.gradcheck(lambda x, y: L.Concatenate(axis=1)([x, y]), a[:1].astype("float64"),
                                   b[:1].astype("float64"))
    with pytest.raises(ValueError, match=r"Concatenate '.*': inputs must match on every axis but the "
                                         r"concatenation axis 1"):
        L.Concatenate(axis=1)([check.data((2, 3, 4)), check.data((2, 3, 5))])


def test_dot(check):
    x, y = check.data((2, 3, 4)), check.data((2, 5, 4))
    np.testing.assert_allclose(L.Dot(axes=(2, 2))([x, y]).numpy(), np.einsum("bik,bjk->bij", x, y), rtol=1e-5)
    u, v = check.data((3, 4)), check.data((3, 4))
    np.testing.assert_allclose(L.Dot(axes=1)([u, v]).numpy(), (u * v).sum(axis=1, keepdims=True), rtol=1e-5)
    cosine = L.Dot(axes=1, normalize=True)([u, v]).numpy()
    expected = (u * v).sum(1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
    np.testing.assert_allclose(cosine[:, 0], expected, rtol=1e-5)
    assert symbolic(L.Dot(axes=(2, 2)), [(3, 4), (5, 4)]) == (None, 3, 5)
    assert symbolic(L.Dot(axes=(1, 2)), [(4, 3), (5, 4)]) == (None, 3, 5)
    np.testing.assert_allclose(L.Dot(axes=(1, 2))([x.transpose(0, 2, 1), y]).numpy(),
                               np.einsum("bki,bjk->bij", x.transpose(0, 2, 1), y), rtol=1e-5)
    check.config_round_trip(L.Dot(axes=(1, 2), normalize=True))
    assert nerve.testing.gradcheck(lambda a, b: L.Dot(axes=1, normalize=True)([a, b]), u.astype("float64"),
                                   v.astype("float64"))
    with pytest.raises(ValueError, match="dimension mismatch"):
        L.Dot(axes=1)([check.data((2, 3)), check.data((2, 4))])


def test_functional_shortcuts(check):
    a, b = check.data((2, 3)), check.data((2, 3))
    np.testing.assert_allclose(L.add([a, b]).numpy(), a + b)
    np.testing.assert_allclose(L.subtract([a, b]).numpy(), a - b)
    np.testing.assert_allclose(L.multiply([a, b]).numpy(), a * b)
    np.testing.assert_allclose(L.average([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(L.maximum([a, b]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(L.minimum([a, b]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(L.dot([a, b], axes=1).numpy(), (a * b).sum(1, keepdims=True), rtol=1e-5)


def test_errors(check):
    with pytest.raises(ValueError, match=r"Subtract '.*': expected exactly 2 inputs, received 3"):
        L.Subtract()([check.data((2, 3))] * 3)
    with pytest.raises(ValueError, match=r"Add '.*': expected a list of at least 1 inputs"):
        L.Add()(check.data((2, 3)))
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Add()([check.data((2, 3)), check.data((3, 3))])
    with pytest.raises(ValueError, match=r"incompatible shapes \(3,\) and \(4,\)"):
        L.Add()([check.data((2, 3)), check.data((2, 4))])

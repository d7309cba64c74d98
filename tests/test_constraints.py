"""nerve.constraints: each projection's formula, the Keras names, and their use by layers."""

import numpy as np
import pytest

import nerve
from nerve import constraints

R = np.random.default_rng(3)


def norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1, 2]])
def test_max_norm_rescales_only_the_long_slices(axis):
    w = R.standard_normal((3, 4, 5, 2)) * 2
    out = constraints.MaxNorm(max_value=2.5, axis=axis)(nerve.Tensor(w)).numpy()
    before, after = norms(w, tuple(np.atleast_1d(axis))), norms(out, tuple(np.atleast_1d(axis)))
    np.testing.assert_allclose(after, np.minimum(before, 2.5), rtol=1e-6)
    short = np.broadcast_to(before <= 2.5, w.shape)
    np.testing.assert_allclose(out[short], w[short], rtol=1e-6)


def test_min_max_norm_unit_norm_and_non_neg():
    w = R.standard_normal((6, 3))
    n = norms(w, 0)
    out = constraints.MinMaxNorm(min_value=1.0, max_value=1.5, rate=0.5)(nerve.Tensor(w)).numpy()
    np.testing.assert_allclose(norms(out, 0), 0.5 * np.clip(n, 1.0, 1.5) + 0.5 * n, rtol=1e-6)
    np.testing.assert_allclose(norms(constraints.UnitNorm(axis=0)(nerve.Tensor(w)).numpy(), 0), 1, rtol=1e-6)
    np.testing.assert_array_equal(constraints.NonNeg()(nerve.Tensor(w)).numpy(), np.maximum(w, 0))


def test_names_serialization_and_errors():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    c = constraints.MinMaxNorm(0.5, 2.0, rate=0.3, axis=[0, 1])
    again = constraints.deserialize(constraints.serialize(c))
    assert isinstance(again, constraints.MinMaxNorm) and again.get_config() == c.get_config()
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn and constraints.get(None) is None
    with pytest.raises(ValueError, match="constraint identifier: 'max_nrom'"):
        constraints.get("max_nrom")
    with pytest.raises(TypeError, match="expected a Constraint"):
        constraints.serialize(fn)


def test_layer_weights_stay_in_the_set_while_training():
    model = nerve.Sequential([
        nerve.Input((4,)),
        nerve.layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg()),
    ])
    model.compile(optimizer=nerve.optimizers.SGD(0.5), loss="mse")
    x, y = R.random((32, 4)) * 10, R.random((32, 3)) * 100 - 50
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    dense = model.layers[0]
    assert (norms(dense.kernel.numpy(), 0) <= 2 + 1e-5).all()
    assert (dense.bias.numpy() >= 0).all()
    clone = nerve.models.clone_model(model)
    assert isinstance(clone.layers[0].kernel.constraint, constraints.MaxNorm)

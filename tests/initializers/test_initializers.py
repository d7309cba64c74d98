"""nerve.initializers: Keras 3's names, defaults, fans, distributions, seeding and serialization."""

import math

import numpy as np
import pytest

import nerve
from nerve import initializers as I

RANDOM = [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.VarianceScaling, I.GlorotUniform,
          I.GlorotNormal, I.HeNormal, I.HeUniform, I.LecunNormal, I.LecunUniform, I.Orthogonal]
ALL = RANDOM + [I.Zeros, I.Ones, I.Constant, I.Identity]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_shape_and_dtype(cls, dtype):
    value = cls()((5, 5), dtype=dtype)
    assert nerve.backend.is_array(value)
    assert value.shape == (5, 5)
    assert value.dtype == (dtype or "float32")


def test_float16_is_drawn_then_cast():
    assert I.GlorotUniform()((3, 4), dtype="float16").dtype == np.float16
    assert I.TruncatedNormal()((3, 4), dtype="float16").dtype == np.float16


def test_compute_fans_as_keras():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans((3, 5)) == (3, 5)
    assert I.compute_fans((3, 3, 4, 8)) == (36, 72)          # receptive field 9 x channels
    assert I.compute_fans((2, 3, 3, 4, 8)) == (72, 144)


def test_glorot_uniform_limit_and_spread_on_a_conv_kernel():
    shape = (3, 3, 16, 32)
    w = I.GlorotUniform()(shape)
    limit = math.sqrt(6 / (3 * 3 * 16 + 3 * 3 * 32))
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.95 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.05)


@pytest.mark.parametrize("cls, scale, fan", [
    (I.HeNormal, 2.0, "in"), (I.LecunNormal, 1.0, "in"), (I.GlorotNormal, 1.0, "avg"),
])
def test_truncated_normal_family_std_and_truncation(cls, scale, fan):
    shape = (3, 3, 32, 64)
    fan_in, fan_out = 3 * 3 * 32, 3 * 3 * 64
    n = fan_in if fan == "in" else (fan_in + fan_out) / 2
    w = cls()(shape)
    std = math.sqrt(scale / n)
    assert w.std() == pytest.approx(std, rel=0.05)           # the 0.8796 correction restores the std
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6


@pytest.mark.parametrize("cls, scale", [(I.HeUniform, 2.0), (I.LecunUniform, 1.0)])
def test_uniform_fan_in_family_limit(cls, scale):
    w = cls()((50, 40))
    limit = math.sqrt(3 * scale / 50)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit


def test_variance_scaling_modes_and_distributions():
    w = I.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal")((100, 300))
    assert w.std() == pytest.approx(math.sqrt(3.0 / 300), rel=0.05)
    assert np.abs(w).max() > 2.5 * math.sqrt(3.0 / 300)        # not truncated
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0)


def test_random_normal_uniform_truncated_parameters():
    assert I.RandomNormal(mean=1.0, stddev=2.0)((20000,)).mean() == pytest.approx(1.0, abs=0.05)
    u = I.RandomUniform(minval=2.0, maxval=3.0)((10000,))
    assert u.min() >= 2.0 and u.max() < 3.0
    t = I.TruncatedNormal(mean=5.0, stddev=1.0)((10000,))
    assert t.min() >= 3.0 and t.max() <= 7.0


def test_global_seed_reproduces_and_seed_argument_repeats():
    nerve.utils.set_random_seed(7)
    a = I.GlorotUniform()((4, 4))
    b = I.GlorotUniform()((4, 4))
    nerve.utils.set_random_seed(7)
    np.testing.assert_array_equal(I.GlorotUniform()((4, 4)), a)
    assert not np.array_equal(a, b)                          # the global stream moves on
    seeded = I.HeNormal(seed=3)
    np.testing.assert_array_equal(seeded((4, 4)), seeded((4, 4)))     # Keras: seeded -> same values
    assert not np.array_equal(I.HeNormal(seed=3)((4, 4)), I.HeNormal(seed=4)((4, 4)))
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed="abc")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 3, 2, 5)])
def test_orthogonal(shape):
    w = I.Orthogonal(gain=2.0)(shape, dtype="float64").reshape(-1, shape[-1])
    rows, cols = w.shape
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-10)
    with pytest.raises(ValueError, match="rank >= 2"):
        I.Orthogonal()((5,))


def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(I.Constant(2.5)((2, 3)), np.full((2, 3), 2.5, "float32"))
    np.testing.assert_array_equal(I.Constant([1.0, 2.0])((3, 2)), [[1, 2]] * 3)
    with pytest.raises(ValueError, match="cannot fill"):
        I.Constant([1.0, 2.0, 3.0])((3, 2))
    assert I.Constant(np.array([1.0, 2.0])).get_config() == {"value": [1.0, 2.0]}
    assert I.Constant(np.float32(0.5)).get_config() == {"value": 0.5}
    np.testing.assert_array_equal(I.Constant(nerve.Tensor([3.0]))((2,)), [3.0, 3.0])
    np.testing.assert_array_equal(I.Zeros()((2, 2), dtype="int64"), np.zeros((2, 2)))
    np.testing.assert_array_equal(I.Ones()((3,)), np.ones(3))
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        I.Identity()((2, 2, 2))


def test_get_names_aliases_classes_and_callables():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("GlorotUniform"), I.GlorotUniform)
    assert isinstance(I.get("he_normal"), I.HeNormal)
    assert isinstance(I.get("xavier_normal"), I.GlorotNormal)
    assert isinstance(I.get("uniform"), I.RandomUniform)
    assert isinstance(I.get("normal"), I.RandomNormal)
    assert isinstance(I.get("zeros"), I.Zeros) and isinstance(I.get("zero"), I.Zeros)
    assert isinstance(I.get("random_normal"), I.RandomNormal)
    assert isinstance(I.get("truncated_normal"), I.TruncatedNormal)
    assert isinstance(I.get(I.Orthogonal), I.Orthogonal)
    assert I.get(None) is None
    init = I.HeUniform(seed=1)
    assert I.get(init) is init

    def fn(shape, dtype=None):
        return np.ones(shape, dtype)
    assert I.get(fn) is fn
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 'glorot_unifrom'"):
        I.get("glorot_unifrom")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        I.get(3)


@pytest.mark.parametrize("init", [
    I.GlorotUniform(seed=1), I.VarianceScaling(2.0, "fan_avg", "uniform", seed=2), I.RandomNormal(0.5, 2.0),
    I.RandomUniform(-1.0, 1.0), I.TruncatedNormal(stddev=0.2), I.Constant(3.0), I.Zeros(), I.Ones(),
    I.Identity(2.0), I.Orthogonal(0.5, seed=4), I.HeNormal(), I.LecunUniform(),
], ids=lambda i: type(i).__name__)
def test_serialize_round_trip(init):
    config = I.serialize(init)
    assert config["class_name"] == type(init).__name__ and config["module"] == "keras.initializers"
    again = I.deserialize(config)
    assert again == init and again is not init
    assert I.get(config) == init
    assert type(init).from_config(init.get_config()) == init


def test_keras_config_keys():
    assert I.GlorotUniform().get_config() == {"seed": None}
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.VarianceScaling().get_config() == {"scale": 1.0, "mode": "fan_in",
                                                "distribution": "truncated_normal", "seed": None}
    assert I.Zeros().get_config() == {}


def test_variables_and_layers_use_them():
    v = nerve.Variable(I.Constant(1.5), shape=(2, 2), dtype="float64")
    assert v.dtype == np.float64 and float(v.numpy()[0, 0]) == 1.5
    dense = nerve.layers.Dense(4, kernel_initializer="ones", bias_initializer=I.Constant(0.5))
    dense.build((None, 3))
    np.testing.assert_array_equal(dense.kernel.numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(dense.bias.numpy(), np.full(4, 0.5))

"""nerve.random (keras.random): Keras's seeding rules and the distributions' statistics."""

import numpy as np
import pytest

import nerve
from nerve import random


def test_an_int_seed_is_stateless():
    for draw in (lambda s: random.normal((5,), seed=s), lambda s: random.uniform((5,), seed=s),
                 lambda s: random.truncated_normal((5,), seed=s), lambda s: random.randint((5,), 0, 100, seed=s),
                 lambda s: random.shuffle(np.arange(10), seed=s), lambda s: random.gamma((5,), 2.0, seed=s)):
        np.testing.assert_array_equal(draw(3).numpy(), draw(3).numpy())
        assert not np.array_equal(draw(3).numpy(), draw(4).numpy())


def test_a_seed_generator_gives_a_new_key_per_draw_and_repeats_its_sequence():
    gen = random.SeedGenerator(42)
    first, second = random.normal((4,), seed=gen).numpy(), random.normal((4,), seed=gen).numpy()
    assert not np.array_equal(first, second)
    assert gen.state.numpy().tolist() == [42, 2] and isinstance(gen.state, nerve.Variable)
    again = random.SeedGenerator.from_config(gen.get_config())
    np.testing.assert_array_equal(random.normal((4,), seed=again).numpy(), first)
    np.testing.assert_array_equal(random.normal((4,), seed=again).numpy(), second)
    with pytest.raises(ValueError, match="SeedGenerator"):
        random.SeedGenerator("7")


def test_global_draws_and_unseeded_generators_repeat_under_set_random_seed():
    def run():
        nerve.utils.set_random_seed(5)
        return (random.uniform((3,)).numpy(), random.uniform((3,)).numpy(),
                random.normal((3,), seed=random.SeedGenerator()).numpy())

    a, b = run(), run()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])                  # the global generator moves on


def test_distributions_statistics_and_dtypes():
    n = 20000
    x = random.normal((n,), mean=2.0, stddev=3.0, seed=0).numpy()
    assert x.dtype == np.float32 and abs(x.mean() - 2) < 0.1 and abs(x.std() - 3) < 0.1
    u = random.uniform((n,), minval=-1.0, maxval=3.0, dtype="float64", seed=0).numpy()
    assert u.dtype == np.float64 and u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.05
    t = random.truncated_normal((n,), mean=1.0, stddev=0.5, seed=0).numpy()
    assert np.abs(t - 1).max() <= 1.0 and abs(t.std() - 0.5 * 0.8796) < 0.02     # the 2σ-truncated std
    r = random.randint((n,), 3, 7, seed=0).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    g = random.gamma((n,), alpha=3.0, seed=0).numpy()
    assert abs(g.mean() - 3.0) < 0.1
    b = random.beta((n,), alpha=2.0, beta=6.0, seed=0).numpy()
    assert abs(b.mean() - 0.25) < 0.01
    k = random.binomial((n,), counts=10, probabilities=0.3, seed=0).numpy()
    assert k.dtype == np.float32 and abs(k.mean() - 3.0) < 0.05
    with pytest.raises(ValueError, match="randint"):
        random.randint((2,), 5, 5)
    with pytest.raises(ValueError, match="float dtype"):
        random.normal((2,), dtype="int32")
    with pytest.raises(TypeError, match="seed"):
        random.normal((2,), seed="abc")


def test_categorical_follows_the_softmax_of_the_logits():
    logits = np.log(np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
    samples = random.categorical(logits, 20000, seed=1).numpy()
    assert samples.shape == (2, 20000) and samples.dtype == np.int32
    np.testing.assert_allclose(np.bincount(samples[0], minlength=3) / 20000, [0.2, 0.5, 0.3], atol=0.015)
    np.testing.assert_allclose(np.bincount(samples[1], minlength=3) / 20000, [0.9, 0.05, 0.05], atol=0.015)


def test_dropout_and_shuffle_pass_gradients():
    x = nerve.Variable(np.ones((200, 50), "float32"))
    y = random.dropout(x, 0.25, seed=random.SeedGenerator(0))
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02 and np.allclose(y.numpy()[kept], 1 / 0.75)
    (g,) = nerve.grad(nerve.ops.sum(y), [x])
    np.testing.assert_allclose(g.numpy(), y.numpy())
    v = nerve.Variable(np.arange(6, dtype="float32").reshape(3, 2))
    shuffled = random.shuffle(v, axis=0, seed=2)
    assert sorted(shuffled.numpy()[:, 0].tolist()) == [0.0, 2.0, 4.0]
    (gv,) = nerve.grad(nerve.ops.sum(shuffled * np.array([[1.0, 2.0]] * 3, "float32")), [v])
    np.testing.assert_array_equal(gv.numpy(), [[1, 2]] * 3)

"""Autoencoders, the VAE's reparameterisation and KL term, and the GAN's two-optimizer train_step."""

import numpy as np
import pytest

import nerve
from nerve import optimizers
from nerve.applications.autoencoder import ConvAutoencoder, DenseAutoencoder, add_noise
from nerve.applications.gan import GAN, dcgan_discriminator, dcgan_generator
from nerve.applications.vae import Sampling, VariationalAutoencoder, gaussian_kl, reparameterize
from nerve.models import load_model
from nerve.testing import gradcheck

SHAPE = (8, 8, 1)


# ---- VAE --------------------------------------------------------------------------------

def test_reparameterize_gradient(rng):
    mean, log_var = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)) * 0.5
    epsilon = rng.standard_normal((3, 4))
    assert gradcheck(lambda m, v: reparameterize(m, v, nerve.Tensor(epsilon)), mean, log_var)
    z = reparameterize(nerve.Tensor(mean), nerve.Tensor(log_var), nerve.Tensor(epsilon)).numpy()
    np.testing.assert_allclose(z, mean + np.exp(log_var / 2) * epsilon, rtol=1e-6)


def test_sampling_layer_gradient_and_moments(rng):
    layer = Sampling(dtype="float64")          # float64: the central differences need it

    def sample(m, v):
        nerve.utils.set_random_seed(3)              # the same epsilon on every evaluation
        return layer([m, v])
    assert gradcheck(sample, rng.standard_normal((2, 3)), rng.standard_normal((2, 3)) * 0.5)
    mean, log_var = np.full((20000, 2), [1.0, -2.0], "float32"), np.full((20000, 2), [0.0, np.log(4.0)], "float32")
    z = Sampling()([nerve.Tensor(mean), nerve.Tensor(log_var)]).numpy()
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [1.0, 2.0], rtol=0.03)
    with pytest.raises(ValueError, match="Sampling .* same shape"):
        layer([nerve.Tensor(mean), nerve.Tensor(log_var[:, :1])])


def test_gaussian_kl_matches_closed_form(rng):
    mean, log_var = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    assert gradcheck(gaussian_kl, mean, log_var)
    kl = gaussian_kl(nerve.Tensor(mean), nerve.Tensor(log_var)).numpy()
    np.testing.assert_allclose(kl, (0.5 * (np.exp(log_var) + mean ** 2 - 1 - log_var)).sum(axis=1), rtol=1e-6)
    assert gaussian_kl(nerve.Tensor(np.zeros((1, 3))), nerve.Tensor(np.zeros((1, 3)))).numpy()[0] == 0


def test_gaussian_kl_matches_torch(rng, torch):
    mean, log_var = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    kl = gaussian_kl(nerve.Tensor(mean), nerve.Tensor(log_var)).numpy()
    dist = torch.distributions
    q = dist.Normal(torch.tensor(mean), torch.tensor(np.exp(log_var / 2)))
    reference = dist.kl_divergence(q, dist.Normal(0.0, 1.0)).sum(dim=1).numpy()
    np.testing.assert_allclose(kl, reference, rtol=1e-6)


def test_vae_train_step_lowers_the_loss_and_saves():
    vae = VariationalAutoencoder(latent_dim=2, image_shape=SHAPE)
    vae.compile(optimizer=optimizers.Adam(1e-2))
    x = np.random.default_rng(0).random((32, *SHAPE)).astype("float32")
    history = vae.fit(x, epochs=5, batch_size=32, verbose=0).history
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(history["loss"][0], history["reconstruction_loss"][0] + history["kl_loss"][0], rtol=1e-5)
    assert vae.sample(4, seed=1).shape == (4, *SHAPE)


# ---- autoencoders -----------------------------------------------------------------------

@pytest.mark.parametrize("builder", [DenseAutoencoder, ConvAutoencoder])
def test_autoencoders_reconstruct_and_expose_codes(builder):
    model = builder(code_size=3, image_shape=SHAPE)
    x = np.random.default_rng(0).random((4, *SHAPE)).astype("float32")
    assert model.predict(x, verbose=0).shape == x.shape
    assert model.get_layer("encoder").predict(x, verbose=0).shape == (4, 3)


def test_conv_autoencoder_rejects_sizes_pooling_cannot_halve():
    with pytest.raises(ValueError, match="multiples of 4"):
        ConvAutoencoder(image_shape=(10, 10, 1))


def test_add_noise_is_clipped_and_seeded():
    x = np.full((2, 4, 4, 1), 0.5, "float32")
    noisy = add_noise(x, 0.5, seed=1)
    assert noisy.dtype == np.float32 and noisy.min() >= 0 and noisy.max() <= 1 and not np.allclose(noisy, x)
    np.testing.assert_array_equal(noisy, add_noise(x, 0.5, seed=1))


# ---- GAN --------------------------------------------------------------------------------

def tiny_gan(classes=None):
    return GAN(dcgan_generator(3, SHAPE, width=4, classes=classes),
               dcgan_discriminator(SHAPE, width=4, classes=classes), latent_dim=3, classes=classes)


class Recording:
    """Wraps an optimizer's apply: remembers who stepped, and the other player's weights at that moment."""

    def __init__(self, name, optimizer, log, watched):
        self.name, self.optimizer, self.log, self.watched = name, optimizer, log, watched

    def __getattr__(self, attr):
        return getattr(self.optimizer, attr)

    def apply(self, grads, variables):
        self.log.append((self.name, [v.numpy().copy() for v in self.watched()]))
        return self.optimizer.apply(grads, variables)


def weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def test_gan_train_step_updates_discriminator_then_generator():
    gan = tiny_gan()
    gan.compile(d_optimizer=optimizers.Adam(1e-2), g_optimizer=optimizers.Adam(1e-2))
    log = []
    gan.d_optimizer = Recording("d", gan.d_optimizer, log, lambda: gan.generator.trainable_weights)
    gan.g_optimizer = Recording("g", gan.g_optimizer, log, lambda: gan.discriminator.trainable_weights)
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    logs = gan.train_on_batch(np.random.default_rng(0).uniform(-1, 1, (8, *SHAPE)).astype("float32"), return_dict=True)
    assert [name for name, _ in log] == ["d", "g"]
    # D stepped first, while G still had its initial weights; G stepped against the updated D
    for before, seen in zip(g0, log[0][1]):
        np.testing.assert_array_equal(before, seen)
    for after, seen in zip(weights(gan.discriminator), log[1][1]):
        np.testing.assert_array_equal(after, seen)          # G's step did not move D
    assert any(not np.array_equal(a, b) for a, b in zip(d0, weights(gan.discriminator)))
    assert any(not np.array_equal(a, b) for a, b in zip(g0, weights(gan.generator)))
    assert set(logs) == {"d_loss", "g_loss"} and all(np.isfinite(float(v)) for v in logs.values())


def test_conditional_gan_needs_labels_and_draws_the_digits_asked_for():
    gan = tiny_gan(classes=10)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    x = np.random.default_rng(0).uniform(-1, 1, (8, *SHAPE)).astype("float32")
    gan.train_on_batch(x, np.arange(8))
    with pytest.raises(ValueError, match="needs labels"):
        gan.train_on_batch(x)
    a, b = gan.sample(4, labels=[1, 1, 1, 1], seed=0), gan.sample(4, labels=[2, 2, 2, 2], seed=0)
    assert a.shape == (4, *SHAPE) and not np.allclose(a, b)


def test_gan_save_load_round_trip(tmp_path):
    gan = tiny_gan(classes=10)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    gan.train_on_batch(np.zeros((4, *SHAPE), "float32"), np.arange(4))
    gan.save(tmp_path / "gan.nerve")
    loaded = load_model(tmp_path / "gan.nerve")
    assert type(loaded) is GAN and loaded.classes == 10 and loaded.latent_dim == 3
    np.testing.assert_array_equal(loaded.sample(6, seed=5), gan.sample(6, seed=5))
    for a, b in zip(weights(gan.discriminator), weights(loaded.discriminator)):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_samples():
    def trained_samples():
        nerve.utils.set_random_seed(7)
        gan = tiny_gan()
        gan.compile(d_optimizer="adam", g_optimizer="adam")
        gan.fit(np.random.default_rng(1).uniform(-1, 1, (16, *SHAPE)).astype("float32"), batch_size=8, verbose=0)
        return gan.sample(5)
    np.testing.assert_array_equal(trained_samples(), trained_samples())


def test_check_numerics_names_the_op_when_a_gan_step_goes_nan():
    gan = tiny_gan()
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    kernel = gan.discriminator.get_layer("logit").kernel
    kernel.assign(np.full(kernel.shape, np.nan, "float32"))
    nerve.config.check_numerics(True)
    try:
        with pytest.raises(FloatingPointError, match="check_numerics: op '.+' produced NaN"):
            gan.train_on_batch(np.zeros((4, *SHAPE), "float32"))
    finally:
        nerve.config.check_numerics(False)

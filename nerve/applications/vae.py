"""The variational autoencoder (Kingma and Welling, "Auto-encoding variational Bayes", ICLR 2014),
written as Keras's VAE example writes it: an encoder ending in a :class:`Sampling` layer, a decoder,
and a ``Model`` subclass whose ``train_step`` adds the KL term to the reconstruction loss.

For an image x (pixels in [0, 1]), the encoder gives a diagonal Gaussian q(z|x) = N(μ, diag(σ²))
with log σ² predicted directly (no positivity constraint needed); the loss is the negative
evidence lower bound, averaged over the batch:

    z = μ + σ·ε,  ε ~ N(0, I)                 (the reparameterisation trick: z is differentiable
                                                in μ and log σ², the noise is an input)
    L = Σ_pixels BCE(x, decoder(z))  +  KL(q(z|x) ‖ N(0, I))
    KL = −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j)

Sampling from the model: z ~ N(0, I), image = decoder(z).
"""

from .. import backend, layers, ops
from ..autodiff import grad, no_grad
from ..layers.layer import Layer
from ..metrics import Mean
from ..models import Model
from ..saving import register_keras_serializable
from ..saving.serialization import deserialize_keras_object, serialize_keras_object


def reparameterize(mean, log_var, epsilon):
    """z = mean + exp(log_var / 2) · epsilon, differentiable in ``mean`` and ``log_var``.

    Gradients: ∂z/∂mean = 1, ∂z/∂log_var = ½ · exp(log_var / 2) · epsilon.

    Shape: mean, log_var and epsilon all (batch, latent_dim) -> (batch, latent_dim).
    """
    return mean + ops.exp(log_var * 0.5) * epsilon


def gaussian_kl(mean, log_var):
    """KL(N(mean, diag(exp(log_var))) ‖ N(0, I)) per sample: −½ Σ_j (1 + log_var − mean² − exp(log_var)).

    Shape: (batch, latent_dim) -> (batch,).
    """
    return ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1) * -0.5


@register_keras_serializable(package="nerve.applications")
class Sampling(Layer):
    """Draws z = mean + exp(log_var / 2) · ε with ε ~ N(0, I) from nerve's seeded generator.

    Call it on ``[mean, log_var]``, both (batch, latent_dim); returns z of the same shape.
    """

    def call(self, inputs):
        mean, log_var = inputs
        if tuple(mean.shape) != tuple(log_var.shape):
            raise ValueError(f"Sampling '{self.name}': mean and log_var must have the same shape, "
                             f"received {tuple(mean.shape)} and {tuple(log_var.shape)}")
        epsilon = backend.rng().standard_normal(tuple(mean.shape), dtype="float32").astype(mean.dtype)
        return reparameterize(mean, log_var, epsilon)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


def vae_encoder(latent_dim=16, image_shape=(28, 28, 1), hidden=(512, 256), name="vae_encoder"):
    """Image -> [z_mean, z_log_var, z]: Flatten, Dense(h, ReLU) for each h in ``hidden``, two Dense heads, Sampling."""
    image = layers.Input(shape=tuple(image_shape), name="image")
    x = layers.Flatten(name="flatten")(image)
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)
    mean = layers.Dense(latent_dim, name="z_mean")(x)
    log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(name="z")([mean, log_var])
    return Model(image, [mean, log_var, z], name=name)


def vae_decoder(latent_dim=16, image_shape=(28, 28, 1), hidden=(256, 512), name="vae_decoder"):
    """z -> image in [0, 1]: Dense(h, ReLU) for each h in ``hidden``, Dense(pixels, sigmoid), Reshape."""
    z = layers.Input(shape=(latent_dim,), name="z")
    x = z
    for i, units in enumerate(hidden):
        x = layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)
    pixels = int(image_shape[0] * image_shape[1] * image_shape[2])
    x = layers.Dense(pixels, activation="sigmoid", name="pixels")(x)
    return Model(z, layers.Reshape(tuple(image_shape), name="image")(x), name=name)


@register_keras_serializable(package="nerve.applications")
class VAE(Model):
    """A variational autoencoder trained by ``fit(x)`` on images in [0, 1] (see the module docstring).

    Args:
        encoder: a Model from images to [z_mean, z_log_var, z].
        decoder: a Model from z to images in [0, 1].
        latent_dim: the size of z.

    ``fit`` logs ``loss`` (the negative ELBO per image, in nats), ``reconstruction_loss`` and
    ``kl_loss``. ``model(x)`` reconstructs from the posterior mean; :meth:`sample` draws from the prior.
    """

    def __init__(self, encoder, decoder, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(latent_dim)
        self.total_loss_tracker = Mean(name="loss")
        self.reconstruction_loss_tracker = Mean(name="reconstruction_loss")
        self.kl_loss_tracker = Mean(name="kl_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, inputs, training=None):
        mean, _, _ = self.encoder(inputs, training=training)
        return self.decoder(mean, training=training)

    def losses_of(self, x, training=True):
        """(total, reconstruction, kl): the batch means of the negative ELBO and its two parts."""
        mean, log_var, z = self.encoder(x, training=training)
        reconstruction = self.decoder(z, training=training)
        per_pixel = ops.binary_crossentropy(x, reconstruction)
        reconstruction_loss = ops.mean(ops.sum(ops.reshape(per_pixel, (per_pixel.shape[0], -1)), axis=1))
        kl_loss = ops.mean(gaussian_kl(mean, log_var))
        return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        total, reconstruction, kl = self.losses_of(x, training=True)
        self.optimizer.apply(grad(total, self.trainable_weights), self.trainable_weights)
        return self._update_trackers(x, total, reconstruction, kl)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update_trackers(x, *self.losses_of(x, training=False))

    def _update_trackers(self, x, total, reconstruction, kl):
        n = x.shape[0]
        for tracker, value in zip(self.metrics, (total, reconstruction, kl)):
            tracker.update_state(value.data, n)
        return {m.name: m.result() for m in self.metrics}

    def sample(self, n, seed=None):
        """``n`` images decoded from z ~ N(0, I), a NumPy array (batch, *image_shape) in [0, 1];
        an int ``seed`` makes the draw reproducible without touching nerve's global generator."""
        import numpy
        z = (numpy.random.default_rng(seed).standard_normal((n, self.latent_dim), dtype="float32")
             if seed is not None else backend.to_numpy(backend.rng().standard_normal((n, self.latent_dim),
                                                                                     dtype="float32")))
        return self.decode(z)

    def decode(self, z):
        """Images for the codes ``z`` (batch, latent_dim), as a NumPy array."""
        with no_grad():
            return backend.to_numpy(self.decoder(backend.xp.asarray(z, dtype="float32"), training=False).data)

    def encode(self, x):
        """The posterior means of images ``x``, a NumPy array (batch, latent_dim)."""
        with no_grad():
            mean, _, _ = self.encoder(backend.xp.asarray(x, dtype="float32"), training=False)
        return backend.to_numpy(mean.data)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "latent_dim": self.latent_dim,
                "encoder": serialize_keras_object(self.encoder), "decoder": serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for part in ("encoder", "decoder"):
            config[part] = deserialize_keras_object(config[part], custom_objects=custom_objects)
        return cls(**config)


def VariationalAutoencoder(latent_dim=16, image_shape=(28, 28, 1), name="vae", **kwargs):
    """A dense VAE for small images (Kingma and Welling 2014): 784-512-256-(16, 16) encoder,
    16-256-512-784 decoder; 1,079,600 parameters for 28x28x1 digits and latent_dim 16.
    Train with ``compile(optimizer="adam")`` and ``fit(x)`` on pixels in [0, 1]."""
    return VAE(vae_encoder(latent_dim, image_shape), vae_decoder(latent_dim, image_shape),
               latent_dim=latent_dim, name=name)

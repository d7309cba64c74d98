"""Generative adversarial networks: DCGAN and a label-conditioned DCGAN, written as Keras users
write GANs: a ``Model`` subclass whose ``train_step`` updates the discriminator, then the generator.

One step on a batch of real images x (Goodfellow et al. 2014, with the non-saturating generator
loss of the same paper; D outputs a logit, σ its sigmoid, BCE the binary cross-entropy):

    z ~ N(0, I)                  fake = G(z)   (no graph: D's step must not move G)
    L_D = BCE(1, D(x)) + BCE(0, D(fake))       D's weights  <- d_optimizer
    z' ~ N(0, I)
    L_G = BCE(1, D(G(z')))                     G's weights  <- g_optimizer  (D is not updated)

The architectures follow the DCGAN rules (Radford, Metz and Chintala, "Unsupervised
representation learning with deep convolutional generative adversarial networks", ICLR 2016):
strided convolutions instead of pooling, batch normalization in both players (not on G's output
nor D's input), ReLU in the generator with tanh on its output, LeakyReLU(0.2) in the
discriminator, Adam(2e-4, beta_1=0.5). Images are scaled to [-1, 1] for tanh.

The conditional GAN (Mirza and Osindero 2014) gives both players the label as one-hot: the
generator reads [z, one_hot(y)], the discriminator reads the image with ten extra constant
channels (one_hot(y) repeated over the pixels), as in Keras's conditional GAN example.
"""

from .. import backend, layers, ops
from ..autodiff import grad, no_grad
from ..metrics import Mean
from ..models import Model
from ..saving import register_keras_serializable
from ..saving.serialization import deserialize_keras_object, serialize_keras_object


def _check_image_shape(name, image_shape):
    height, width, _ = image_shape
    if height % 4 or width % 4:
        raise ValueError(f"{name}: image height and width must be multiples of 4 (two stride-2 "
                         f"upsamplings), received image_shape={tuple(image_shape)}")


def dcgan_generator(latent_dim=64, image_shape=(28, 28, 1), width=32, classes=None, name="dcgan_generator"):
    """The DCGAN generator: z (and a one-hot label when ``classes``) -> an image in [-1, 1].

    Dense(7·7·2w) -> BN -> ReLU -> Reshape(7, 7, 2w) -> Conv2DTranspose(w, 4, stride 2) -> BN ->
    ReLU -> Conv2DTranspose(channels, 4, stride 2, tanh). For 28x28x1 digits, latent_dim 64 and
    width 32: 246,657 parameters (+ 31,360 with ``classes=10``). The paper's
    networks are wider; 32 keeps a CPU epoch of MNIST to minutes.

    Shape:
        z (batch, latent_dim) [, one-hot label (batch, classes)] -> (batch, *image_shape).
    """
    _check_image_shape("dcgan_generator", image_shape)
    height, width_px, channels = image_shape
    z = layers.Input(shape=(latent_dim,), name="z")
    inputs, x = [z], z
    if classes:
        label = layers.Input(shape=(classes,), name="label")
        inputs.append(label)
        x = layers.Concatenate(name="z_and_label")([z, label])
    x = layers.Dense(height // 4 * (width_px // 4) * 2 * width, use_bias=False, name="project")(x)
    x = layers.BatchNormalization(name="project_bn")(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((height // 4, width_px // 4, 2 * width), name="to_maps")(x)
    x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False, name="up1")(x)
    x = layers.BatchNormalization(name="up1_bn")(x)
    x = layers.ReLU(name="up1_relu")(x)
    out = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh", name="image")(x)
    return Model(inputs if classes else z, out, name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), width=32, classes=None, name="dcgan_discriminator"):
    """The DCGAN discriminator: an image (and a one-hot label when ``classes``) -> one logit.

    Conv2D(w, 4, stride 2) -> LeakyReLU(0.2) -> Conv2D(2w, 4, stride 2) -> BN -> LeakyReLU(0.2) ->
    Flatten -> Dense(1). For 28x28x1 digits and width 32: 36,705 parameters (+ 5,120 with
    ``classes=10``).

    Shape:
        (batch, *image_shape) [, one-hot label (batch, classes)] -> (batch, 1) logits.
    """
    _check_image_shape("dcgan_discriminator", image_shape)
    height, width_px, _ = image_shape
    image = layers.Input(shape=tuple(image_shape), name="image")
    inputs, x = [image], image
    if classes:
        label = layers.Input(shape=(classes,), name="label")
        inputs.append(label)
        maps = layers.Reshape((1, 1, classes), name="label_pixel")(label)
        maps = layers.UpSampling2D((height, width_px), name="label_maps")(maps)
        x = layers.Concatenate(name="image_and_label")([image, maps])
    x = layers.Conv2D(width, 4, strides=2, padding="same", name="down1")(x)
    x = layers.LeakyReLU(0.2, name="down1_lrelu")(x)
    x = layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False, name="down2")(x)
    x = layers.BatchNormalization(name="down2_bn")(x)
    x = layers.LeakyReLU(0.2, name="down2_lrelu")(x)
    x = layers.Flatten(name="flatten")(x)
    out = layers.Dense(1, name="logit")(x)
    return Model(inputs if classes else image, out, name=name)


@register_keras_serializable(package="nerve.applications")
class GAN(Model):
    """A generator and a discriminator trained against each other by ``fit`` (see the module docstring).

    Args:
        generator: a Model from z (batch, latent_dim) [and a one-hot label] to images.
        discriminator: a Model from images [and a one-hot label] to logits (batch, 1).
        latent_dim: the size of z.
        classes: None for an unconditional GAN; the number of classes for a conditional one
            (``fit(x, y)`` then takes integer labels y, and both players receive one_hot(y)).

    ``compile(d_optimizer, g_optimizer)`` takes one optimizer per player. ``fit`` logs ``d_loss``
    and ``g_loss`` (running means over the epoch). ``model(z)`` or ``model([z, one_hot])`` runs the
    generator; :meth:`sample` draws images.
    """

    def __init__(self, generator, discriminator, latent_dim, classes=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.classes = int(classes) if classes else None
        self.d_loss_tracker = Mean(name="d_loss")
        self.g_loss_tracker = Mean(name="g_loss")
        self.built = True

    def compile(self, d_optimizer="adam", g_optimizer="adam", **kwargs):
        from .. import optimizers
        super().compile(optimizer=g_optimizer, **kwargs)
        self.d_optimizer = optimizers.get(d_optimizer)
        self.g_optimizer = self.optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, inputs, training=None):
        return self.generator(inputs, training=training)

    def _generator_inputs(self, z, labels):
        return z if self.classes is None else [z, labels]

    def _one_hot(self, y):
        if self.classes is None:
            return None
        xp = backend.xp
        y = xp.asarray(getattr(y, "data", y)).reshape(-1).astype("int64")
        return xp.eye(self.classes, dtype=backend.floatx())[y]

    def latent(self, n):
        """n draws of z ~ N(0, I), float32 (batch, latent_dim), from nerve's seeded generator."""
        return backend.rng().standard_normal((n, self.latent_dim), dtype="float32")

    def train_step(self, data):
        from ..trainers.data_adapter import unpack_x_y_sample_weight
        real, y, _ = unpack_x_y_sample_weight(data)
        real = getattr(real, "data", real)
        n = real.shape[0]
        if self.classes is not None and y is None:
            raise ValueError(f"GAN '{self.name}': a conditional GAN (classes={self.classes}) needs labels: fit(x, y)")
        labels = self._one_hot(y)
        d_weights, g_weights = self.discriminator.trainable_weights, self.generator.trainable_weights

        # 1. the discriminator: real -> 1, fake -> 0; the fakes are drawn without a graph
        with no_grad():
            fake = self.generator(self._generator_inputs(self.latent(n), labels), training=True).data
        d_real = self.discriminator(real if labels is None else [real, labels], training=True)
        d_fake = self.discriminator(fake if labels is None else [fake, labels], training=True)
        d_loss = (ops.mean(ops.binary_crossentropy(ops.ones_like(d_real), d_real, from_logits=True))
                  + ops.mean(ops.binary_crossentropy(ops.zeros_like(d_fake), d_fake, from_logits=True)))
        self.d_optimizer.apply(grad(d_loss, d_weights), d_weights)

        # 2. the generator: make D say 1 (non-saturating loss); only G's weights move
        fake = self.generator(self._generator_inputs(self.latent(n), labels), training=True)
        d_fake = self.discriminator(fake if labels is None else [fake, labels], training=True)
        g_loss = ops.mean(ops.binary_crossentropy(ops.ones_like(d_fake), d_fake, from_logits=True))
        self.g_optimizer.apply(grad(g_loss, g_weights), g_weights)

        self.d_loss_tracker.update_state(d_loss.data, n)
        self.g_loss_tracker.update_state(g_loss.data, n)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}

    def sample(self, n, labels=None, seed=None):
        """``n`` generated images as a NumPy array in [-1, 1] (batch, *image_shape).

        Args:
            n: how many.
            labels: integer classes for a conditional GAN (default: 0..classes-1 in turn).
            seed: an int makes the draw reproducible without touching nerve's global generator.
        """
        import numpy
        z = (numpy.random.default_rng(seed).standard_normal((n, self.latent_dim), dtype="float32")
             if seed is not None else backend.to_numpy(self.latent(n)))
        if self.classes is not None and labels is None:
            labels = numpy.arange(n) % self.classes
        with no_grad():
            out = self.generator(self._generator_inputs(backend.xp.asarray(z), self._one_hot(labels)),
                                 training=False)
        return backend.to_numpy(out.data)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, "latent_dim": self.latent_dim,
                "classes": self.classes, "generator": serialize_keras_object(self.generator),
                "discriminator": serialize_keras_object(self.discriminator)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for player in ("generator", "discriminator"):
            config[player] = deserialize_keras_object(config[player], custom_objects=custom_objects)
        return cls(**config)

    def get_compile_config(self):
        return None        # two optimizers: the file holds the players' weights, and loads uncompiled


def DCGAN(latent_dim=64, image_shape=(28, 28, 1), width=32, name="dcgan", **kwargs):
    """DCGAN (Radford et al. 2016) for small images: a :class:`GAN` of :func:`dcgan_generator` and
    :func:`dcgan_discriminator`. For 28x28x1 digits, latent_dim 64, width 32: 283,362 parameters
    (generator 246,657, discriminator 36,705).

    Train it on images scaled to [-1, 1] with ``compile(d_optimizer=Adam(2e-4, beta_1=0.5),
    g_optimizer=Adam(2e-4, beta_1=0.5))`` and ``fit(x)``.
    """
    return GAN(dcgan_generator(latent_dim, image_shape, width), dcgan_discriminator(image_shape, width),
               latent_dim=latent_dim, name=name)


def ConditionalGAN(latent_dim=64, image_shape=(28, 28, 1), classes=10, width=32, name="cgan", **kwargs):
    """A label-conditioned DCGAN (Mirza and Osindero 2014): both players read one_hot(y).
    Train with ``fit(x, y)`` (integer labels); ``sample(n, labels)`` draws the digits asked for.
    For 28x28x1 digits, latent_dim 64, width 32: 319,842 parameters."""
    return GAN(dcgan_generator(latent_dim, image_shape, width, classes=classes, name="cgan_generator"),
               dcgan_discriminator(image_shape, width, classes=classes, name="cgan_discriminator"),
               latent_dim=latent_dim, classes=classes, name=name)

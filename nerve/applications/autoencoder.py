"""Autoencoders: an encoder squeezes an image into a small code, a decoder rebuilds the image.

Trained to minimise the reconstruction error ‖x − decoder(encoder(x))‖² (mean over pixels);
a *denoising* autoencoder (Vincent et al., ICML 2008) is the same network trained on corrupted
inputs x̃ = clip(x + σ·ε, 0, 1) with the clean x as the target: ``fit(add_noise(x), x)``.
With linear layers and squared error an autoencoder can do no better than PCA with as many
components (Baldi and Hornik 1989); the nonlinear ones here are compared with PCA in the README.

Each builder returns a functional ``Model`` image -> reconstruction whose layers ``encoder`` and
``decoder`` are Models themselves, so ``model.get_layer("encoder").predict(x)`` gives the codes.
"""

from .. import backend, layers
from ..models import Model, Sequential


def DenseAutoencoder(code_size=32, image_shape=(28, 28, 1), hidden=(256,), name="dense_autoencoder", **kwargs):
    """A dense autoencoder: Flatten -> Dense(h, ReLU)... -> Dense(code_size) (linear code) and back:
    Dense(h, ReLU)... -> Dense(pixels, sigmoid) -> Reshape.

    For 28x28x1 images, hidden (256,) and code_size 32: 419,120 parameters.

    Shape: (batch, *image_shape) with pixels in [0, 1] -> the same.
    """
    pixels = int(image_shape[0] * image_shape[1] * image_shape[2])
    encoder = Sequential([layers.Input(shape=tuple(image_shape)), layers.Flatten()]
                         + [layers.Dense(h, activation="relu") for h in hidden]
                         + [layers.Dense(code_size, name="code")], name="encoder")
    decoder = Sequential([layers.Input(shape=(code_size,))]
                         + [layers.Dense(h, activation="relu") for h in reversed(hidden)]
                         + [layers.Dense(pixels, activation="sigmoid"), layers.Reshape(tuple(image_shape))],
                         name="decoder")
    return _chain(encoder, decoder, image_shape, name)


def ConvAutoencoder(code_size=32, image_shape=(28, 28, 1), filters=(16, 32), name="conv_autoencoder", **kwargs):
    """A convolutional autoencoder: [Conv2D(f, 3, ReLU, same) -> MaxPooling2D(2)] for each f, Flatten ->
    Dense(code_size); back: Dense -> Reshape -> [Conv2DTranspose(f, 3, stride 2, ReLU, same)] for each
    f in reverse -> Conv2D(channels, 3, sigmoid, same). Image sides must be multiples of 2^len(filters).
    For 28x28x1 images, filters (16, 32) and code_size 32: 120,769 parameters.

    Shape: (batch, *image_shape) with pixels in [0, 1] -> the same.
    """
    height, width, channels = image_shape
    scale = 2 ** len(filters)
    if height % scale or width % scale:
        raise ValueError(f"ConvAutoencoder: image height and width must be multiples of {scale} "
                         f"(one 2x2 pooling per filter count), received image_shape={tuple(image_shape)}")
    maps = (height // scale, width // scale, filters[-1])
    encoder_layers = [layers.Input(shape=tuple(image_shape))]
    for f in filters:
        encoder_layers += [layers.Conv2D(f, 3, padding="same", activation="relu"), layers.MaxPooling2D(2)]
    encoder = Sequential(encoder_layers + [layers.Flatten(), layers.Dense(code_size, name="code")], name="encoder")
    decoder_layers = [layers.Input(shape=(code_size,)), layers.Dense(maps[0] * maps[1] * maps[2], activation="relu"),
                      layers.Reshape(maps)]
    for f in reversed(filters):
        decoder_layers.append(layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu"))
    decoder_layers.append(layers.Conv2D(channels, 3, padding="same", activation="sigmoid"))
    return _chain(encoder, Sequential(decoder_layers, name="decoder"), image_shape, name)


def _chain(encoder, decoder, image_shape, name):
    image = layers.Input(shape=tuple(image_shape), name="image")
    return Model(image, decoder(encoder(image)), name=name)


def add_noise(x, stddev=0.5, seed=None):
    """x̃ = clip(x + stddev·ε, 0, 1), ε ~ N(0, I): the corrupted inputs of a denoising autoencoder.

    Args:
        x: images with pixels in [0, 1] (a NumPy or CuPy array).
        stddev: the noise level σ.
        seed: an int for a reproducible draw; None uses nerve's seeded global generator.
    """
    xp = backend.array_module(x) if backend.is_array(x) else backend.xp
    x = xp.asarray(x)
    if seed is None:
        noise = backend.rng(xp).standard_normal(x.shape, dtype="float32")
    else:
        import numpy
        noise = xp.asarray(numpy.random.default_rng(seed).standard_normal(x.shape, dtype="float32"))
    return xp.clip(x + noise.astype(x.dtype) * x.dtype.type(stddev), 0, 1)

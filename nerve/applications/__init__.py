"""nerve.applications: the model zoo, each model a function returning a Model.

Every builder's docstring gives its reference and parameter count. The registry maps
the short names the ``nerve`` command uses (``nerve models`` lists them) to builders.
"""

from . import gpt_training
from .gpt import GPT, shakespeare_char_gpt
from .lenet import LeNet5
from .mlp import MLP
from .registry import describe, get, names, recipe, register
from .simple_cnn import SimpleCNN
from .autoencoder import ConvAutoencoder, DenseAutoencoder
from .gan import GAN, ConditionalGAN, DCGAN
from .vae import VAE, VariationalAutoencoder

# recipes: measured on MNIST with Adam and cosine decay (see nerve.cli)
register("lenet5", LeNet5, "LeNet-5 (LeCun et al. 1998), 61,706 params; --modern: ReLU + max pooling",
         recipe={"epochs": 5, "batch_size": 32, "lr": 2e-3})
register("mlp", MLP, "multilayer perceptron 784-256-256-10, 269,322 params",
         recipe={"epochs": 5, "batch_size": 64, "lr": 1e-3})
register("simple_cnn", SimpleCNN, "Keras's MNIST convnet: 2 conv + dropout, 34,826 params",
         recipe={"epochs": 8, "batch_size": 128, "lr": 3e-3})
register("gpt", shakespeare_char_gpt, "GPT (nanoGPT) for characters: 4 layers, 4 heads, 128 wide, block 64, "
         "804,096 params (nerve train gpt --dataset tinyshakespeare)", recipe={"iters": 2000, "batch_size": 12, "lr": 1e-3})

# generative models: nerve.applications.generative_run trains them
register("dcgan", DCGAN, "DCGAN (Radford et al. 2016) for 28x28 digits, z 64: 697,794 params",
         recipe={"epochs": 5, "batch_size": 64, "lr": 2e-4})
register("cgan", ConditionalGAN, "label-conditioned DCGAN (Mirza & Osindero 2014), z 64: 770,754 params",
         recipe={"epochs": 5, "batch_size": 64, "lr": 2e-4})
register("vae", VariationalAutoencoder, "dense variational autoencoder (Kingma & Welling 2014), z 16: "
         "1,079,600 params", recipe={"epochs": 10, "batch_size": 128, "lr": 1e-3})
register("autoencoder", ConvAutoencoder, "convolutional autoencoder, code 32: 278,369 params; "
         "--noise: denoising", recipe={"epochs": 5, "batch_size": 128, "lr": 1e-3})

__all__ = ["GPT", "gpt_training", "LeNet5", "MLP", "SimpleCNN", "describe", "get", "names", "recipe", "register"]

__all__ += ["ConditionalGAN", "ConvAutoencoder", "DCGAN", "DenseAutoencoder", "GAN", "VAE", "VariationalAutoencoder"]

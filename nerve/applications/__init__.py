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

# recipes: measured on MNIST with Adam and cosine decay (see nerve.cli)
register("lenet5", LeNet5, "LeNet-5 (LeCun et al. 1998), 61,706 params; --modern: ReLU + max pooling",
         recipe={"epochs": 5, "batch_size": 32, "lr": 2e-3})
register("mlp", MLP, "multilayer perceptron 784-256-256-10, 269,322 params",
         recipe={"epochs": 5, "batch_size": 64, "lr": 1e-3})
register("simple_cnn", SimpleCNN, "Keras's MNIST convnet: 2 conv + dropout, 34,826 params",
         recipe={"epochs": 8, "batch_size": 128, "lr": 3e-3})
register("gpt", shakespeare_char_gpt, "GPT (nanoGPT) for characters: 4 layers, 4 heads, 128 wide, block 64, "
         "804,096 params (nerve train gpt --dataset tinyshakespeare)", recipe={"iters": 2000, "batch_size": 12, "lr": 1e-3})

__all__ = ["GPT", "gpt_training", "LeNet5", "MLP", "SimpleCNN", "describe", "get", "names", "recipe", "register"]

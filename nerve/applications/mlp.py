"""A multilayer perceptron: the fully connected baseline."""

from .. import layers
from ..models import Sequential


def MLP(input_shape=(28, 28, 1), widths=(256, 256), classes=10, name="mlp"):
    """A multilayer perceptron: Flatten, then Dense ReLU layers of ``widths``, then softmax.

    The baseline of Rumelhart, Hinton and Williams, "Learning representations by
    back-propagating errors", Nature 323, 1986. For MNIST (784 inputs), 784-256-256-10
    has 269,322 parameters (200,960 + 65,792 + 2,570).

    Args:
        input_shape: the shape of one sample; flattened first.
        widths: the sizes of the hidden layers.
        classes: the number of classes.

    Returns:
        a Sequential model from samples to class probabilities, shape (batch, classes).
    """
    hidden = [layers.Dense(width, activation="relu", name=f"hidden_{i + 1}") for i, width in enumerate(widths)]
    return Sequential([
        layers.Input(shape=tuple(input_shape)),
        layers.Flatten(name="flatten"),
        *hidden,
        layers.Dense(classes, activation="softmax", name="output"),
    ], name=name)

"""LeNet-5: the convolutional network that read cheques."""

from .. import layers
from ..models import Sequential


def LeNet5(input_shape=(28, 28, 1), classes=10, modern=False, name="lenet5"):
    """LeNet-5, as in LeCun, Bottou, Bengio and Haffner, "Gradient-based learning applied to
    document recognition", Proc. IEEE 86(11), 1998.

    C1: Conv 6@5x5 "same" (the paper pads the 28x28 digits to 32x32), S2: 2x2 pooling,
    C3: Conv 16@5x5, S4: 2x2 pooling, C5: Conv 120@5x5, F6: Dense 84, output: Dense ``classes``
    with softmax. The classic version uses tanh and average pooling (the paper's subsampling
    with trainable coefficients and RBF output are simplified to these, as is usual);
    ``modern=True`` uses ReLU and max pooling. Both have 61,706 parameters for 28x28x1
    inputs and 10 classes (C1 156, C3 2,416, C5 48,120, F6 10,164, output 850).

    Args:
        input_shape: (height, width, channels) of the images, 28x28x1 by default.
        classes: the number of classes.
        modern: ReLU + max pooling instead of tanh + average pooling.

    Returns:
        a Sequential model from images to class probabilities, shape (batch, classes).
    """
    activation = "relu" if modern else "tanh"
    pool = layers.MaxPooling2D if modern else layers.AveragePooling2D
    return Sequential([
        layers.Input(shape=tuple(input_shape)),
        layers.Conv2D(6, 5, padding="same", activation=activation, name="c1"),
        pool(2, name="s2"),
        layers.Conv2D(16, 5, activation=activation, name="c3"),
        pool(2, name="s4"),
        layers.Conv2D(120, 5, activation=activation, name="c5"),
        layers.Flatten(name="flatten"),
        layers.Dense(84, activation=activation, name="f6"),
        layers.Dense(classes, activation="softmax", name="output"),
    ], name=name)

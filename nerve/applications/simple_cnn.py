"""The small convnet of Keras's MNIST example."""

from .. import layers
from ..models import Sequential


def SimpleCNN(input_shape=(28, 28, 1), classes=10, name="simple_cnn"):
    """Keras's "Simple MNIST convnet" (F. Chollet, keras.io/examples/vision/mnist_convnet).

    Conv 32@3x3 ReLU, MaxPool 2, Conv 64@3x3 ReLU, MaxPool 2, Flatten, Dropout 0.5,
    Dense ``classes`` softmax: 34,826 parameters for 28x28x1 inputs and 10 classes
    (320 + 18,496 + 16,010); about 99% test accuracy on MNIST after a few epochs.

    Args:
        input_shape: (height, width, channels) of the images.
        classes: the number of classes.

    Returns:
        a Sequential model from images to class probabilities, shape (batch, classes).
    """
    return Sequential([
        layers.Input(shape=tuple(input_shape)),
        layers.Conv2D(32, 3, activation="relu", name="conv_1"),
        layers.MaxPooling2D(2, name="pool_1"),
        layers.Conv2D(64, 3, activation="relu", name="conv_2"),
        layers.MaxPooling2D(2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5, name="dropout"),
        layers.Dense(classes, activation="softmax", name="output"),
    ], name=name)

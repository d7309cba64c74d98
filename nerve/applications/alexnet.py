"""AlexNet: the network that won ImageNet 2012, in torchvision's single-tower form."""

from .. import layers
from ..models import Functional
from . import imagenet_utils


def AlexNet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
            classifier_activation="softmax", name="alexnet"):
    """AlexNet (Krizhevsky, Sutskever and Hinton, "ImageNet classification with deep convolutional
    neural networks", NeurIPS 2012) as torchvision.models.alexnet: 61,100,840 parameters at
    224x224x3 with 1000 classes.

    torchvision's variant (from Krizhevsky's "One weird trick", 2014): one tower instead of the
    paper's two GPUs, 64-192-384-256-256 filters, no local response normalisation:
    Conv 64@11x11/4 (pad 2), max pool 3/2, Conv 192@5x5 (pad 2), max pool 3/2, Conv 384@3x3,
    Conv 256@3x3, Conv 256@3x3, max pool 3/2 (6x6x256 at 224x224), then Dropout 0.5, Dense 4096,
    Dropout 0.5, Dense 4096, Dense ``classes``; ReLU throughout. torchvision's adaptive average
    pooling to 6x6 is the identity at 224x224 and is left out, so with the top the input must
    give a 6x6 map (223 to 226 pixels a side) for the weights to carry over; other sizes work
    with a differently sized first dense layer.

    Args:
        include_top: end with the three dense layers, else with the last pooling (sides >= 63).
        weights: None (random initialisation) or the path of a weight file to load.
        input_tensor: a symbolic tensor (``keras.Input``) to use as the image input.
        input_shape: (height, width, channels); default (224, 224, 3) with the top, else (None, None, 3).
        pooling: without the top, "avg" or "max" for a global pooling at the end, or None.
        classes: the number of classes of the top.
        classifier_activation: the activation of "predictions" (None: logits).

    Returns:
        a functional Model from images to class probabilities (or features without the top).
    """
    imagenet_utils.check_arguments("AlexNet", include_top, weights, pooling, classes)
    img_input = imagenet_utils.image_input("AlexNet", input_tensor, input_shape, default_size=224, min_size=63,
                                           require_flatten=include_top)
    x = layers.ZeroPadding2D(2, name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 11, strides=4, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(192, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(0.5, name="drop6")(x)
        x = layers.Dense(4096, activation="relu", name="fc6")(x)
        x = layers.Dropout(0.5, name="drop7")(x)
        x = layers.Dense(4096, activation="relu", name="fc7")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.global_pooling(x, pooling)
    model = Functional(imagenet_utils.source_inputs(img_input), x, name=name)
    return imagenet_utils.load_weights(model, weights)

"""VGG16 and VGG19: stacks of 3x3 convolutions, layer for layer as keras.applications builds them;
and CifarVGG, the small VGG-style net for 32x32 images that ``benchmarks/train.py`` times."""

from .. import layers
from ..models import Functional, Sequential
from . import imagenet_utils

# convolutions per block; the filters double per block from 64 up to 512
_DEPTHS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def VGG16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 (configuration D) of Simonyan and Zisserman, "Very deep convolutional networks for
    large-scale image recognition", ICLR 2015: 138,357,544 parameters at 224x224x3 with 1000 classes,
    as keras.applications.VGG16.

    Thirteen 3x3 "same" convolutions with ReLU in five blocks (64, 128, 256, 512, 512 filters),
    each block ended by a 2x2 max pooling, then Flatten, Dense 4096 ("fc1"), Dense 4096 ("fc2") and
    Dense ``classes`` ("predictions"). Two stacked 3x3 convolutions see a 5x5 window and three a
    7x7 one, with fewer weights (2·9C² = 18C² against 25C²) and a nonlinearity between them.
    Layer names and order are Keras's ("block1_conv1" ... "block5_pool", "fc1", "fc2",
    "predictions"), so Keras weight files of VGG16 load into it.

    Args:
        include_top: end with the three dense layers (then the input size must be known; 224
            by default) instead of the last pooling (input size free, at least 32).
        weights: None (random initialisation) or the path of a weight file (``.weights.h5``,
            ``.keras``, a legacy Keras HDF5 file, or nerve's own) to load.
        input_tensor: a symbolic tensor (``keras.Input``) to use as the image input.
        input_shape: (height, width, channels); default (224, 224, 3) with the top, else (None, None, 3).
        pooling: without the top, "avg" or "max" for a global pooling at the end, or None.
        classes: the number of classes of the top.
        classifier_activation: the activation of "predictions" (None: logits).

    Returns:
        a functional Model from images (batch, height, width, channels) to class probabilities.
    """
    return _vgg("VGG16", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def VGG19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19 (configuration E) of Simonyan and Zisserman (ICLR 2015): 143,667,240 parameters at
    224x224x3 with 1000 classes, as keras.applications.VGG19.

    VGG16 with a fourth convolution in blocks 3, 4 and 5 (sixteen 3x3 convolutions in all);
    the same arguments, names and top as :func:`VGG16`.
    """
    return _vgg("VGG19", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def _vgg(model_name, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
         name):
    imagenet_utils.check_arguments(model_name, include_top, weights, pooling, classes)
    img_input = imagenet_utils.image_input(model_name, input_tensor, input_shape, default_size=224, min_size=32,
                                           require_flatten=include_top)
    x = img_input
    for block, (depth, filters) in enumerate(zip(_DEPTHS[model_name.lower()], _FILTERS), start=1):
        for i in range(1, depth + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.global_pooling(x, pooling)
    model = Functional(imagenet_utils.source_inputs(img_input), x, name=name)
    return imagenet_utils.load_weights(model, weights)


def CifarVGG(input_shape=(32, 32, 3), classes=10, classifier_activation="softmax", name="cifar_vgg"):
    """A VGG-style net for small colour images: two blocks of two 3x3 convolutions (32, then 64
    filters, ReLU, 'same' padding) each followed by 2x2 max pooling, then Dense 256 ReLU and
    Dense ``classes``: 1,116,970 parameters at 32x32x3 with 10 classes. The net the speed table
    of ``benchmarks/train.py`` times against PyTorch ("vgg").

    Args:
        input_shape: (height, width, channels), sides divisible by 4.
        classes: the number of classes.
        classifier_activation: the last layer's activation (None: logits).

    Returns:
        a Sequential model from images to class probabilities, shape (batch, classes).
    """
    def block(index, filters):
        return [layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{index}_conv1"),
                layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{index}_conv2"),
                layers.MaxPooling2D(2, name=f"block{index}_pool")]
    return Sequential([layers.Input(shape=tuple(input_shape)), *block(1, 32), *block(2, 64),
                       layers.Flatten(name="flatten"), layers.Dense(256, activation="relu", name="fc"),
                       layers.Dense(classes, activation=classifier_activation, name="predictions")], name=name)

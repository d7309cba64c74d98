"""GoogLeNet (Inception v1), with batch normalisation as torchvision builds it."""

from .. import layers
from ..models import Functional
from . import imagenet_utils

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection) filters of each Inception module
# (Szegedy et al. 2015, table 1)
INCEPTION_FILTERS = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def conv_bn(x, filters, kernel_size, strides=1, padding="same", name=None):
    """torchvision's ``BasicConv2d``: convolution without bias, batch norm (eps 1e-3), ReLU."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False,
                      name=name + "_conv")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.9, name=name + "_bn")(x)
    return layers.Activation("relu", name=name + "_relu")(x)


def inception_module(x, filters, name, large_kernel=3):
    """Four parallel branches concatenated on channels: 1x1; 1x1 -> 3x3; 1x1 -> large_kernel;
    3x3 max pool -> 1x1. The 1x1 "reductions" before the big kernels (and after the pool) cut
    the channels the expensive convolutions see: that is the module's saving in weights and
    multiply-adds (examples/inception_savings.py draws it).

    ``large_kernel`` is 3 as in torchvision (whose third branch has a 3x3 where the paper has
    5x5, a known slip kept for its weights and its 6,624,904 parameters); pass 5 for the paper's.
    """
    f1, f3r, f3, f5r, f5, fp = filters
    b1 = conv_bn(x, f1, 1, name=name + "_1x1")
    b2 = conv_bn(x, f3r, 1, name=name + "_3x3_reduce")
    b2 = conv_bn(b2, f3, 3, name=name + "_3x3")
    b3 = conv_bn(x, f5r, 1, name=name + "_5x5_reduce")
    b3 = conv_bn(b3, f5, large_kernel, name=name + "_5x5")
    b4 = layers.MaxPooling2D(3, strides=1, padding="same", name=name + "_pool")(x)
    b4 = conv_bn(b4, fp, 1, name=name + "_pool_proj")
    return layers.Concatenate(axis=-1, name=name + "_concat")([b1, b2, b3, b4])


def _aux_classifier(x, classes, classifier_activation, name):
    """The paper's auxiliary head: 5x5/3 average pool, 1x1 conv 128, Dense 1024, Dropout 0.7, Dense."""
    x = layers.AveragePooling2D(5, strides=3, name=name + "_pool")(x)
    x = conv_bn(x, 128, 1, name=name + "_proj")
    x = layers.Flatten(name=name + "_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=name + "_fc1")(x)
    x = layers.Dropout(0.7, name=name + "_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, name=name + "_predictions")(x)


def GoogLeNet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", aux_classifiers=False, name="googlenet"):
    """GoogLeNet (Szegedy et al., "Going deeper with convolutions", CVPR 2015) as
    torchvision.models.googlenet: 6,624,904 trainable parameters at 1000 classes without the
    auxiliary classifiers (the batch-norm moving statistics come on top).

    Conv 64@7x7/2, max pool 3/2, Conv 64@1x1, Conv 192@3x3, max pool 3/2, Inception 3a, 3b,
    max pool 3/2, Inception 4a-4e, max pool 2/2, Inception 5a, 5b, global average pooling,
    Dropout 0.2, Dense ``classes``. Every convolution is followed by batch norm and ReLU
    (torchvision's addition to the 2014 network); max pools round up as torchvision's
    ``ceil_mode=True`` does, which Keras's "same" padding gives at these sizes.

    Args:
        include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation:
            as keras.applications (input default (224, 224, 3); sides at least 32, or 65 with
            the auxiliary classifiers).
        aux_classifiers: also output the two auxiliary classifiers after Inception 4a and 4d
            (5x5/3 average pool, 1x1 conv 128, Dense 1024, Dropout 0.7, Dense ``classes``):
            the model then returns ``[main, aux1, aux2]``; train with loss weights such as
            [1, 0.3, 0.3] as the paper did, and predict with the first output.

    Returns:
        a functional Model from images to class probabilities (a list of three with the
        auxiliary classifiers).
    """
    imagenet_utils.check_arguments("GoogLeNet", include_top, weights, pooling, classes)
    if aux_classifiers and not include_top:
        raise ValueError("GoogLeNet: aux_classifiers=True needs include_top=True (they are classifiers)")
    img_input = imagenet_utils.image_input("GoogLeNet", input_tensor, input_shape, default_size=224,
                                           min_size=65 if aux_classifiers else 32, require_flatten=include_top)
    x = layers.ZeroPadding2D(3, name="conv1_pad")(img_input)
    x = conv_bn(x, 64, 7, strides=2, padding="valid", name="conv1")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = conv_bn(x, 64, 1, name="conv2")
    x = conv_bn(x, 192, 3, name="conv3")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    aux = []
    for module in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
        if module == "4a":
            x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool3")(x)
        if module == "5a":
            x = layers.MaxPooling2D(2, strides=2, padding="same", name="pool4")(x)
        x = inception_module(x, INCEPTION_FILTERS[module], name="inception" + module)
        if aux_classifiers and module in ("4a", "4d"):
            aux.append(_aux_classifier(x, classes, classifier_activation, name=f"aux{len(aux) + 1}"))
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(0.2, name="dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.global_pooling(x, pooling, avg_name="avg_pool", max_name="max_pool")
    outputs = [x] + aux if aux else x
    model = Functional(imagenet_utils.source_inputs(img_input), outputs, name=name)
    return imagenet_utils.load_weights(model, weights)

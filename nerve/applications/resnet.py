"""Residual networks (He, Zhang, Ren and Sun, "Deep residual learning for image recognition", CVPR 2016).

A residual block learns F(x) and outputs relu(F(x) + shortcut(x)): the identity path lets the
gradient reach early layers undiminished, so depth stops hurting training (the "degradation
problem" of plain deep nets). Three families live here:

- ResNet50 and ResNet101: bottleneck blocks (1x1 reduce, 3x3, 1x1 expand by 4), built layer for
  layer as keras.applications does (its names, its stride on the first 1x1, biases on every
  convolution, batch-norm epsilon 1.001e-5), so Keras weight files load into them;
- ResNet18 and ResNet34: basic blocks (two 3x3), as torchvision builds them (no convolution bias,
  explicit symmetric zero padding for strided convolutions), named in Keras's scheme;
- ResNet20, ResNet32, ResNet56: the CIFAR networks of the paper's section 4.2 (6n+2 layers on
  32x32 images: 16, 32, 64 filters), with shortcut **option A**: identity, subsampled by 2 and
  zero-padded in channels where the shape changes, so shortcuts add no parameters.
"""

from .. import layers, ops
from ..models import Functional
from . import imagenet_utils

_KERAS_BN = {"axis": 3, "epsilon": 1.001e-5}              # keras.applications.resnet
_TORCH_BN = {"axis": 3, "epsilon": 1e-5, "momentum": 0.9}  # PyTorch's defaults (momentum 0.1 = 1 - 0.9)


# ---- ResNet50 / ResNet101: keras.applications.resnet, name for name ---------------------------

def bottleneck_block(x, filters, stride=1, conv_shortcut=True, name=None):
    """Keras's ``residual_block_v1``: 1x1 (stride) -> 3x3 -> 1x1 (4·filters), plus the shortcut."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(**_KERAS_BN, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(**_KERAS_BN, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(**_KERAS_BN, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(**_KERAS_BN, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def basic_block(x, filters, stride=1, conv_shortcut=False, name=None):
    """torchvision's ``BasicBlock``: 3x3 (stride) -> 3x3, plus the identity or a 1x1 projection."""
    if conv_shortcut:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, kernel_initializer="he_normal",
                                 name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(**_TORCH_BN, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    if stride > 1:    # PyTorch's padding=1 (one row and column on every side), not Keras's "same"
        x = layers.ZeroPadding2D(1, name=name + "_1_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, padding="valid" if stride > 1 else "same", use_bias=False,
                      kernel_initializer="he_normal", name=name + "_1_conv")(x)
    x = layers.BatchNormalization(**_TORCH_BN, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name=name + "_2_conv")(x)
    x = layers.BatchNormalization(**_TORCH_BN, name=name + "_2_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def _stack(x, block, filters, blocks, stride, name, expansion):
    """``blocks`` blocks; the first strides and projects the shortcut when the shape changes."""
    in_channels = x.shape[-1]
    project = stride != 1 or in_channels != filters * expansion
    x = block(x, filters, stride=stride, conv_shortcut=project, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


_IMAGENET_STAGES = {
    "ResNet18": (basic_block, 1, (2, 2, 2, 2)),
    "ResNet34": (basic_block, 1, (3, 4, 6, 3)),
    "ResNet50": (bottleneck_block, 4, (3, 4, 6, 3)),
    "ResNet101": (bottleneck_block, 4, (3, 4, 23, 3)),
}


def _imagenet_resnet(model_name, include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name):
    imagenet_utils.check_arguments(model_name, include_top, weights, pooling, classes)
    block, expansion, depths = _IMAGENET_STAGES[model_name]
    keras_style = block is bottleneck_block
    img_input = imagenet_utils.image_input(model_name, input_tensor, input_shape, default_size=224, min_size=32,
                                           require_flatten=include_top)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    if keras_style:
        x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
        x = layers.BatchNormalization(**_KERAS_BN, name="conv1_bn")(x)
    else:
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, kernel_initializer="he_normal", name="conv1_conv")(x)
        x = layers.BatchNormalization(**_TORCH_BN, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), depths), start=2):
        x = _stack(x, block, filters, blocks, stride=1 if stage == 2 else 2, name=f"conv{stage}",
                   expansion=expansion)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.global_pooling(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = Functional(imagenet_utils.source_inputs(img_input), x, name=name)
    return imagenet_utils.load_weights(model, weights)


_ARGS_DOC = """
    Args:
        include_top: end with global average pooling and Dense ``classes`` ("avg_pool",
            "predictions"); without it, ``pooling`` decides the end.
        weights: None (random initialisation) or the path of a weight file to load.
        input_tensor: a symbolic tensor (``keras.Input``) to use as the image input.
        input_shape: (height, width, channels), sides at least 32; default (224, 224, 3) with the
            top, else (None, None, 3).
        pooling: without the top, "avg" or "max" for a global pooling at the end, or None.
        classes: the number of classes of the top.
        classifier_activation: the activation of "predictions" (None: logits).

    Returns:
        a functional Model from images to class probabilities (or features without the top).
"""


def ResNet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet50"):
    """ResNet-50 (He et al. 2016, table 1): 25,636,712 parameters (25,583,592 trainable) at 1000
    classes, as keras.applications.ResNet50, whose layer names it carries ("conv1_conv",
    "conv2_block1_1_conv", ..., "conv5_block3_out", "avg_pool", "predictions").

    7x7/2 convolution, 3x3/2 max pooling, then 3, 4, 6, 3 bottleneck blocks of 64, 128, 256, 512
    filters (expanded to 4x), the first of each stage striding by 2 (not the first stage) on its
    first 1x1 convolution and projecting its shortcut with a 1x1 convolution.
    """
    return _imagenet_resnet("ResNet50", include_top, weights, input_tensor, input_shape, pooling, classes,
                            classifier_activation, name)


def ResNet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="resnet101"):
    """ResNet-101 (He et al. 2016, table 1): 44,707,176 parameters at 1000 classes, as
    keras.applications.ResNet101 (ResNet50 with 23 blocks in stage 4; the same names).
    """
    return _imagenet_resnet("ResNet101", include_top, weights, input_tensor, input_shape, pooling, classes,
                            classifier_activation, name)


def ResNet18(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet18"):
    """ResNet-18 (He et al. 2016, table 1) as torchvision.models.resnet18: 11,689,512 trainable
    parameters at 1000 classes (torchvision's figure; the batch-norm moving statistics come on top).

    7x7/2 convolution, 3x3/2 max pooling, then 2, 2, 2, 2 basic blocks (two 3x3 convolutions)
    of 64, 128, 256, 512 filters; convolutions without bias, PyTorch's batch-norm settings.
    Layers are named in Keras's scheme ("conv2_block1_1_conv", ...).
    """
    return _imagenet_resnet("ResNet18", include_top, weights, input_tensor, input_shape, pooling, classes,
                            classifier_activation, name)


def ResNet34(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet34"):
    """ResNet-34 (He et al. 2016, table 1) as torchvision.models.resnet34: 21,797,672 trainable
    parameters at 1000 classes; ResNet18 with 3, 4, 6, 3 basic blocks.
    """
    return _imagenet_resnet("ResNet34", include_top, weights, input_tensor, input_shape, pooling, classes,
                            classifier_activation, name)


for _builder in (ResNet18, ResNet34, ResNet50, ResNet101):
    _builder.__doc__ += _ARGS_DOC


# ---- CIFAR ResNets (section 4.2) ----------------------------------------------------------

class ShortcutA(layers.Layer):
    """He et al.'s shortcut option A: the identity, subsampled and zero-padded to ``filters`` channels.

        y = concat(x[:, ::s, ::s, :], zeros(..., filters − C))

    (every ``strides``-th pixel, the new channels all zero), so a shortcut across a stage
    boundary costs no parameters. Input (batch, H, W, C) -> output (batch, ceil(H/s), ceil(W/s), filters).
    """

    def __init__(self, filters, strides=2, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.strides = int(strides)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None or input_shape[-1] > self.filters:
            raise ValueError(f"ShortcutA '{self.name}': expected input (batch, height, width, channels) with at "
                             f"most {self.filters} channels, received shape {tuple(input_shape)}")
        self.built = True

    def call(self, inputs):
        s = self.strides
        x = inputs[:, ::s, ::s, :] if s > 1 else inputs
        return ops.pad(x, ((0, 0), (0, 0), (0, 0), (0, self.filters - inputs.shape[-1])))

    def compute_output_shape(self, input_shape):
        def sub(n):
            return None if n is None else -(-n // self.strides)
        return (input_shape[0], sub(input_shape[1]), sub(input_shape[2]), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "strides": self.strides}


def cifar_block(x, filters, stride=1, residual=True, name=None):
    """Two 3x3 convolutions with batch norm; with ``residual``, plus the option-A shortcut."""
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name=name + "_1_conv")(x)
    x = layers.BatchNormalization(**_TORCH_BN, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name=name + "_2_conv")(x)
    x = layers.BatchNormalization(**_TORCH_BN, name=name + "_2_bn")(x)
    if residual:
        if stride != 1 or shortcut.shape[-1] != filters:
            shortcut = ShortcutA(filters, stride, name=name + "_0_shortcut")(shortcut)
        x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def CifarResNet(depth, residual=True, include_top=True, weights=None, input_tensor=None, input_shape=None,
                pooling=None, classes=10, classifier_activation="softmax", name=None):
    """The 6n+2-layer CIFAR network of He et al. 2016 (section 4.2); ``residual=False`` gives the
    "plain" net of the same depth (their figure 6: the deeper plain nets train worse).

    3x3 convolution with 16 filters, then three stages of n blocks (16, 32, 64 filters; the
    second and third halve the feature map with a stride-2 first convolution), global average
    pooling and Dense ``classes``. Shortcuts use option A (:class:`ShortcutA`).
    Input 32x32x3 by default (at least 8x8).
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"CifarResNet: `depth` must be 6n+2 (20, 32, 44, 56, 110, ...), received {depth!r}")
    model_name = f"ResNet{depth}" if residual else f"Plain{depth}"
    imagenet_utils.check_arguments(model_name, include_top, weights, pooling, classes)
    img_input = imagenet_utils.image_input(model_name, input_tensor, input_shape or (32, 32, 3), default_size=32,
                                           min_size=8, require_flatten=include_top)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, kernel_initializer="he_normal",
                      name="conv1_conv")(img_input)
    x = layers.BatchNormalization(**_TORCH_BN, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    n = (depth - 2) // 6
    for stage, filters in enumerate((16, 32, 64), start=2):
        for i in range(1, n + 1):
            stride = 2 if stage > 2 and i == 1 else 1
            x = cifar_block(x, filters, stride, residual, name=f"conv{stage}_block{i}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.global_pooling(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = Functional(imagenet_utils.source_inputs(img_input), x, name=name or model_name.lower())
    return imagenet_utils.load_weights(model, weights)


def ResNet20(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet20"):
    """ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2, table 6: 0.27M parameters, 8.75% error):
    269,722 trainable parameters at 10 classes; option-A shortcuts. See :func:`CifarResNet`."""
    return CifarResNet(20, True, include_top, weights, input_tensor, input_shape, pooling, classes,
                       classifier_activation, name)


def ResNet32(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet32"):
    """ResNet-32 for CIFAR-10 (He et al. 2016, table 6: 0.46M parameters, 7.51% error): 464,154
    trainable parameters at 10 classes; option-A shortcuts. See :func:`CifarResNet`."""
    return CifarResNet(32, True, include_top, weights, input_tensor, input_shape, pooling, classes,
                       classifier_activation, name)


def ResNet56(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=10,
             classifier_activation="softmax", name="resnet56"):
    """ResNet-56 for CIFAR-10 (He et al. 2016, table 6: 0.85M parameters, 6.97% error): 853,018
    trainable parameters at 10 classes; option-A shortcuts. See :func:`CifarResNet`."""
    return CifarResNet(56, True, include_top, weights, input_tensor, input_shape, pooling, classes,
                       classifier_activation, name)

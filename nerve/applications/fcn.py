"""FCN: a classification network turned fully convolutional, labelling every pixel.

Long, Shelhamer and Darrell, "Fully Convolutional Networks for Semantic Segmentation", CVPR 2015.
A VGG-style encoder (five blocks of 3x3 convolutions, each ending in a 2x2 max pool, so its last
map is 1/32 of the input) has its fully connected layers replaced by convolutions (``fc6``: 3x3,
``fc7``: 1x1) and a 1x1 convolution scoring each class at every position (``score_fr``). Transposed
convolutions, initialised to bilinear interpolation, bring the coarse scores back to full size:

- FCN-32s: score (stride 32) upsampled 32x in one step;
- FCN-16s: score upsampled 2x, added to a 1x1 scoring of pool4 (stride 16), then 16x;
- FCN-8s: that sum upsampled 2x again, added to a scoring of pool3 (stride 8), then 8x.

The skips bring back the detail the coarse map lost: that is the paper's point, and what
comparing 32s with 8s measures. The outputs are per-pixel logits (batch, H, W, classes); train
with ``SparseCategoricalCrossentropy(from_logits=True)`` against an (batch, H, W) label map.
"""

import numpy

from .. import layers
from ..models import Model

STRIDES = {"32s": 32, "16s": 16, "8s": 8}


def FCN(input_shape=(64, 64, 1), classes=11, variant="8s", filters=(16, 32, 64, 64, 128), head=256,
        name=None):
    """An FCN-32s, -16s or -8s for ``input_shape`` images (height and width multiples of 32).

    Args:
        input_shape: (height, width, channels).
        classes: output classes per pixel (background included).
        variant: "32s", "16s" or "8s".
        filters: the five encoder blocks' widths (VGG16's are 64, 128, 256, 512, 512; the default
            is a small one for 64x64 scenes).
        head: the width of fc6 and fc7 (VGG16's: 4096).

    Returns:
        a functional Model from images to per-pixel class logits.
    """
    if variant not in STRIDES:
        raise ValueError(f"FCN: variant must be one of {sorted(STRIDES)}, received {variant!r}")
    if len(filters) != 5:
        raise ValueError(f"FCN: filters must give the five encoder blocks' widths, received {filters!r}")
    height, width = input_shape[0], input_shape[1]
    if height is None or width is None or height % 32 or width % 32:
        raise ValueError(f"FCN: height and width must be multiples of 32, received input_shape {tuple(input_shape)}")
    inputs = layers.Input(shape=tuple(input_shape))
    x, pools = inputs, []
    for block, width_ in enumerate(filters, start=1):
        convs = 2 if block <= 2 else 3
        for i in range(1, convs + 1):
            x = layers.Conv2D(width_, 3, padding="same", activation="relu", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        pools.append(x)
    x = layers.Conv2D(head, 3, padding="same", activation="relu", name="fc6")(x)
    x = layers.Conv2D(head, 1, activation="relu", name="fc7")(x)
    score = layers.Conv2D(classes, 1, name="score_fr")(x)
    if variant in ("16s", "8s"):
        score = _upsample(score, classes, 2, "upscore2")
        score = layers.Add(name="fuse_pool4")([score, layers.Conv2D(classes, 1, name="score_pool4")(pools[3])])
    if variant == "8s":
        score = _upsample(score, classes, 2, "upscore_pool4")
        score = layers.Add(name="fuse_pool3")([score, layers.Conv2D(classes, 1, name="score_pool3")(pools[2])])
    outputs = _upsample(score, classes, STRIDES[variant], "upscore")
    model = Model(inputs, outputs, name=name or f"fcn{variant}")
    for layer in model.layers:
        if layer.name.startswith("upscore"):
            layer.set_weights([bilinear_kernel(layer.get_weights()[0].shape)])
    return model


def _upsample(x, classes, factor, name):
    return layers.Conv2DTranspose(classes, 2 * factor, strides=factor, padding="same", use_bias=False, name=name)(x)


def bilinear_kernel(shape):
    """A Conv2DTranspose kernel (k, k, channels, channels) that upsamples each channel bilinearly.

    For factor f and size k = 2f the 1-D filter is 1 − |i − c|/f with c = (k − 1)/2, and the 2-D
    one its outer product; channel c feeds only channel c (FCN's ``upsample_filt``).
    """
    size, _, out_channels, in_channels = shape
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    taps = 1 - numpy.abs(numpy.arange(size) - centre) / factor
    kernel = numpy.zeros(shape, numpy.float32)
    for c in range(min(out_channels, in_channels)):
        kernel[:, :, c, c] = numpy.outer(taps, taps)
    return kernel

"""nerve.layers: Keras layers, a module per family."""

from .layer import InputSpec, Layer  # noqa: F401
from .input_layer import Input, InputLayer, KerasTensor  # noqa: F401
from .core import Activation, Dense, Embedding, Identity, Lambda  # noqa: F401
from .activations import ELU, LeakyReLU, Maxout, PReLU, ReLU, Softmax  # noqa: F401
from .base_conv import BaseConv  # noqa: F401
from .convolutional import (  # noqa: F401
    BaseConvTranspose, Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
)
from .depthwise import (  # noqa: F401
    BaseDepthwiseConv, BaseSeparableConv, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
)
from .pooling import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, AveragePooling3D, BaseGlobalPooling, BasePooling,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)
from .normalization import (  # noqa: F401
    BatchNormalization, GroupNormalization, InstanceNormalization, LayerNormalization,
)
from .regularization import (  # noqa: F401
    ActivityRegularization, Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D,
    SpatialDropout3D,
)
from .reshaping import Flatten, Permute, RepeatVector, Reshape  # noqa: F401
from .spatial import (  # noqa: F401
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
    ZeroPadding2D, ZeroPadding3D,
)
from .merging import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot,
    maximum, minimum, multiply, subtract,
)
from .preprocessing import *  # noqa: F401,F403
from .attention import PositionEmbedding  # noqa: F401

# Keras's aliases
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Deconvolution2D = Conv2DTranspose, Conv2DTranspose
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D


def serialize(layer):
    """A layer as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``."""
    return {"module": "keras.layers", "class_name": type(layer).__name__, "config": layer.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """The layer a ``serialize`` dict describes (classes looked up among nerve's layers, then
    ``custom_objects``, then every registered Layer subclass)."""
    from .layer import get_registered_layer
    name = config.get("class_name") if isinstance(config, dict) else None
    if name is None:
        raise ValueError(f"layers.deserialize: expected a dict with 'class_name', received {config!r}")
    cls = (custom_objects or {}).get(name) or get_registered_layer(name)
    if cls is None:
        raise ValueError(f"layers.deserialize: unknown layer class {name!r}; pass it in custom_objects")
    return cls.from_config(config.get("config") or {})

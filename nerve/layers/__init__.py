"""nerve.layers: Keras layers, a module per family."""

from .layer import InputSpec, Layer  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .symbolic import KerasTensor  # noqa: F401
from .core import Activation, Dense, Embedding, Identity, Lambda  # noqa: F401
from .activations import ELU, LeakyReLU, Maxout, PReLU, ReLU, Softmax  # noqa: F401
from .convolutional import BaseConv, BaseWindowConv, Conv1D, Conv2D, Conv3D  # noqa: F401
from .conv_transpose import BaseConvTranspose, Conv1DTranspose, Conv2DTranspose, Conv3DTranspose  # noqa: F401
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
from .masking import Masking  # noqa: F401
from .rnn import (  # noqa: F401
    GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell, TimeDistributed,
)
from .attention import Attention, MultiHeadAttention, PositionEmbedding  # noqa: F401

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
    """A layer as Keras serializes it: ``{"module", "class_name", "config", "registered_name"}``
    (plus ``build_config`` once built), nested objects serialized, valid JSON."""
    from ..saving.serialization import serialize_keras_object
    if not isinstance(layer, Layer):
        raise TypeError(f"layers.serialize: expected a Layer, received {layer!r:.200}")
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a ``serialize`` dict describes, through the same gate as ``load_model`` (nerve's
    layers, registered classes and ``custom_objects`` only; no Lambda unless safe_mode=False)."""
    from ..saving.serialization import deserialize_keras_object
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"layers.deserialize: expected a dict with 'class_name', received {config!r:.200}")
    layer = deserialize_keras_object(config, custom_objects=custom_objects,
                                     printable_module_name="layers.deserialize", kind="layer")
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: {config['class_name']!r:.80} is not a layer class")
    return layer

"""Convolutions over channels_last tensors: conv, depthwise, separable and transposed.

Each is im2col (a strided view, one copy) and a GEMM; the input gradient is the
adjoint, col2im. A transposed convolution *is* that input gradient, so it runs the
same kernels the other way round. :mod:`conv_kernels` holds them, and how they are
chunked over the batch to stay in cache. Bias is not part of these ops: layers add it.

Shape (per spatial axis, K_eff = d·(K − 1) + 1 for dilation d):
    valid:  O = ⌊(I − K_eff) / S⌋ + 1
    same:   O = ⌈I / S⌉, zero-padded by max((O − 1)·S + K_eff − I, 0), the extra one after
"""

from .. import backend
from ..autodiff import Function, is_grad_enabled
from ..tensor import Tensor, as_tensor
from . import conv_utils
from . import conv_kernels as kernels
from .conv_utils import Window


class Conv(Function):
    """y[n, o, f] = Σ_k Σ_c x_pad[n, o·S + k·d, c] · W[k, c, f]

    As matrices, with cols = im2col(x) and W₂ = W.reshape(ΠK·C, F):
        Y = cols @ W₂;   dW₂ = colsᵀ @ dY;   dX = col2im(dY @ W₂ᵀ)
    """

    def __init__(self, window, keep_cols):
        self.window, self.keep_cols = window, keep_cols

    def forward(self, x, kernel):
        self.x, self.kernel = x, kernel
        y, self.cols = kernels.forward(x, kernel.reshape(-1, kernel.shape[-1]), self.window, self.keep_cols)
        return y

    def backward(self, gy):
        x, kernel = self.x, self.kernel
        gx = gk = None
        if self.needs_grad[0]:
            gx = kernels.input_grad(gy, kernel.reshape(-1, kernel.shape[-1]), self.window, x.shape[-1])
        if self.needs_grad[1]:
            gk = kernels.weight_grad(x, gy, self.window, self.cols).reshape(kernel.shape)
        return gx, gk


class ConvTranspose(Function):
    """The input gradient of a convolution, as an op: y = col2im(x @ W₂ᵀ)

    W₂ = W.reshape(ΠK·C_out, C_in), the kernel of the convolution it transposes.
    Backward is that convolution: dX = im2col(dY) @ W₂;  dW₂ = im2col(dY)ᵀ @ X.
    """

    def __init__(self, window):
        self.window = window

    def forward(self, x, kernel):
        self.x, self.kernel = x, kernel
        return kernels.input_grad(x, kernel.reshape(-1, kernel.shape[-1]), self.window, kernel.shape[-2])

    def backward(self, gy):
        x, kernel = self.x, self.kernel
        gx = gk = None
        if self.needs_grad[0]:
            gx = kernels.forward(gy, kernel.reshape(-1, kernel.shape[-1]), self.window)[0]
        if self.needs_grad[1]:
            gk = kernels.weight_grad(gy, x, self.window).reshape(kernel.shape)
        return gx, gk


class DepthwiseConv(Function):
    """y[n, o, c·M + m] = Σ_k x_pad[n, o·S + k·d, c] · W[k, c, m]

    Each channel convolved with its own M filters; with cols = im2col(x) seen as (P, ΠK, C):
        Y[p, c, m] = Σ_k cols[p, k, c]·W[k, c, m];  dW = Σ_p cols ⊗ dY;  dX = col2im(dY·W)
    """

    def __init__(self, window):
        self.window = window

    def forward(self, x, kernel):
        xp = backend.array_module(x)
        self.x_shape, self.kernel = x.shape, kernel
        taps, channels, mult = self.window.taps, kernel.shape[-2], kernel.shape[-1]
        self.cols = kernels.im2col(x, self.window).reshape(-1, taps, channels)
        y = xp.einsum("pkc,kcm->pcm", self.cols, kernel.reshape(taps, channels, mult))
        return y.reshape(x.shape[0], *self.window.out, channels * mult)

    def backward(self, gy):
        xp = backend.array_module(gy)
        taps, channels, mult = self.window.taps, self.kernel.shape[-2], self.kernel.shape[-1]
        gy = gy.reshape(-1, channels, mult)
        gx = gk = None
        if self.needs_grad[0]:
            gcols = xp.einsum("pcm,kcm->pkc", gy, self.kernel.reshape(taps, channels, mult))
            gx = xp.empty(self.x_shape, dtype=gy.dtype)
            kernels.col2im(gcols.reshape(gcols.shape[0], -1), self.window, gx)
        if self.needs_grad[1]:
            gk = xp.einsum("pkc,pcm->kcm", self.cols, gy).reshape(self.kernel.shape)
        return gx, gk


# ---- public functions ---------------------------------------------------------------

def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation, as every DL framework), channels_last.

    y[n, o, f] = Σ_k Σ_c x[n, o·S + k·d − P, c] · kernel[k, c, f]   (no bias: layers add it)

    Args:
        inputs: (batch, *spatial, in_channels) with 1, 2 or 3 spatial axes.
        kernel: (*kernel_size, in_channels, out_channels).
        strides, dilation_rate: int or one int per spatial axis.
        padding: "valid" or "same" (Keras: the extra zero row/column goes bottom/right).
        data_format: None or "channels_last".
    Returns:
        (batch, *out_spatial, out_channels); out sizes as in the module docstring.

    Example:
        >>> conv(nerve.ops.ones((1, 5, 5, 1)), nerve.ops.ones((3, 3, 1, 2))).shape
        (1, 3, 3, 2)
    """
    inputs, kernel, window = _prepare("conv", inputs, kernel, strides, padding, data_format, dilation_rate)
    return Conv(window, kernel.requires_grad and is_grad_enabled())(inputs, kernel)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own filters.

    y[n, o, c·M + m] = Σ_k x[n, o·S + k·d − P, c] · kernel[k, c, m]

    Args:
        inputs: (batch, *spatial, channels).
        kernel: (*kernel_size, channels, depth_multiplier M).
    Returns:
        (batch, *out_spatial, channels·M), channel c·M + m as Keras orders them.
    """
    inputs, kernel, window = _prepare("depthwise_conv", inputs, kernel, strides, padding,
                                      data_format, dilation_rate)
    return DepthwiseConv(window)(inputs, kernel)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution followed by a 1x1 convolution mixing the channels.

    y = conv(depthwise_conv(x, depthwise_kernel, strides, padding, dilation_rate), pointwise_kernel)

    Args:
        depthwise_kernel: (*kernel_size, in_channels, depth_multiplier).
        pointwise_kernel: (1, ..., 1, in_channels·depth_multiplier, out_channels).
    Returns:
        (batch, *out_spatial, out_channels).
    """
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution: the gradient of ``conv`` with respect to its input.

    y = col2im(x @ kernel.reshape(-1, in_channels)ᵀ): each input position adds
    kernel · x[n, i, :] into the output window that starts at i·S − P.

    Args:
        inputs: (batch, *spatial, in_channels).
        kernel: (*kernel_size, out_channels, in_channels) (Keras's Conv2DTranspose layout).
        output_padding: None, an int or one int per axis: extra size added after.
    Returns:
        (batch, *out_spatial, out_channels), out sizes from ``conv_utils.deconv_output_length``:
        valid: I·S + max(K_eff − S, 0);  same: I·S;
        with output_padding p: (I − 1)·S + K_eff − 2·⌊K_eff/2⌋·[same] + p.
    """
    inputs, kernel, window = _prepare("conv_transpose", inputs, kernel, strides, padding, data_format,
                                      dilation_rate, output_padding, transpose=True)
    return ConvTranspose(window)(inputs, kernel)


def _prepare(op, inputs, kernel, strides, padding, data_format, dilation_rate, output_padding=None,
             transpose=False):
    """Check the arguments of a convolution op; return its tensors and its Window."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{op}: data_format must be None or 'channels_last' (nerve is channels_last "
                         f"only), received {data_format!r}")
    inputs, kernel = as_tensor(inputs), as_tensor(kernel)
    if inputs.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected inputs of rank 3, 4 or 5 (batch, *spatial, channels), "
                         f"received shape {inputs.shape}")
    ndim = inputs.ndim - 2
    if kernel.ndim != ndim + 2:
        raise ValueError(f"{op}: inputs of shape {inputs.shape} need a kernel of rank {ndim + 2}, "
                         f"received kernel shape {kernel.shape}")
    expected = kernel.shape[-1] if transpose else kernel.shape[-2]
    if inputs.shape[-1] != expected:
        raise ValueError(f"{op}: inputs of shape {inputs.shape} have {inputs.shape[-1]} channels but "
                         f"the kernel of shape {kernel.shape} expects {expected} input channels")
    inputs, kernel = _same_dtype(op, inputs, kernel)
    strides = conv_utils.normalize_tuple(strides, ndim, "strides", op)
    dilation = conv_utils.normalize_tuple(dilation_rate, ndim, "dilation_rate", op)
    padding = conv_utils.normalize_padding(padding, op)
    kernel_size = kernel.shape[:ndim]
    spatial = inputs.shape[1:-1]
    if transpose:
        output_padding = conv_utils.normalize_output_padding(output_padding, ndim, op)
        window = Window.of_conv_transpose(spatial, kernel_size, strides, dilation, padding, output_padding)
    else:
        window = Window.of_conv(spatial, kernel_size, strides, dilation, padding)
        conv_utils.check_window_fits(op, "kernel_size", kernel_size, inputs.shape, window.out, padding, dilation)
    return inputs, kernel, window


def _same_dtype(op, inputs, kernel):
    if inputs.dtype == kernel.dtype:
        return inputs, kernel
    if not backend.is_float_dtype(inputs.dtype):      # e.g. uint8 images: take the kernel's dtype
        return Tensor.wrap(inputs.data.astype(kernel.dtype)), kernel
    raise TypeError(f"{op}: inputs ({inputs.dtype}) and kernel ({kernel.dtype}) must have the same "
                    "dtype; cast one of them")


__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]

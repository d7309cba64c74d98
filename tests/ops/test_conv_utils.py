"""conv_utils: the window geometry and argument checks shared by the conv and pool ops and layers."""

import numpy as np
import pytest

from nerve import layers, ops
from nerve.ops import conv_utils


def test_window_of_conv_same_padding_puts_the_extra_row_after():
    window = conv_utils.Window.of_conv((5, 5), (3, 2), (2, 2), (1, 1), "same")
    assert window.out == (3, 3) and window.pads == ((1, 1), (0, 1))
    assert window.rows == 9 and window.taps == 6 and window.has_padding()


@pytest.mark.parametrize("call", [
    lambda: ops.conv(np.zeros((1, 4, 4, 1), "float32"), np.zeros((3, 3, 1, 1), "float32"), dilation_rate=2),
    lambda: layers.Conv2D(1, 3, dilation_rate=2)(np.zeros((1, 4, 4, 1), "float32")),
])
def test_a_dilated_window_that_does_not_fit_is_named_with_its_reach(call):
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3\) with dilation_rate \(2, 2\) \(a window of "
                                         r"\(5, 5\)\) does not fit inputs of shape \(1, 4, 4, 1\)"):
        call()


def test_pool_op_and_layer_report_the_same_misfit():
    for call in (lambda: ops.average_pool(np.zeros((1, 2, 2, 1), "float32"), 3),
                 lambda: layers.AveragePooling2D(3)(np.zeros((1, 2, 2, 1), "float32"))):
        with pytest.raises(ValueError, match=r"pool_size \(3, 3\) does not fit .* at least \(3, 3\)"):
            call()


@pytest.mark.parametrize("value", [-1, (1,), (1, 1.5), (True, 0)])
def test_output_padding_is_checked_once_for_op_and_layer(value):
    x, w = np.zeros((1, 3, 3, 2), "float32"), np.zeros((3, 3, 1, 2), "float32")
    with pytest.raises(ValueError, match="conv_transpose: `output_padding` must be a non-negative int or 2"):
        ops.conv_transpose(x, w, 2, output_padding=value)
    with pytest.raises(ValueError, match="Conv2DTranspose .*`output_padding` must be a non-negative int or 2"):
        layers.Conv2DTranspose(1, 3, strides=2, output_padding=value)

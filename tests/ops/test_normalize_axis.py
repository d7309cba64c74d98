"""normalize_axis: the one checker of ``axis`` arguments, for ops and layers alike."""

import numpy as np
import pytest

import nerve
from nerve.ops.reduction import normalize_axis


def test_axes_are_normalized_and_sorted_unless_asked_not_to():
    assert normalize_axis(None, 3) == (0, 1, 2)
    assert normalize_axis(-1, 3) == (2,)
    assert normalize_axis((2, -3), 3) == (0, 2)
    assert normalize_axis((2, -3), 3, sort=False) == (2, 0)
    assert normalize_axis(np.int64(1), 2) == (1,)
    assert normalize_axis(0, 0) == (0,)          # a scalar reduces over "axis 0", as NumPy


@pytest.mark.parametrize("axis,match", [(3, "axis 3 is out of range for a tensor of rank 3"),
                                        ((0, -3), "repeats an axis"), (True, "axis True"), (1.0, "axis 1.0")])
def test_bad_axes_name_the_op_and_the_axis(axis, match):
    with pytest.raises(ValueError, match=f"probe: {match}" if "repeats" not in match else match):
        normalize_axis(axis, 3, "probe")


def test_ops_and_layers_share_it():
    with pytest.raises(ValueError, match="sum: `axis` repeats an axis"):
        nerve.ops.sum(nerve.ops.ones((2, 3)), axis=(1, -1))
    with pytest.raises(ValueError, match="LayerNormalization.*axis 5 is out of range"):
        nerve.layers.LayerNormalization(axis=5)(nerve.ops.ones((2, 3)))

"""Weights in Fortran order (an orthogonal initializer's, a transpose) survive a .nerve round trip."""

import numpy as np

from nerve.saving import tensor_file


def test_fortran_order_arrays_round_trip():
    a = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    out = tensor_file.from_bytes(tensor_file.to_bytes({"w": a}), "x.nerve", "weights")
    np.testing.assert_array_equal(out["w"], a)


def test_zero_dimensional_arrays_keep_their_shape():
    """An optimizer's iteration count is 0-d: it must come back 0-d (C-order copies make it 1-d)."""
    out = tensor_file.from_bytes(tensor_file.to_bytes({"i": np.array(7, np.int64)}), "x.nerve", "weights")
    assert out["i"].shape == () and int(out["i"]) == 7

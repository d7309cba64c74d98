"""nerve.backend: dtype helpers and the host-memory policy."""

import sys

import numpy as np
import pytest

from nerve import backend


@pytest.mark.parametrize("dtype,expected", [
    (np.float32, True), ("float16", True), (np.dtype("float64"), True), (float, True),
    (np.int32, False), ("int64", False), (bool, False), (np.complex64, False),
])
def test_is_float_dtype_agrees_with_numpy(dtype, expected):
    assert backend.is_float_dtype(dtype) is expected
    assert np.issubdtype(dtype, np.floating) is expected


def test_keep_freed_memory_is_safe_to_call_again():
    took = backend.keep_freed_memory()
    assert isinstance(took, bool)
    if not sys.platform.startswith("linux"):
        assert took is False
    big = np.ones(8 * 2**20 // 4, dtype=np.float32)     # still allocates and frees normally
    assert float(big.sum()) == big.size

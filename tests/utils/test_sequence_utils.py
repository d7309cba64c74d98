"""nerve.utils.pad_sequences: Keras's examples, options and errors."""

import numpy as np
import pytest

from nerve.utils import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def test_keras_examples():
    np.testing.assert_array_equal(pad_sequences(SEQUENCES), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, maxlen=2), [[0, 1], [2, 3], [5, 6]])
    assert pad_sequences(SEQUENCES).dtype == np.int32


def test_truncating_dtype_and_step_shapes():
    np.testing.assert_array_equal(pad_sequences(SEQUENCES, maxlen=2, truncating="post"), [[0, 1], [2, 3], [4, 5]])
    out = pad_sequences([[0.5], []], maxlen=3, dtype="float32", padding="post", value=0.25)
    np.testing.assert_array_equal(out, np.array([[0.5, 0.25, 0.25], [0.25] * 3], "float32"))
    steps = pad_sequences([np.ones((1, 2)), np.ones((3, 2))], dtype="float32")
    assert steps.shape == (2, 3, 2) and steps[0, :2].sum() == 0
    words = pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["<pad>", "a"], ["b", "c"]]


def test_errors():
    with pytest.raises(ValueError, match="padding.*'middle'"):
        pad_sequences(SEQUENCES, padding="middle")
    with pytest.raises(ValueError, match="truncating"):
        pad_sequences(SEQUENCES, truncating="both")
    with pytest.raises(ValueError, match="sequence 1 is not a sequence"):
        pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="string padding value"):
        pad_sequences(SEQUENCES, value="x")
    with pytest.raises(ValueError, match=r"sequence 1 have shape \(3,\).*\(2,\)"):
        pad_sequences([np.ones((1, 2)), np.ones((2, 3))], dtype="float32")

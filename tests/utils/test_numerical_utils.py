"""to_categorical and normalize, against Keras's documented behaviour."""

import numpy as np
import pytest

import nerve
from nerve.utils import normalize, to_categorical


def test_to_categorical_basic_and_num_classes():
    out = to_categorical([1, 0, 2])
    np.testing.assert_array_equal(out, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert out.dtype == np.float32
    assert to_categorical(np.array([0, 3]), num_classes=5).shape == (2, 5)


def test_to_categorical_shapes_drop_a_trailing_one():
    assert to_categorical(np.zeros((4, 1), "int64"), 3).shape == (4, 3)
    assert to_categorical(np.zeros((2, 5), "int64"), 3).shape == (2, 5, 3)
    assert to_categorical(np.array(2), 4).tolist() == [0, 0, 1, 0]


def test_to_categorical_tensor_and_errors():
    out = to_categorical(nerve.Tensor(np.array([1, 0])), 2)
    assert isinstance(out, nerve.Tensor) and out.numpy().tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="integer class indices"):
        to_categorical([0.5, 1.0])


def test_normalize_numpy_and_tensor():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], "float32")
    out = normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(normalize(x, axis=0)[:, 0], [1.0, 0.0])
    tensor = normalize(nerve.Tensor(x))
    assert isinstance(tensor, nerve.Tensor)
    np.testing.assert_allclose(tensor.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)

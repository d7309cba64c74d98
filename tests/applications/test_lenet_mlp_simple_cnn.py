"""The model zoo: parameter counts from the papers, forward shapes, the registry."""

import numpy as np
import pytest

from nerve import applications


@pytest.mark.parametrize("modern", [False, True])
def test_lenet5_has_61706_parameters_and_classifies(modern, rng):
    model = applications.LeNet5(modern=modern)
    assert model.count_params() == 61_706
    kinds = {type(layer).__name__ for layer in model.layers}
    assert ("MaxPooling2D" in kinds) == modern and ("AveragePooling2D" in kinds) != modern
    out = model.predict(rng.random((3, 28, 28, 1)).astype("float32"), verbose=0)
    assert out.shape == (3, 10)
    np.testing.assert_allclose(np.asarray(out).sum(axis=1), 1, rtol=1e-5)


def test_lenet5_layer_parameters():
    counts = [layer.count_params() for layer in applications.LeNet5().layers if layer.weights]
    assert counts == [156, 2_416, 48_120, 10_164, 850]


def test_mlp_and_simple_cnn_parameters_and_shapes(rng):
    mlp = applications.MLP()
    assert mlp.count_params() == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10 == 269_322
    assert applications.MLP(widths=(32,), classes=3, input_shape=(5, 4, 1)).count_params() == 20 * 32 + 32 + 99
    cnn = applications.SimpleCNN()
    assert cnn.count_params() == 34_826
    x = rng.random((2, 28, 28, 1)).astype("float32")
    assert np.asarray(mlp.predict(x, verbose=0)).shape == (2, 10)
    assert np.asarray(cnn.predict(x, verbose=0)).shape == (2, 10)


def test_other_input_shapes_and_classes(rng):
    model = applications.LeNet5(input_shape=(32, 32, 3), classes=4, modern=True)
    assert np.asarray(model.predict(rng.random((2, 32, 32, 3)).astype("float32"), verbose=0)).shape == (2, 4)


def test_registry():
    assert {"lenet5", "mlp", "simple_cnn"} <= set(applications.names())
    assert applications.get("LeNet5") is applications.LeNet5
    assert applications.get("simple-cnn") is applications.SimpleCNN
    assert "61,706" in applications.describe("lenet5")
    assert applications.recipe("lenet5")["epochs"] >= 1
    with pytest.raises(ValueError, match="unknown model 'resnet9000'"):
        applications.get("resnet9000")


def test_docstrings_give_reference_and_parameter_count():
    for builder, count in [(applications.LeNet5, "61,706"), (applications.MLP, "269,322"),
                           (applications.SimpleCNN, "34,826")]:
        assert count in builder.__doc__

"""Arguments that cannot be right end in a clear ValueError before any work, as Keras gives."""

import numpy as np
import pytest

import nerve
from nerve import layers


@pytest.fixture
def model():
    model = nerve.Sequential([nerve.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


X, Y = np.ones((10, 3), "float32"), np.ones((10, 2), "float32")


@pytest.mark.parametrize("kwargs, match", [
    ({"validation_split": 1.0}, "validation_split` must be a number in \\[0, 1\\)"),
    ({"validation_split": -0.1}, "validation_split` must be a number in \\[0, 1\\)"),
    ({"validation_split": 1.5}, "validation_split` must be a number in \\[0, 1\\)"),
    ({"batch_size": 0}, "batch_size` must be a positive integer"),
    ({"batch_size": -3}, "batch_size` must be a positive integer"),
    ({"batch_size": 2.5}, "batch_size` must be a positive integer"),
    ({"validation_freq": 0, "validation_split": 0.2}, "validation_freq` must be a positive integer"),
    ({"validation_freq": [0, 2], "validation_split": 0.2}, "validation_freq` must be a positive integer"),
])
def test_fit_refuses_arguments_that_cannot_be_right(model, kwargs, match):
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.fit(X, Y, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)                # refused before any step


def test_evaluate_and_predict_refuse_a_non_positive_batch_size(model):
    with pytest.raises(ValueError, match="batch_size` must be a positive integer"):
        model.evaluate(X, Y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="batch_size` must be a positive integer"):
        model.predict(X, batch_size=-1, verbose=0)


def test_ragged_targets_are_named_as_such(model):
    with pytest.raises(ValueError, match="different lengths \\(ragged\\)"):
        model.fit(X, [[1.0, 2.0], [3.0]] * 5, verbose=0)


def test_embedding_refuses_indices_outside_its_table():
    embed = layers.Embedding(5, 2, name="emb")
    np.testing.assert_array_equal(embed(np.array([[0, 4]])).shape, (1, 2, 2))
    for bad, shown in (([[-1, 2]], "-1"), ([[7, 2]], "7")):
        with pytest.raises(ValueError, match=f"Embedding 'emb': index {shown} is not in \\[0, 5\\)"):
            embed(np.array(bad))

import numpy as np
import pytest

import nerve
from nerve import layers


def test_feature_extraction_through_layer_output():
    inputs = layers.Input((6,))
    hidden = layers.Dense(4, name="hidden")(inputs)
    outputs = layers.Dense(2)(hidden)
    model = nerve.Model(inputs, outputs)
    extractor = nerve.Model(model.inputs, model.get_layer("hidden").output)
    x = np.random.default_rng(0).random((3, 6), dtype=np.float32)
    expected = model.get_layer("hidden")(x).numpy()
    assert np.allclose(extractor.predict(x, verbose=0), expected)
    assert model.get_layer("hidden").input is inputs


def test_output_of_an_uncalled_layer_is_a_clear_error():
    with pytest.raises(AttributeError, match="never called on a symbolic Input"):
        layers.Dense(3).output

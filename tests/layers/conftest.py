"""Checks every layer test runs: symbolic and eager shapes agree, configs and weights round-trip,
gradients of inputs and weights match central differences (float64)."""

import numpy as np
import pytest

import nerve
from nerve.testing import gradcheck


class LayerChecks:
    """Helpers shared by the layer tests (the ``check`` fixture)."""

    def __init__(self, rng):
        self.rng = rng

    def data(self, shape, dtype="float32"):
        return self.rng.standard_normal(shape).astype(dtype)

    def shapes(self, make, shape, x=None, **call_kwargs):
        """Run ``make()`` eagerly on ``shape`` and symbolically on ``Input(shape[1:])``;
        assert both agree (the symbolic batch is None) and return the eager output."""
        x = self.data(shape) if x is None else x
        out = make()(x, **call_kwargs)
        symbolic = make()(nerve.layers.Input(shape[1:], dtype=str(np.asarray(x).dtype)))
        assert symbolic.shape == (None,) + tuple(out.shape[1:]), (symbolic.shape, out.shape)
        return out

    def config_round_trip(self, layer):
        config = layer.get_config()
        again = type(layer).from_config(config)
        assert again.get_config() == config
        return again

    def weights_round_trip(self, layer, shapes):
        """get_weights in Keras's order and shapes; set_weights writes them back."""
        weights = layer.get_weights()
        assert [w.shape for w in weights] == [tuple(s) for s in shapes]
        new = [self.data(w.shape).astype(w.dtype) for w in weights]
        layer.set_weights(new)
        for got, want in zip(layer.get_weights(), new):
            np.testing.assert_array_equal(got, want)

    def gradients(self, make, shape, training=None, x=None, **kwargs):
        """gradcheck of the layer's output with respect to its input and every trainable weight."""
        nerve.config.set_floatx("float64")
        layer = make()
        x = self.data(shape, "float64") if x is None else x
        layer(x, training=training)
        weights = layer.trainable_weights
        names = [w.path.split("/")[-1] for w in weights]
        originals = [getattr(layer, name) for name in names]

        def fn(inputs, *ws):
            for name, w in zip(names, ws):
                object.__setattr__(layer, name, w)
            return layer(inputs, training=training)

        try:
            assert gradcheck(fn, x, *[w.numpy() for w in weights], **kwargs)
        finally:
            for name, w in zip(names, originals):
                object.__setattr__(layer, name, w)
        return layer


@pytest.fixture
def check(rng):
    return LayerChecks(rng)

"""The Layer contract the concrete layers build on: calls, symbolic calls, specs, losses, (de)serialization."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


def test_symbolic_call_records_nodes_and_dtypes():
    ids = L.Input((5,), dtype="int32")
    vectors = L.Embedding(10, 3)(ids)
    assert vectors.dtype == "float32" and vectors.shape == (None, 5, 3)    # Embedding outputs floats
    flat = L.Flatten()(ids)
    assert flat.dtype == "int32"                                          # other layers keep int inputs
    dense = L.Dense(2)
    out = dense(L.Flatten()(vectors))
    assert out.node.layer is dense and dense.built and dense.kernel.shape == (15, 2)


def test_symbolic_keyword_arguments_take_the_symbolic_path():
    x, mask = L.Input((4,)), L.Input((4,), dtype="bool")
    out = L.Softmax()(x, mask=mask)
    assert out.shape == (None, 4)
    assert out.node.input_tensors == [x, mask]


def test_input_spec_checked_before_build_and_on_every_call(check):
    layer = L.Conv1D(2, 3, name="c1")
    with pytest.raises(ValueError, match=r"Conv1D 'c1': expected input of rank 3 \(batch, steps, channels\), "
                                         r"received shape \(4, 5\)"):
        layer(check.data((4, 5)))
    assert not layer.built
    layer(check.data((1, 5, 2)))
    with pytest.raises(ValueError, match="received shape"):
        layer(L.Input((5, 3)))


def test_activity_regularizer_adds_one_loss_per_call(check):
    layer = L.Dense(2, activity_regularizer="l1")
    x = check.data((3, 4))
    y = layer(x)
    assert len(layer.losses) == 1
    assert float(layer.losses[0].numpy()) == pytest.approx(0.01 * np.abs(y.numpy()).sum(), rel=1e-5)
    layer(x)
    assert len(layer.losses) == 1                 # reset at every call
    assert layer.get_config()["activity_regularizer"]["class_name"] == "L1"


def test_losses_of_nested_layers_are_collected(check):
    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = L.Dense(2, kernel_regularizer="l2", activity_regularizer="l2")

        def call(self, inputs):
            return self.inner(inputs)

    block = Block()
    block(check.data((2, 3)))
    assert len(block.losses) == 2
    assert [w.path.split("/")[-1] for w in block.weights] == ["kernel", "bias"]


def test_serialize_and_deserialize_layers():
    layer = L.Conv2D(3, 2, activation="relu", name="c")
    config = L.serialize(layer)
    assert config["class_name"] == "Conv2D" and config["config"]["name"] == "c"
    again = L.deserialize(config)
    assert isinstance(again, L.Conv2D) and again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="unknown layer class 'Conv9D'"):
        L.deserialize({"class_name": "Conv9D", "config": {}})


def test_default_output_shape_probe_handles_unknown_axes():
    layer = L.Lambda(lambda t: nerve.ops.concatenate([t, t], axis=1))
    assert layer(L.Input((None, 3))).shape == (None, None, 3)
    assert layer(L.Input((4, 3))).shape == (None, 8, 3)

"""ONNX export: the exported file, run by onnxruntime, gives nerve's predictions (<= 1e-5)."""

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.applications import LeNet5, MLP
from nerve.export.onnx_layers import OnnxExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})


def _randomize(model, seed=0):
    """Non-trivial weights everywhere, batch-norm statistics included (fresh ones are 0 and 1)."""
    rng = np.random.default_rng(seed)
    model.set_weights([
        (rng.uniform(0.5, 1.5, w.shape) if w.ndim == 1 and "variance" in name else rng.normal(0, 0.3, w.shape))
        .astype(w.dtype)
        for w, name in zip(model.get_weights(), [v.path for v in model.weights])
    ])


def _check(model, x, tmp_path, atol=1e-5):
    path = tmp_path / "model.onnx"
    nerve.export.onnx(model, path)
    expected = model.predict(x, verbose=0)
    (got,) = _run_onnx(path, x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-5)
    return path


@pytest.mark.parametrize("modern", [False, True])
def test_lenet5_matches_nerve(tmp_path, modern):
    model = LeNet5(modern=modern)
    x = np.random.default_rng(1).random((4, 28, 28, 1), dtype=np.float32)
    _check(model, x, tmp_path)


def test_mlp_matches_nerve(tmp_path):
    model = MLP()
    x = np.random.default_rng(2).random((5,) + tuple(model.inputs[0].shape[1:]), dtype=np.float32)
    _check(model, x, tmp_path)


def _small_resnet():
    """A residual network with every piece a ResNet needs: strided conv, batch norm, add, global pool."""
    inputs = nerve.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for filters, stride in ((8, 1), (16, 2)):
        shortcut = x
        y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
        y = layers.BatchNormalization()(y)
        y = layers.ReLU()(y)
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
        y = layers.BatchNormalization()(y)
        if stride != 1:
            shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(shortcut)
            shortcut = layers.BatchNormalization()(shortcut)
        x = layers.Activation("relu")(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return nerve.Model(inputs, outputs, name="small_resnet")


def test_resnet_matches_nerve(tmp_path):
    model = _small_resnet()
    _randomize(model)
    x = np.random.default_rng(3).normal(size=(3, 16, 16, 3)).astype(np.float32)
    _check(model, x, tmp_path)


def test_other_layers_and_nested_model(tmp_path):
    inner = nerve.Sequential([nerve.Input((8, 8, 4)), layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
                              layers.LeakyReLU(0.1)], name="inner")
    inputs = nerve.Input((8, 8, 4))
    a = inner(inputs)
    b = layers.Conv2D(8, 2, strides=2, activation="gelu")(layers.ZeroPadding2D(1)(inputs))
    b = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="tanh")(b)
    b = layers.Reshape((10, 10, 8))(layers.AveragePooling2D(2, strides=1, padding="same")(b))
    b = layers.MaxPooling2D(3, strides=1)(b)
    x = layers.Concatenate()([a, layers.Rescaling(0.5, offset=0.1)(b)])
    x = layers.LayerNormalization()(x)
    x = layers.GlobalMaxPooling2D()(x)
    outputs = layers.Dense(3, activation="silu")(layers.Dropout(0.5)(x))
    model = nerve.Model(inputs, outputs)
    _randomize(model, seed=4)
    x = np.random.default_rng(5).normal(size=(2, 8, 8, 4)).astype(np.float32)
    _check(model, x, tmp_path, atol=2e-5)


def test_model_export_spelled_as_keras(tmp_path):
    model = LeNet5(modern=True)
    path = tmp_path / "lenet.onnx"
    model.export(str(path), format="onnx")
    x = np.random.default_rng(6).random((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(_run_onnx(path, x)[0], model.predict(x, verbose=0), atol=1e-5)


def test_unexportable_layer_is_named(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(3, name="fine"),
                              layers.RepeatVector(2, name="repeat_me")])
    with pytest.raises(OnnxExportError, match="repeat_me.*RepeatVector"):
        nerve.export.onnx(model, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_subclassed_model_is_refused_clearly(tmp_path):
    class Net(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Net()
    model(np.zeros((1, 3), np.float32))
    with pytest.raises(OnnxExportError, match="no graph of layer calls"):
        nerve.export.onnx(model, tmp_path / "x.onnx")


def test_zoo_resnet20_with_option_a_shortcuts(tmp_path):
    from nerve.applications import ResNet20
    model = ResNet20(input_shape=(32, 32, 3))
    _randomize(model, seed=7)
    x = np.random.default_rng(8).normal(size=(2, 32, 32, 3)).astype(np.float32)
    _check(model, x, tmp_path, atol=2e-5)

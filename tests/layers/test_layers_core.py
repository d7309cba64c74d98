"""Core layers: Dense, Activation, Identity, Lambda, Embedding; the Layer contract around them."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


def double(x):
    return x * 2.0


def scale_by(x, factor=1.0, training=None):
    return x * factor if training else x


# ---- Dense --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 5), (3, 5), (2, 4, 5), (2, 3, 1, 5)])
def test_dense_shapes_symbolic_and_eager(check, shape):
    out = check.shapes(lambda: L.Dense(7), shape)
    assert out.shape == shape[:-1] + (7,)
    assert out.dtype == np.float32


def test_dense_weights_keras_order_and_shapes(check):
    layer = L.Dense(3)
    layer(check.data((2, 4)))
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    check.weights_round_trip(layer, [(4, 3), (3,)])
    no_bias = L.Dense(3, use_bias=False)
    no_bias.build((None, 4))
    assert [w.shape for w in no_bias.weights] == [(4, 3)] and no_bias.bias is None
    assert layer.count_params() == 15


def test_dense_matches_numpy(check):
    x = check.data((4, 6))
    layer = L.Dense(5, activation="tanh", bias_initializer="random_normal")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, np.tanh(x @ layer.kernel.numpy() + layer.bias.numpy()), rtol=1e-5, atol=1e-6)
    x3 = check.data((2, 3, 6))                                  # applied to the last axis
    np.testing.assert_allclose(layer(x3).numpy(), np.tanh(x3 @ layer.kernel.numpy() + layer.bias.numpy()),
                               rtol=1e-5, atol=1e-6)


def test_dense_matches_torch_linear(check, torch):
    x = check.data((4, 6))
    layer = L.Dense(5, activation="tanh")
    y = layer(x)
    linear = torch.nn.Linear(6, 5)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(layer.kernel.numpy().T))
        linear.bias.copy_(torch.from_numpy(layer.bias.numpy()))
    xt = torch.from_numpy(x).requires_grad_()
    yt = torch.tanh(linear(xt))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = check.data((4, 5))
    xn = nerve.Tensor(x, requires_grad=True)
    gx, gk, gb = nerve.grad((layer(xn) * nerve.Tensor(g)).sum(), [xn, layer.kernel, layer.bias])
    (yt * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(gx.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gk.numpy(), linear.weight.grad.numpy().T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb.numpy(), linear.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_gradients(check):
    check.gradients(lambda: L.Dense(3, activation="sigmoid"), (2, 4))
    check.gradients(lambda: L.Dense(2), (2, 3, 4))


def test_dense_errors_name_the_layer_and_shapes(check):
    layer = L.Dense(3, name="head")
    layer(check.data((2, 4)))
    with pytest.raises(ValueError, match=r"Dense 'head': expected axis -1 of the input to have size 4, "
                                         r"received shape \(2, 5\)"):
        layer(check.data((2, 5)))
    with pytest.raises(ValueError, match=r"Dense '.*': expected input of rank >= 2.*received shape \(4,\)"):
        L.Dense(3)(check.data((4,)))
    with pytest.raises(ValueError, match="units"):
        L.Dense(0)
    with pytest.raises(ValueError, match="unknown activation 'rleu'"):
        L.Dense(2, activation="rleu")


def test_dense_config_round_trip():
    layer = L.Dense(4, activation="relu", use_bias=False, kernel_initializer="he_normal",
                    kernel_regularizer="l2", name="fc")
    config = layer.get_config()
    assert config["activation"] == "relu" and config["name"] == "fc" and config["units"] == 4
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    again = L.Dense.from_config(config)
    assert again.get_config() == config and again.name == "fc"


def test_frozen_dense_has_no_trainable_weights_and_gets_no_gradient(check):
    layer = L.Dense(3)
    layer(check.data((2, 4)))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    x = nerve.Tensor(check.data((2, 4)), requires_grad=True)
    layer(x).sum().backward()
    assert layer.kernel.grad is None and layer.bias.grad is None and x.grad is not None
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_dense_built_frozen_creates_frozen_weights():
    layer = L.Dense(2, trainable=False)
    layer.build((None, 3))
    assert layer.trainable_weights == []
    assert layer.get_config()["trainable"] is False


def test_layer_names_follow_keras():
    assert L.Conv2D(1, 1).name.startswith("conv2d")
    assert L.ReLU().name.startswith("re_lu")
    assert L.BatchNormalization().name.startswith("batch_normalization")


def test_inputs_are_autocast_to_the_layer_dtype(check):
    layer = L.Dense(2)
    out = layer(check.data((2, 3), "float64"))
    assert out.dtype == np.float32
    ints = np.arange(6).reshape(2, 3)
    np.testing.assert_allclose(layer(ints).numpy(), ints @ layer.kernel.numpy() + layer.bias.numpy(), rtol=1e-6)
    assert layer(ints).dtype == np.float32


# ---- Activation, Identity, Lambda -------------------------------------------------------------

def test_activation_layer(check):
    x = check.data((2, 5))
    np.testing.assert_allclose(L.Activation("relu")(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(L.Activation(None)(x).numpy(), x)
    np.testing.assert_allclose(L.Activation("softmax")(x).numpy().sum(axis=-1), np.ones(2), rtol=1e-6)
    layer = L.Activation(nerve.activations.swish)
    assert layer.get_config()["activation"] == "silu"
    check.config_round_trip(layer)
    check.shapes(lambda: L.Activation("elu"), (2, 3, 4))
    check.gradients(lambda: L.Activation("gelu"), (3, 4))


def test_identity_layer(check):
    x = check.data((2, 3))
    np.testing.assert_array_equal(L.Identity()(x).numpy(), x)
    check.shapes(L.Identity, (1, 3, 2))


def test_lambda_layer(check):
    x = check.data((2, 3))
    np.testing.assert_allclose(L.Lambda(double)(x).numpy(), 2 * x)
    out = check.shapes(lambda: L.Lambda(lambda t: nerve.ops.sum(t, axis=-1, keepdims=True)), (2, 5))
    assert out.shape == (2, 1)
    layer = L.Lambda(scale_by, arguments={"factor": 3.0}, output_shape=(3,))
    np.testing.assert_allclose(layer(x, training=True).numpy(), 3 * x, rtol=1e-6)
    np.testing.assert_allclose(layer(x).numpy(), x)
    assert layer(L.Input((3,))).shape == (None, 3)
    again = check.config_round_trip(layer)
    assert again.function is scale_by and again.arguments == {"factor": 3.0}
    anonymous = L.Lambda(lambda t: t, name="anon")
    with pytest.raises(ValueError, match="Lambda 'anon'.*lambda"):
        L.Lambda.from_config(anonymous.get_config())


# ---- Embedding --------------------------------------------------------------------------------

def test_embedding_lookup_shapes_and_dtypes(check):
    layer = L.Embedding(10, 4)
    ids = np.array([[1, 2, 3], [9, 0, 1]])
    out = layer(ids)
    assert out.shape == (2, 3, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy()[1, 2], layer.embeddings.numpy()[1])
    np.testing.assert_array_equal(layer(ids.astype("float32")).numpy(), out.numpy())   # floats are cast
    np.testing.assert_array_equal(layer(np.array([3])).numpy()[0], layer.embeddings.numpy()[3])
    check.weights_round_trip(layer, [(10, 4)])
    symbolic = L.Embedding(10, 4)(L.Input((3,), dtype="int32"))
    assert symbolic.shape == (None, 3, 4) and symbolic.dtype == "float32"


def test_embedding_default_init_and_mask():
    layer = L.Embedding(50, 8, mask_zero=True)
    layer.build(None)
    assert np.abs(layer.embeddings.numpy()).max() <= 0.05
    mask = layer.compute_mask(nerve.Tensor(np.array([[0, 3, 0]])))
    np.testing.assert_array_equal(mask.numpy(), [[False, True, False]])


def test_embedding_gradient_accumulates_repeated_indices_as_numpy():
    layer = L.Embedding(6, 3)
    ids = np.array([[1, 1, 4], [0, 1, 5]])
    g = np.random.default_rng(1).standard_normal((2, 3, 3)).astype("float32")
    np.testing.assert_array_equal(layer(ids).numpy(), layer.embeddings.numpy()[ids])
    (gw,) = nerve.grad((layer(ids) * nerve.Tensor(g)).sum(), [layer.embeddings])
    expected = np.zeros((6, 3))
    np.add.at(expected, ids, g)                   # row 1 gets three contributions, rows 2 and 3 none
    np.testing.assert_allclose(gw.numpy(), expected, rtol=1e-6)


def test_embedding_gradient_accumulates_repeated_indices(torch):
    layer = L.Embedding(6, 3)
    ids = np.array([[1, 1, 4], [0, 1, 5]])
    g = np.random.default_rng(1).standard_normal((2, 3, 3)).astype("float32")
    (gw,) = nerve.grad((layer(ids) * nerve.Tensor(g)).sum(), [layer.embeddings])
    emb = torch.nn.Embedding(6, 3)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(layer.embeddings.numpy()))
    out = emb(torch.from_numpy(ids))
    np.testing.assert_array_equal(out.detach().numpy(), layer(ids).numpy())
    (out * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(gw.numpy(), emb.weight.grad.numpy(), rtol=1e-6)


def test_embedding_weights_argument_and_config(check):
    table = check.data((5, 2))
    layer = L.Embedding(5, 2, weights=[table], input_length=7)
    np.testing.assert_array_equal(layer.embeddings.numpy(), table)
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    check.config_round_trip(layer)

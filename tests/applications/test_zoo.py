"""The CNN zoo: parameter counts against the published references, the keras.applications
signature, option-A shortcuts, and that the small CIFAR nets train."""

import numpy as np
import pytest

import nerve
from nerve import applications
from nerve.applications import alexnet, googlenet, resnet, vgg
from nerve.testing import gradcheck


def trainable_count(model):
    return sum(int(w.size) for w in model.trainable_weights)


# keras.applications' count_params() (every weight, batch-norm statistics included)
@pytest.mark.parametrize("builder, expected", [
    (vgg.VGG16, 138_357_544),
    (vgg.VGG19, 143_667_240),
    (resnet.ResNet50, 25_636_712),
    (resnet.ResNet101, 44_707_176),
])
def test_keras_reference_counts(builder, expected):
    assert builder().count_params() == expected


# torchvision's figures count trainable weights only (batch-norm statistics are buffers there);
# ResNet20/32/56: He et al. 2016 table 6 gives 0.27M, 0.46M, 0.85M
@pytest.mark.parametrize("builder, expected", [
    (alexnet.AlexNet, 61_100_840),
    (resnet.ResNet18, 11_689_512),
    (resnet.ResNet34, 21_797_672),
    (googlenet.GoogLeNet, 6_624_904),
    (resnet.ResNet20, 269_722),
    (resnet.ResNet32, 464_154),
    (resnet.ResNet56, 853_018),
])
def test_torchvision_and_paper_counts(builder, expected):
    model = builder()
    assert trainable_count(model) == expected
    assert f"{expected:,}" in builder.__doc__


def test_googlenet_auxiliary_classifiers(rng):
    with_aux = googlenet.GoogLeNet(aux_classifiers=True)
    assert trainable_count(with_aux) == 13_004_888          # torchvision's googlenet(aux_logits=True)
    small = googlenet.GoogLeNet(aux_classifiers=True, input_shape=(65, 65, 3), classes=3)
    outputs = small.predict(rng.random((2, 65, 65, 3), dtype=np.float32), verbose=0)
    assert [np.asarray(o).shape for o in outputs] == [(2, 3)] * 3
    with pytest.raises(ValueError, match="at least 65"):
        googlenet.GoogLeNet(aux_classifiers=True, input_shape=(64, 64, 3))


def test_googlenet_paper_5x5_branch_has_more_weights():
    x = nerve.layers.Input((28, 28, 192))
    weights = []
    for kernel in (3, 5):
        out = googlenet.inception_module(x, googlenet.INCEPTION_FILTERS["3a"], f"m{kernel}", large_kernel=kernel)
        weights.append(trainable_count(nerve.Model(x, out)))
    assert out.shape == (None, 28, 28, 256)
    assert weights[1] - weights[0] == (25 - 9) * 16 * 32       # only the 5x5 branch differs


def test_keras_layer_names():
    names = [layer.name for layer in vgg.VGG16(include_top=False, input_shape=(32, 32, 3)).layers[1:]]
    assert names[:3] == ["block1_conv1", "block1_conv2", "block1_pool"]
    assert names[-1] == "block5_pool" and len(names) == 18
    names = [layer.name for layer in resnet.ResNet50(input_shape=(32, 32, 3)).layers[1:]]
    assert names[:6] == ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool"]
    assert names[6:10] == ["conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu", "conv2_block1_2_conv"]
    assert {"conv2_block1_0_conv", "conv4_block6_add", "conv5_block3_out"} <= set(names)
    assert names[-2:] == ["avg_pool", "predictions"]


@pytest.mark.parametrize("builder, size", [(vgg.VGG16, 32), (resnet.ResNet18, 32), (resnet.ResNet50, 32),
                                           (googlenet.GoogLeNet, 32), (alexnet.AlexNet, 63)])
def test_small_inputs_and_headless_models(builder, size, rng):
    x = rng.random((2, size, size, 3), dtype=np.float32)
    probabilities = np.asarray(builder(input_shape=(size, size, 3), classes=4).predict(x, verbose=0))
    assert probabilities.shape == (2, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    features = builder(include_top=False, pooling="avg")
    assert features.input_shape == (None, None, None, 3)
    assert len(features.output_shape) == 2
    assert np.asarray(features.predict(x, verbose=0)).shape[0] == 2
    assert len(builder(include_top=False, input_shape=(size, size, 3)).output_shape) == 4


def test_input_tensor_and_classifier_activation(rng):
    inputs = nerve.layers.Input((32, 32, 3))
    model = resnet.ResNet20(input_tensor=inputs, classifier_activation=None)
    assert model.inputs[0] is inputs
    logits = np.asarray(model.predict(rng.random((2, 32, 32, 3), dtype=np.float32), verbose=0))
    assert not np.allclose(logits.sum(axis=1), 1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"weights": "imagenet"}, ValueError, "nerve downloads nothing"),
    ({"weights": 3}, TypeError, "path of a weight file"),
    ({"include_top": False, "pooling": "mean"}, ValueError, "'avg' or 'max'"),
    ({"input_shape": (31, 32, 3), "include_top": False}, ValueError, "at least 32"),
    ({"input_shape": (None, None, 3)}, ValueError, "input size must be known"),
    ({"input_shape": (32, 32)}, ValueError, r"\(height, width, channels\)"),
    ({"input_tensor": np.zeros((1, 32, 32, 3))}, TypeError, "symbolic tensor"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        resnet.ResNet18(**kwargs)


def test_shortcut_a_values_and_gradient(rng):
    layer = resnet.ShortcutA(6, strides=2)
    x = rng.standard_normal((2, 5, 5, 4)).astype("float32")
    y = np.asarray(layer(x))
    want = np.concatenate([x[:, ::2, ::2, :], np.zeros((2, 3, 3, 2), "float32")], axis=-1)
    np.testing.assert_array_equal(y, want)
    assert layer.compute_output_shape((None, 5, 5, 4)) == (None, 3, 3, 6)
    assert resnet.ShortcutA.from_config(layer.get_config()).get_config() == layer.get_config()
    assert gradcheck(lambda t: resnet.ShortcutA(6, strides=2)(t), x.astype("float64"))
    with pytest.raises(ValueError, match="ShortcutA .* at most 6 channels"):
        resnet.ShortcutA(6)(np.zeros((1, 4, 4, 8), "float32"))


def test_cifar_resnets_use_option_a_and_plain_nets_have_no_shortcuts():
    kinds = [type(layer).__name__ for layer in resnet.ResNet20().layers]
    assert kinds.count("Add") == 9 and kinds.count("ShortcutA") == 2 and kinds.count("Conv2D") == 19
    plain = [type(layer).__name__ for layer in resnet.CifarResNet(20, residual=False).layers]
    assert "Add" not in plain and plain.count("Conv2D") == 19
    with pytest.raises(ValueError, match="6n\\+2"):
        resnet.CifarResNet(21)


def test_a_cifar_resnet_saves_and_loads_with_its_shortcut_layer(tmp_path, rng):
    model = resnet.CifarResNet(8, input_shape=(12, 12, 3), classes=3)
    model.save(tmp_path / "r8.nerve")
    again = nerve.models.load_model(tmp_path / "r8.nerve")
    assert isinstance(again.get_layer("conv3_block1_0_shortcut"), resnet.ShortcutA)
    x = rng.random((2, 12, 12, 3), dtype=np.float32)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_small_cifar_resnet_learns(rng):
    """Gradients flow through the blocks and shortcuts: 8 images are memorised in a few steps."""
    model = resnet.CifarResNet(8, input_shape=(12, 12, 3), classes=4)
    x = rng.standard_normal((8, 12, 12, 3)).astype("float32")
    y = np.arange(8) % 4
    model.compile(optimizer=nerve.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    losses = model.fit(x, y, epochs=15, batch_size=8, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]


def test_cifar_vgg_layers_and_count():
    """Conv 3x3x3x32, 3x3x32x32, 3x3x32x64, 3x3x64x64 (+ biases), then 8·8·64 -> 256 -> 10."""
    model = vgg.CifarVGG()
    expected = (27 * 32 + 32) + (288 * 32 + 32) + (288 * 64 + 64) + (576 * 64 + 64) + (4096 * 256 + 256) + (256 * 10 + 10)
    assert model.count_params() == expected == 1_116_970
    assert f"{expected:,}" in vgg.CifarVGG.__doc__
    assert model.output_shape == (None, 10)


def test_registry_lists_the_zoo():
    for name in ("cifar_vgg", "alexnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34", "resnet50", "resnet101",
                 "resnet20", "resnet32", "resnet56"):
        assert name in applications.names()
    assert applications.get("resnet20") is resnet.ResNet20
    assert "option A" in applications.describe("resnet20")


def test_cli_lists_the_zoo_and_prints_its_macs(capsys):
    from nerve.cli import main
    assert main(["models"]) in (0, None)
    listing = capsys.readouterr().out
    assert "resnet20" in listing and "optimizer sgd" in listing and "138,357,544" in listing
    assert main(["summary", "resnet20", "--flops"]) in (0, None)
    table = capsys.readouterr().out
    assert "conv4_block3_out" in table and "Trainable params: 269,722" in table
    # first conv 32*32*16*27 (no bias); 18 more 3x3 convs; the dense layer 10*(64+1)
    convs = 32 * 32 * 16 * 27 + 6 * 32 * 32 * 16 * 144 + 16 * 16 * 32 * (144 + 5 * 288) + 8 * 8 * 64 * (288 + 5 * 576)
    assert f"Total MACs: {convs + 650:,} per example" in table


def test_nerve_train_pictures_work_for_a_resnet(tmp_path, rng):
    """The run folder's pictures: feature maps are drawn for layer chains only (a ResNet merges)."""
    from nerve.applications import classifier_run
    model = resnet.CifarResNet(8, input_shape=(12, 12, 3), classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = rng.random((6, 12, 12, 3), dtype=np.float32), np.arange(6) % 3
    history = model.fit(x, y, epochs=1, verbose=0)
    written = classifier_run._pictures(model, history, None, x, y, np.asarray(model.predict(x, verbose=0)),
                                       ["a", "b", "c"], str(tmp_path))
    names = sorted(p.rsplit("/", 1)[-1] for p in written)
    assert names == ["confusion_matrix.png", "filters.png", "history.png", "misclassified.png"]
    assert classifier_run._is_chain(applications.LeNet5()) and not classifier_run._is_chain(model)


def test_nerve_train_refuses_images_too_small_for_the_model(monkeypatch, capsys, tmp_path):
    from nerve import cli
    from nerve.applications import classifier_run
    tiny = np.zeros((4, 28, 28, 1), "float32"), np.arange(4) % 2
    monkeypatch.setattr(classifier_run, "load_dataset", lambda name, limit=None: (tiny, tiny, ["0", "1"]))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "vgg16", "--dataset", "mnist", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "vgg16 cannot take mnist's images: VGG16: input height and width must be at least 32" in \
        capsys.readouterr().err

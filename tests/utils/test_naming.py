"""nerve.utils.naming: the one rule for default names of layers, metrics and losses."""

import nerve
from nerve.utils import naming


def test_snake_case_follows_keras():
    cases = {"Conv2D": "conv2d", "ReLU": "re_lu", "KLDivergence": "kl_divergence", "MeanIoU": "mean_io_u",
             "GlorotUniform": "glorot_uniform", "BatchNormalization": "batch_normalization", "AUC": "auc"}
    assert {name: naming.to_snake_case(name) for name in cases} == cases


def test_unique_names_count_per_namespace():
    assert naming.unique_name("naming_probe", "a") == "naming_probe"
    assert naming.unique_name("naming_probe", "a") == "naming_probe_1"
    assert naming.unique_name("naming_probe", "b") == "naming_probe"


def test_layers_metrics_and_losses_take_their_default_names_from_it():
    layer = nerve.layers.ActivityRegularization()
    assert layer.name.split("_")[:2] == ["activity", "regularization"]
    assert nerve.metrics.MeanSquaredError().name.startswith("mean_squared_error")
    assert nerve.losses.CategoricalCrossentropy().name == "categorical_crossentropy"

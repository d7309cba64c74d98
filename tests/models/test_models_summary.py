"""model.summary(): Keras 3's table, parameter totals that match count_params, sizes in KB/MB."""

import re

import pytest

import nerve
from nerve import layers
from nerve.models.summary import readable_memory_size


def _text(model, **kwargs):
    captured = []
    model.summary(print_fn=captured.append, **kwargs)
    assert len(captured) == 1                    # Keras 3 hands the whole text over at once
    return captured[0]


def _total(text, which):
    return int(re.search(rf" {which} params: ([\d,]+) ", text).group(1).replace(",", ""))


def test_sequential_table_and_totals():
    model = nerve.Sequential([nerve.Input((784,)), layers.Dense(64, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(10)], name="mlp")
    text = _text(model)
    lines = text.splitlines()
    assert lines[0] == 'Model: "mlp"'
    assert lines[1].startswith("┏") and lines[1].endswith("┓") and len(lines[1]) == 88
    assert "Layer (type)" in lines[2] and "Output Shape" in lines[2] and "Param #" in lines[2]
    dense = model.layers[0]
    assert re.search(rf"│ {dense.name} \(Dense\) +│ \(None, 64\) +│ +50,240 │", text)
    assert _total(text, "Total") == model.count_params() == 50_240 + 256 + 650
    assert _total(text, "Trainable") == 50_240 + 128 + 650
    assert _total(text, "Non-trainable") == 128
    assert f"Total params: 51,146 ({readable_memory_size(51_146 * 4)})" in text
    assert "InputLayer" not in text and "Connected to" not in text


def test_readable_memory_size():
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(644) == "644.00 B"
    assert readable_memory_size(2048) == "2.00 KB"
    assert readable_memory_size(3 * 1024 ** 2) == "3.00 MB"


def test_functional_with_merge_has_connected_to_column():
    a, b = nerve.Input((4,), name="left"), nerve.Input((4,), name="right")
    out = layers.Dense(2, name="head")(layers.Concatenate(name="cat")([a, b]))
    text = _text(nerve.Model([a, b], out))
    assert "Connected to" in text and len(text.splitlines()[1]) == 108
    assert "left (InputLayer)" in text and "cat[0][0]" in text
    assert re.search(r"left\[0\]\[0\],\s*│?\s*│?.*right\[0\]\[0\]", text, re.S)


def test_unbuilt_layers_and_optimizer_params():
    model = nerve.Sequential([layers.Dense(3)])
    assert "0 (unbuilt)" in _text(model) and _total(_text(model), "Total") == 0
    model = nerve.Sequential([nerve.Input((2,)), layers.Dense(3)])
    model.compile("adam", "mse")
    model.train_on_batch(nerve.ops.ones((1, 2)).numpy(), nerve.ops.ones((1, 3)).numpy())
    text = _text(model)
    optimizer_params = sum(v.size for v in model.optimizer.variables)
    assert f"Optimizer params: {optimizer_params:,}" in text
    assert _total(text, "Total") == model.count_params() + optimizer_params


def test_show_trainable_expand_nested_and_layer_range():
    inner = nerve.Sequential([layers.Dense(4), layers.Dense(4)], name="inner")
    inputs = nerve.Input((3,))
    model = nerve.Model(inputs, layers.Dense(1, name="last")(inner(inputs)))
    inner.layers[0].trainable = False
    text = _text(model, show_trainable=True, expand_nested=True)
    assert "Trainable" in text and "│ N" in text
    assert f"  {inner.layers[0].name} (Dense)" in text
    header_rows = [line for line in text.splitlines() if line.startswith("┃")]
    assert len(header_rows) == 1 and "Trainable" in header_rows[0]     # one header line, not "Trainabl / e"
    sequential = _text(nerve.Sequential([nerve.Input((4,)), layers.Dense(3)]), show_trainable=True)
    assert len([line for line in sequential.splitlines() if line.startswith("┃")]) == 1
    ranged = _text(model, layer_range=["inner", "last"])
    assert "InputLayer" not in ranged and "last (Dense)" in ranged
    with pytest.raises(ValueError, match="layer_range"):
        _text(model, layer_range=["nope", "last"])


def test_print_fn_default_prints(capsys):
    nerve.Sequential([nerve.Input((2,)), layers.Dense(1)]).summary()
    assert "Total params: 3 (12.00 B)" in capsys.readouterr().out

"""Multiply-accumulate counts (nerve.utils.flops) and summary(show_flops=True)."""

import pytest

import nerve
from nerve import layers
from nerve.utils.flops import count_macs, layer_macs


def notes_model():
    """The notes' two layers: 3x3x3 -> 64 stride 2 on 256x256x3, then 5x5x64 -> 128 stride 2."""
    x = layers.Input((256, 256, 3))
    h = layers.Conv2D(64, 3, strides=2, padding="same", name="first")(x)
    y = layers.Conv2D(128, 5, strides=2, padding="same", name="second")(h)
    return nerve.Model(x, y)


def test_the_notes_figures():
    counts = {layer.name: macs for layer, macs in layer_macs(notes_model())}
    assert counts["first"] == 128 * 128 * (27 + 1) * 64 == 29_360_128
    assert counts["second"] == 64 * 64 * (5 * 5 * 64 + 1) * 128 == 839_385_088
    assert count_macs(notes_model()) == 29_360_128 + 839_385_088
    assert count_macs(notes_model(), include_bias=False) == 128 * 128 * 27 * 64 + 64 * 64 * 1600 * 128


def test_other_weight_layers():
    x = layers.Input((8, 8, 4))
    model = nerve.Sequential([
        layers.Input((8, 8, 4)),
        layers.DepthwiseConv2D(3, padding="same", name="dw"),                   # 8*8*4*(9+1)
        layers.SeparableConv2D(6, 3, name="sep"),                               # 6*6*4*9 + 6*6*6*(4+1)
        layers.Conv2DTranspose(2, 2, strides=2, use_bias=False, name="up"),     # 6*6*6*4*2
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flat"),
        layers.Dense(5, name="fc"),                                             # 5*(72+1)
    ])
    counts = {layer.name: macs for layer, macs in layer_macs(model)}
    assert counts == {"dw": 8 * 8 * 4 * 10, "sep": 6 * 6 * 4 * 9 + 6 * 6 * 6 * 5, "up": 6 * 6 * 6 * 4 * 2,
                      "pool": 0, "flat": 0, "fc": 5 * 73}
    assert count_macs(nerve.Model(x, layers.GlobalAveragePooling2D()(x))) == 0
    steps = layers.Input((7, 4))                                                # Dense at each of 7 positions
    assert count_macs(nerve.Model(steps, layers.Dense(3)(steps))) == 7 * 3 * (4 + 1)


def test_nested_models_and_shared_layers_are_counted_once_per_call():
    inner = notes_model()
    x = layers.Input((256, 256, 3))
    outer = nerve.Model(x, layers.GlobalAveragePooling2D()(inner(x)))
    assert count_macs(outer) == count_macs(inner)
    dense = layers.Dense(4, name="shared")
    a, b = layers.Input((3,)), layers.Input((3,))
    twice = nerve.Model([a, b], layers.Add()([dense(a), dense(b)]))
    assert count_macs(twice) == 2 * 4 * (3 + 1)


def test_unknown_sizes_are_refused():
    x = layers.Input((None, None, 3))
    with pytest.raises(ValueError, match="unknown spatial size"):
        count_macs(nerve.Model(x, layers.Conv2D(4, 3)(x)))


def test_summary_prints_the_macs_column_and_total():
    lines = []
    notes_model().summary(show_flops=True, print_fn=lines.append)
    text = lines[0]
    assert "MACs" in text and "29,360,128" in text and "839,385,088" in text
    assert "Total MACs: 868,745,216 per example" in text
    lines.clear()
    notes_model().summary(print_fn=lines.append)
    assert "MACs" not in lines[0]

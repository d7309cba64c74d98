"""plot_model / model_to_dot: Graphviz DOT of a model's layer graph; a .dot file when `dot` is absent."""

import re
import shutil

import nerve
from nerve import layers
from nerve.utils import model_to_dot, plot_model


def _branchy():
    a, b = nerve.Input((4,), name="a"), nerve.Input((2,), name="b")
    merged = layers.Concatenate(name="cat")([layers.Dense(3, name="da")(a), b])
    return nerve.Model([a, b], layers.Dense(1, name="out")(merged))


def test_dot_has_a_node_per_layer_and_an_edge_per_connection():
    dot = model_to_dot(_branchy(), show_shapes=True)
    assert dot.startswith('digraph "functional') and dot.rstrip().endswith("}")
    labels = re.findall(r'label="([^"]*)"', dot)
    assert len(labels) == 5 and "a (InputLayer)" in labels[0]
    assert "Output shape: (None, 5)" in dot
    edges = re.findall(r"(layer_\d+) -> (layer_\d+)", dot)
    assert len(edges) == 4


def test_plot_model_writes_dot_without_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    target = tmp_path / "model.png"
    written = plot_model(nerve.Sequential([nerve.Input((3,)), layers.Dense(2)]), to_file=str(target),
                         show_shapes=True, show_layer_names=True)
    assert written == str(tmp_path / "model.dot") and not target.exists()
    assert "dense" in (tmp_path / "model.dot").read_text()
    assert "Graphviz" in capsys.readouterr().out


def test_plot_model_to_a_dot_file(tmp_path):
    path = tmp_path / "graph.dot"
    assert plot_model(_branchy(), to_file=str(path), rankdir="LR") == str(path)
    assert "rankdir=LR" in path.read_text()

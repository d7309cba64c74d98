"""``plot_model``: a model's graph as Graphviz DOT, rendered to an image when ``dot`` is installed.

Each layer is a box (its name and/or class, optionally its shapes, dtype, activation and
whether it trains); each edge is a tensor passed from one layer to the next. Without the
Graphviz ``dot`` executable the DOT text is written beside the requested image (``model.dot``
for ``model.png``) and a message says so: nerve does not depend on pydot or Graphviz.
"""

import os
import shutil
import subprocess

from .file_utils import atomic_write


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape_text(tensors):
    shapes = [str(tuple(t.shape)).replace(",)", ")") for t in tensors]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _label(layer, node, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    title = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
    lines = [title]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        activation = layer.activation
        lines.append(f"Activation: {getattr(activation, '__name__', activation)}")
    if show_shapes and node is not None:
        if node.input_tensors:
            lines.append(f"Input shape: {_shape_text(node.input_tensors)}")
        lines.append(f"Output shape: {_shape_text(node.output_tensors)}")
    if show_dtype:
        lines.append(f"dtype: {layer.dtype}")
    if show_trainable:
        lines.append(f"Trainable: {'Y' if layer.trainable else 'N'}")
    return "\n".join(lines)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """The DOT source (a string) of ``model``'s graph of layers."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', received {rankdir!r}")
    lines = [f"digraph {_quote(model.name)} {{",
             f"  graph [rankdir={rankdir}, dpi={int(dpi)}];",
             '  node [shape=record, fontname="Helvetica"];']
    nodes = list(getattr(model, "_nodes", []) or [])
    relevant = {id(n) for n in nodes}
    layers = list(getattr(model, "_layers", model.layers))       # a Sequential's InputLayer too
    ids = {id(layer): f"layer_{i}" for i, layer in enumerate(layers)}
    for layer in layers:
        node = next((n for n in layer.inbound_nodes if id(n) in relevant), None)
        label = _label(layer, node, show_shapes, show_dtype, show_layer_names, show_layer_activations,
                       show_trainable)
        lines.append(f"  {ids[id(layer)]} [label={_quote(label)}];")
    edges = []
    for node in nodes:
        for t in node.input_tensors:
            source = getattr(t.node, "layer", None)
            if source is not None and id(source) in ids and id(node.layer) in ids:
                edges.append((ids[id(source)], ids[id(node.layer)]))
    if not nodes:                        # a subclassed model: its layers in order
        edges = [(ids[id(a)], ids[id(b)]) for a, b in zip(layers, layers[1:])]
    for source, target in dict.fromkeys(edges):
        lines.append(f"  {source} -> {target};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               **kwargs):
    """Draw ``model``'s graph to ``to_file`` (.png, .svg, .pdf ... through Graphviz, or .dot).

    Args:
        model: a built model.
        to_file: the output file; its extension picks the format.
        show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable: what
            each box shows.
        rankdir: "TB" (top to bottom) or "LR" (left to right).
        dpi: the image resolution.

    Returns:
        the path of the file written (``to_file``, or the ``.dot`` beside it without Graphviz).
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
                       dpi=dpi, show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    root, extension = os.path.splitext(to_file)
    extension = extension.lstrip(".").lower() or "png"
    if extension in ("dot", "gv"):
        with atomic_write(to_file, "w") as f:
            f.write(dot)
        return to_file
    dot_file = root + ".dot"
    with atomic_write(dot_file, "w") as f:
        f.write(dot)
    executable = shutil.which("dot")
    if executable is None:
        print(f"plot_model: Graphviz's `dot` was not found, so {to_file} was not rendered; the graph "
              f"was written to {dot_file} (render it with `dot -T{extension} {dot_file} -o {to_file}`).")
        return dot_file
    result = subprocess.run([executable, f"-T{extension}", dot_file, "-o", to_file], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"plot_model: Graphviz failed to render {to_file}: {result.stderr.strip()}")
    os.remove(dot_file)
    return to_file

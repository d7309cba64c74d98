"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 64)             │        50,240 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 50,240 (196.25 KB)
     Trainable params: 50,240 (196.25 KB)
     Non-trainable params: 0 (0.00 B)

A model whose graph is not a simple chain (several inputs, merges, shared layers) gets a
fourth column, "Connected to", naming each call's inputs as ``layer[node][tensor]``.
``show_flops=True`` adds a "MACs" column: each layer's multiply-accumulates for one example,
bias counted as one per output (``nerve.utils.flops`` states the convention), and their total.
"""

import textwrap


def readable_memory_size(size):
    """Bytes as Keras prints them: "196.25 KB"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count_and_size(weights):
    return int(sum(w.size for w in weights)), int(sum(w.size * w.dtype.itemsize for w in weights))


def _format_shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _output_shape(layer, relevant):
    nodes = [n for n in layer.inbound_nodes if relevant is None or id(n) in relevant] or layer.inbound_nodes
    if not nodes:
        return "?"
    shapes = [_format_shape(t.shape) for t in nodes[-1].output_tensors]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _param_count(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _connections(layer, relevant):
    parts = []
    for node in layer.inbound_nodes:
        if relevant is not None and id(node) not in relevant:
            continue
        for t in node.input_tensors:
            producer = t.node
            index = next(i for i, n in enumerate(producer.layer.inbound_nodes) if n is producer)
            tensor_index = next(i for i, o in enumerate(producer.output_tensors) if o is t)
            parts.append(f"{producer.layer.name}[{index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _is_sequential_like(model):
    from .functional import Functional
    if not isinstance(model, Functional):
        return True
    for nodes in model._nodes_by_depth.values():
        if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
            return False
    for layer in model.layers:
        if sum(1 for n in layer.inbound_nodes if id(n) in model._node_ids) > 1:
            return False
    return True


def _render(rows, header, widths, aligns):
    """The table with rich's HEAVY_HEAD box, one ruled line between rows, cells wrapped to fit."""
    def line(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values):
        wrapped = [textwrap.wrap(str(v), w, break_long_words=True, break_on_hyphens=False) or [""]
                   for v, w in zip(values, widths)]
        height = max(len(c) for c in wrapped)
        out = []
        for i in range(height):
            parts = []
            for chunk, w, align in zip(wrapped, widths, aligns):
                text = chunk[i] if i < len(chunk) else ""
                parts.append(text.rjust(w) if align == "right" else text.ljust(w))
            out.append("│ " + " │ ".join(parts) + " │")
        return out

    lines = [line("┏", "━", "┳", "┓")]
    lines += [row.replace("│", "┃") for row in cells(header)]
    lines.append(line("┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        if i:
            lines.append(line("├", "─", "┼", "┤"))
        lines += cells(row)
    lines.append(line("└", "─", "┴", "┘"))
    return lines


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None, show_flops=False):
    """Print (or hand to ``print_fn`` as one string) the summary table of ``model``.

    Args:
        line_length: total width (88, or 108 with the "Connected to" column).
        positions: relative or absolute right edges of the columns.
        print_fn: called once with the whole text (default: print).
        expand_nested: list the layers of nested models too, indented.
        show_trainable: add a "Trainable" column (Y/N).
        layer_range: ``[first_name, last_name]``: only the layers between these two.
        show_flops: add a "MACs" column (multiply-accumulates per example, bias counted) and the total.
    """
    sequential_like = _is_sequential_like(model)
    relevant = getattr(model, "_node_ids", None)
    if sequential_like:
        default_length, default_positions = 88, [0.45, 0.84, 1.0]
        header, aligns = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_length, default_positions = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        aligns = ["left", "left", "right", "left"]
    if show_trainable:         # the other columns keep their widths; "Trainable" fits on one line
        extra = len("Trainable") + 5
        default_positions = [p * default_length / (default_length + extra) for p in default_positions] + [1.0]
        default_length += extra
        header.append("Trainable")
        aligns.append("left")
    if show_flops:
        from ..utils.flops import count_macs, layer_macs
        macs = {id(layer): count for layer, count in layer_macs(model)}
        default_length += 16
        default_positions = [p * 0.86 for p in default_positions] + [1.0]
        header.append("MACs")
        aligns.append("right")
    line_length = line_length or default_length
    positions = positions or default_positions
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths, previous = [], 0
    for i, edge in enumerate(positions):
        widths.append(max(4, edge - previous - 3 - (1 if i == len(positions) - 1 else 0)))
        previous = edge

    from .functional import Functional
    top_layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in top_layers]
        if len(layer_range) != 2 or layer_range[0] not in names or layer_range[1] not in names:
            raise ValueError(f"summary: layer_range must name two layers among {names}, received {layer_range}")
        top_layers = top_layers[names.index(layer_range[0]):names.index(layer_range[1]) + 1]
    rows = []

    def add_rows(layers, depth, model_relevant):
        for layer in layers:
            name = ("  " * depth) + f"{layer.name} ({type(layer).__name__})"
            row = [name, _output_shape(layer, model_relevant), _param_count(layer)]
            if not sequential_like:
                row.append(_connections(layer, model_relevant) if depth == 0 else "")
            if show_trainable:
                row.append("Y" if layer.trainable else "N")
            if show_flops:
                row.append(f"{count_macs(layer) if layer.layers else macs.get(id(layer), 0):,}" if depth == 0 else "")
            rows.append(row)
            if expand_nested and layer.layers:
                add_rows(layer.layers, depth + 1, getattr(layer, "_node_ids", None))

    add_rows(top_layers, 0, relevant if isinstance(model, Functional) else None)
    trainable, trainable_size = _count_and_size(model.trainable_weights)
    frozen, frozen_size = _count_and_size(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    optimizer_vars = list(getattr(optimizer, "variables", [])) if optimizer is not None and getattr(
        optimizer, "built", False) else []
    opt_count, opt_size = _count_and_size(optimizer_vars)
    lines = [f'Model: "{model.name}"']
    lines += _render(rows, header, widths, aligns)
    total, total_size = trainable + frozen + opt_count, trainable_size + frozen_size + opt_size
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_size)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_memory_size(trainable_size)})")
    lines.append(f" Non-trainable params: {frozen:,} ({readable_memory_size(frozen_size)})")
    if optimizer_vars:
        lines.append(f" Optimizer params: {opt_count:,} ({readable_memory_size(opt_size)})")
    if show_flops:
        lines.append(f" Total MACs: {sum(macs.values()):,} per example (multiply-accumulates, bias counted; "
                     "FLOPs ~ 2x)")
    text = "\n".join(lines)
    (print_fn or print)(text)

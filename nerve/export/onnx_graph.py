"""Walk a model's graph of layer calls and write it as an ONNX graph.

A Sequential or functional model records, for each layer call, a Node: the layer, the symbolic
tensors it read and the ones it produced. The exporter replays those nodes in order; each layer
becomes a few ONNX operators (:mod:`.onnx_layers`), each symbolic tensor an ONNX value named after
it, each weight an initializer. A model nested in another is inlined. The result is inference only:
Dropout is the identity and BatchNormalization uses its moving statistics, as in ``predict``.
"""

import numpy

from ..utils.file_utils import atomic_write
from .onnx_layers import CONVERTERS, OnnxExportError

OPSET = 17
IR_VERSION = 8          # the IR version that goes with opset 17: any onnxruntime since 1.14 reads it


def onnx(model, path, opset=OPSET):
    """Write ``model`` to ``path`` as an ONNX model (inference graph), atomically.

    The graph's inputs are named after the model's inputs and have a free batch dimension; its
    outputs are ``output_0``, ``output_1``, ... in the order of ``model.outputs``. Weights are
    stored as initializers in their dtype (float32 by default).

    Args:
        model: a built Sequential or functional model (subclassed models have no graph of layer
            calls to export: wrap their layers in a functional model).
        path: the ``.onnx`` file to write.
        opset: the ONNX opset (17 by default; 17 is the lowest that has LayerNormalization).

    Returns:
        the path written.

    Raises:
        OnnxExportError: a layer has no ONNX form here; the message names the layer and its class.
        ImportError: the ``onnx`` package is missing (``pip install nerve[export]``).
    """
    onnx_pkg = _require_onnx()
    builder = GraphBuilder(onnx_pkg)
    nodes = _graph_nodes(model)
    for i, kt in enumerate(model.inputs):
        name = _input_name(model, i, kt)
        builder.add_input(name, kt)
        builder.bind(kt, name)
    _emit(builder, model, nodes)
    outputs = [builder.value_of(kt) for kt in model.outputs]
    graph_outputs = []
    for i, (kt, value) in enumerate(zip(model.outputs, outputs)):
        name = f"output_{i}"
        builder.node("Identity", [value], [name])
        graph_outputs.append(builder.value_info(name, kt))
    helper = onnx_pkg.helper
    graph = helper.make_graph(builder.nodes, model.name, builder.inputs, graph_outputs, builder.initializers)
    proto = helper.make_model(graph, producer_name="nerve", opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = IR_VERSION
    onnx_pkg.checker.check_model(proto)
    data = proto.SerializeToString()
    with atomic_write(path) as f:
        f.write(data)
    return path


class GraphBuilder:
    """The ONNX graph under construction: nodes, initializers, and the value name of each tensor."""

    def __init__(self, onnx_pkg):
        self.onnx = onnx_pkg
        self.nodes, self.initializers, self.inputs = [], [], []
        self._values = {}          # id(KerasTensor) -> ONNX value name
        self._count = 0

    def fresh(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def bind(self, kt, name):
        self._values[id(kt)] = name

    def value_of(self, kt):
        try:
            return self._values[id(kt)]
        except KeyError:
            raise OnnxExportError(f"the tensor {kt!r} was used before any layer produced it") from None

    def node(self, op_type, inputs, outputs=None, **attributes):
        """Append one ONNX node; returns its output name (or names, when several were asked for)."""
        if outputs is None:
            outputs = [self.fresh(op_type.lower())]
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), list(outputs), **attributes))
        return outputs[0] if len(outputs) == 1 else outputs

    def constant(self, array, hint="const"):
        """An initializer holding ``array`` (its dtype kept); returns its value name."""
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(numpy.ascontiguousarray(array), name))
        return name

    def value_info(self, name, kt):
        elem = self.onnx.helper.np_dtype_to_tensor_dtype(numpy.dtype(kt.dtype))
        shape = ["batch" if i == 0 else n for i, n in enumerate(kt.shape)]
        return self.onnx.helper.make_tensor_value_info(name, elem, shape)

    def add_input(self, name, kt):
        self.inputs.append(self.value_info(name, kt))


def _emit(builder, model, nodes):
    """Convert each node's layer, binding its output tensors to the ONNX values it produced."""
    for node in nodes:
        layer = node.layer
        if type(layer).__name__ == "InputLayer":
            continue
        inputs = [builder.value_of(kt) for kt in node.input_tensors]
        if hasattr(layer, "_nodes") and hasattr(layer, "inputs"):          # a nested model: inline it
            for inner_kt, value in zip(layer.inputs, inputs):
                builder.bind(inner_kt, value)
            _emit(builder, layer, _graph_nodes(layer))
            results = [builder.value_of(kt) for kt in layer.outputs]
        else:
            converter = CONVERTERS.get(type(layer).__name__)
            if converter is None:
                raise OnnxExportError(
                    f"export.onnx: layer '{layer.name}' ({type(layer).__name__}) of model '{model.name}' has "
                    f"no ONNX export; exportable layers: {sorted(CONVERTERS)}"
                )
            results = converter(builder, layer, inputs, node)
            if isinstance(results, str):
                results = [results]
        if len(results) != len(node.output_tensors):
            raise OnnxExportError(f"export.onnx: layer '{layer.name}' produced {len(results)} values for "
                                  f"{len(node.output_tensors)} outputs")
        for kt, value in zip(node.output_tensors, results):
            builder.bind(kt, value)


def _graph_nodes(model):
    nodes = getattr(model, "_nodes", None)
    try:
        has_graph = bool(nodes) and bool(model.inputs)
    except (AttributeError, ValueError):
        has_graph = False
    if not has_graph:
        raise OnnxExportError(
            f"export.onnx: model '{model.name}' ({type(model).__name__}) has no graph of layer calls to export: "
            "give a Sequential model an Input (or build it), or export a functional model; a subclassed "
            "model's call() is Python code, not a graph"
        )
    return nodes


def _input_name(model, index, kt):
    names = getattr(model, "input_names", None) or []
    name = names[index] if index < len(names) else (kt.name or f"input_{index}")
    return str(name)


def _require_onnx():
    try:
        import onnx as onnx_pkg
        import onnx.checker  # noqa: F401
        import onnx.numpy_helper  # noqa: F401
    except ImportError as error:
        raise ImportError("export.onnx needs the onnx package: pip install 'nerve[export]' "
                          "(or pip install onnx)") from error
    return onnx_pkg

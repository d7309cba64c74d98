"""Functional models: a graph of layer calls recorded on ``Input`` tensors, replayed on data.

Calling a layer on a KerasTensor records a Node (layer, arguments, outputs). A Functional model
walks those nodes back from its outputs to its inputs once, at construction, and orders them by
depth (a node's depth is one more than the deepest node that uses its outputs, so the inputs
come first). ``call`` then runs the nodes in that order on real tensors, keeping each node's
outputs in a dict keyed by the KerasTensor they stand for, and dropping each one after the last
node that reads it (so inference holds only the live activations, as eager PyTorch does; in
training the graph keeps what backward needs). A layer called twice (shared) has two nodes and
one set of weights.
"""

from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from ..trainers.trainer import Trainer
from ..utils.tree import flatten, flatten_shapes, map_structure
from .model import Model


class Functional(Model):
    """A Model defined by its input and output KerasTensors (``nerve.Model(inputs, outputs)``).

    Args:
        inputs: KerasTensor(s) from ``nerve.Input``: one, a list or a dict.
        outputs: KerasTensor(s) computed from ``inputs``: one, a list or a dict.
        name: the model's name ("functional" by default).
        trainable: whether its weights are trained.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        Trainer.__init__(self)
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        for what, structure in (("inputs", inputs), ("outputs", outputs)):
            for t in flatten(structure):
                if not isinstance(t, KerasTensor):
                    raise ValueError(
                        f"Functional model '{self.name}': all {what} must be KerasTensors (from "
                        f"nerve.Input or a layer called on one), received {t!r} of type {type(t).__name__}"
                    )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._inputs = flatten(inputs)
        self._outputs = flatten(outputs)
        self._build_graph()
        self.built = True

    # ---- the graph --------------------------------------------------------------------
    def _build_graph(self):
        """Walk back from the outputs to the inputs; order nodes and layers by depth (inputs first)."""
        input_ids = {id(t) for t in self._inputs}
        order, first_seen, users = [], {}, {}
        for t in self._outputs:
            if t.node is None and id(t) not in input_ids:
                raise ValueError(f"Functional model '{self.name}': output {t!r} was not produced by a layer")
        stack = [(t.node, False) for t in reversed(self._outputs) if id(t) not in input_ids]
        while stack:                       # DFS: pre-order index for ties, post-order for dependencies
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in first_seen:
                continue
            first_seen[id(node)] = len(first_seen)
            stack.append((node, True))
            for t in reversed(node.input_tensors):
                if t.node is not None:
                    users.setdefault(id(t.node), []).append(node)
                if id(t) in input_ids:
                    if t.node is not None:
                        first_seen.setdefault(id(t.node), len(first_seen))
                    continue
                if t.node is None or isinstance(t.node.layer, InputLayer):
                    raise ValueError(
                        f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                        f"'{node.layer.name}' of model '{self.name}': it comes from an input that is "
                        f"not among the model's inputs {[x.name for x in self._inputs]}"
                    )
                stack.append((t.node, False))
        input_nodes = []
        for t in self._inputs:
            if t.node is not None and all(n is not t.node for n in input_nodes):
                input_nodes.append(t.node)
        input_node_ids = {id(n) for n in input_nodes}
        nodes = input_nodes + [n for n in order if id(n) not in input_node_ids]
        depth = {}
        for node in reversed(nodes):       # users before producers
            depth[id(node)] = max((depth[id(u)] + 1 for u in users.get(id(node), ())), default=0)
        for node in input_nodes:
            first_seen.setdefault(id(node), len(first_seen))
        nodes.sort(key=lambda n: (-depth[id(n)], first_seen[id(n)]))
        self._nodes = nodes
        self._node_ids = {id(n) for n in nodes}
        self._nodes_by_depth = {}
        for node in nodes:
            self._nodes_by_depth.setdefault(depth[id(node)], []).append(node)
        layer_depth, layer_first = {}, {}
        for i, node in enumerate(nodes):
            key = id(node.layer)
            layer_depth[key] = max(layer_depth.get(key, 0), depth[id(node)])
            layer_first.setdefault(key, (i, node.layer))
        operations = [layer for _, layer in layer_first.values()]
        operations.sort(key=lambda layer: (-layer_depth[id(layer)], layer_first[id(layer)][0]))
        object.__setattr__(self, "_layers", operations)
        plan = [node for node in nodes if id(node) not in input_node_ids]
        self._plan = [(node, _simple_arg(node), dead) for node, dead in zip(plan, _last_reads(plan, self._outputs))]
        self._input_layers = [t.node.layer if t.node is not None else None for t in self._inputs]

    # ---- running ------------------------------------------------------------------------
    def call(self, inputs, training=None):
        values = self._assign_inputs(inputs)

        def value_of(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v
        for node, simple, dead in self._plan:
            kwargs = node.kwargs if "training" in node.kwargs else {**node.kwargs, "training": training}
            if simple is not None:
                out = node.layer(values[id(simple)], **kwargs)
            else:
                out = node.layer(*map_structure(value_of, node.args), **map_structure(value_of, kwargs))
            if isinstance(node.outputs, KerasTensor):
                values[id(node.outputs)] = out
            else:
                for kt, value in zip(node.output_tensors, flatten(out)):
                    values[id(kt)] = value
            for key in dead:
                del values[key]
        return map_structure(lambda kt: values[id(kt)], self._outputs_struct)

    def _assign_inputs(self, data):
        """Match the data to the model's inputs (by position, or by input name for dicts)."""
        names = self.input_names
        if isinstance(self._inputs_struct, dict):
            if isinstance(data, dict):
                missing = [k for k in self._inputs_struct if k not in data]
                if missing:
                    raise ValueError(
                        f"Functional model '{self.name}': the input dict lacks keys {missing}; "
                        f"expected keys {list(self._inputs_struct)}, received {list(data)}"
                    )
                leaves = [data[k] for k in self._inputs_struct]
            else:
                leaves = flatten(data)
        elif isinstance(data, dict):
            try:
                leaves = [data[n] for n in names]
            except KeyError:
                raise ValueError(
                    f"Functional model '{self.name}': input dict keys {list(data)} do not match the "
                    f"model's input names {names}"
                ) from None
        else:
            leaves = flatten(data)
        if len(leaves) != len(self._inputs):
            raise ValueError(
                f"Functional model '{self.name}': expected {len(self._inputs)} input(s) "
                f"{[t.shape for t in self._inputs]}, received {len(leaves)}"
            )
        return {id(kt): _conform(x, kt) for kt, x in zip(self._inputs, leaves)}

    def compute_output_shape(self, input_shape):
        """The output shapes for ``input_shape``: the recorded ones when only the batch size differs."""
        given = flatten_shapes(input_shape)
        batch = given[0][0] if given and given[0] else None
        recorded = [t.shape for t in self._inputs]
        if len(given) == len(recorded) and all(tuple(g[1:]) == tuple(r[1:]) for g, r in zip(given, recorded)):
            return map_structure(lambda kt: (batch,) + tuple(kt.shape[1:]), self._outputs_struct)
        return super().compute_output_shape(input_shape)

    # ---- facts ----------------------------------------------------------------------------
    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = map_structure(lambda t: t.shape, self._inputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = map_structure(lambda t: t.shape, self._outputs_struct)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 else shapes

    @property
    def input_names(self):
        if isinstance(self._inputs_struct, dict):
            return list(self._inputs_struct)
        return [layer.name if layer is not None else t.name for layer, t in zip(self._input_layers, self._inputs)]

    @property
    def output_names(self):
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t.node.layer.name for t in self._outputs]

    # ---- configuration --------------------------------------------------------------------
    def get_config(self):
        """Keras's functional config: layers with their inbound nodes, and the input/output references."""
        from .model import _functional_like
        if not _functional_like(type(self)):
            return Model.get_config(self)
        node_index = {}
        for layer in self._layers:
            kept = 0
            for node in layer.inbound_nodes:
                if id(node) in self._node_ids:
                    node_index[id(node)] = kept
                    kept += 1

        def ref(kt):
            if kt.node is None or id(kt.node) not in node_index:
                raise ValueError(f"Functional model '{self.name}': cannot serialize {kt!r}, not in the graph")
            tensor_index = next(i for i, t in enumerate(kt.node.output_tensors) if t is kt)
            return [kt.node.layer.name, node_index[id(kt.node)], tensor_index]

        layer_configs = []
        for layer in self._layers:
            config = serialize_keras_object(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = [
                {"args": _serialize_arg(node.args, ref), "kwargs": _serialize_arg(node.kwargs, ref)}
                for node in layer.inbound_nodes if id(node) in self._node_ids and node.input_tensors
            ]
            layer_configs.append(config)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": _map_refs(self._inputs_struct, ref),
            "output_layers": _map_refs(self._outputs_struct, ref),
        }


# ---- helpers ------------------------------------------------------------------------------

def _last_reads(plan, outputs):
    """For each node of ``plan``, the ids of the KerasTensors it is the last to read (model outputs
    excepted): ``call`` drops their values once it has run."""
    last = {}
    for index, node in enumerate(plan):
        for v in flatten((node.args, node.kwargs)):
            if isinstance(v, KerasTensor):
                last[id(v)] = index
    kept = {id(kt) for kt in outputs}
    dead = [[] for _ in plan]
    for key, index in last.items():
        if key not in kept:
            dead[index].append(key)
    return [tuple(d) for d in dead]


def _simple_arg(node):
    """The one KerasTensor argument of a plain ``layer(x)`` call (the fast path), else None."""
    args = node.args
    if len(args) == 1 and isinstance(args[0], KerasTensor) and not any(
            isinstance(v, KerasTensor) for v in flatten(node.kwargs)):
        return args[0]
    return None


def _conform(x, kt):
    """``x`` cast to the Input's dtype, with a trailing axis of size 1 added or dropped as Keras does."""
    from ..ops import expand_dims, squeeze
    from ..tensor import as_tensor
    x = as_tensor(x)
    rank, expected = x.ndim, len(kt.shape)
    if rank == expected - 1 and kt.shape[-1] == 1:
        x = expand_dims(x, -1)
    elif rank == expected + 1 and x.shape[-1] == 1:
        x = squeeze(x, -1)
    if x.dtype != kt.dtype:
        x = x.astype(kt.dtype)
    return x


def _map_refs(structure, ref):
    if isinstance(structure, KerasTensor):
        return ref(structure)
    if isinstance(structure, dict):
        return {k: _map_refs(v, ref) for k, v in structure.items()}
    return [_map_refs(v, ref) for v in structure]


def _serialize_arg(value, ref):
    """A node's call arguments as JSON: KerasTensors become references, tuples stay tuples."""
    if isinstance(value, KerasTensor):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(value.shape), "dtype": value.dtype, "keras_history": ref(value)}}
    if isinstance(value, tuple):
        return {"class_name": "__tuple__", "config": {"value": [_serialize_arg(v, ref) for v in value]}}
    if isinstance(value, list):
        return [_serialize_arg(v, ref) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_arg(v, ref) for k, v in value.items()}
    return serialize_keras_object(value)


class _NotReady(Exception):
    """A node refers to a tensor whose producing node has not been rebuilt yet."""


def _deserialize_arg(value, tensor_at):
    if isinstance(value, list):
        return [_deserialize_arg(v, tensor_at) for v in value]
    if isinstance(value, dict):
        kind = value.get("class_name")
        if kind == "__keras_tensor__":
            return tensor_at(*value["config"]["keras_history"])
        if kind == "__tuple__":
            return tuple(_deserialize_arg(v, tensor_at) for v in value["config"]["value"])
        if kind is not None and "config" in value:
            return deserialize_keras_object(value)
        return {k: _deserialize_arg(v, tensor_at) for k, v in value.items()}
    return value


def _is_ref(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def functional_from_config(cls, config, custom_objects=None, make_layer=None):
    """Rebuild a functional model: create each layer, then replay its inbound nodes in order.

    Args:
        cls: the Functional (sub)class to instantiate.
        config: the output of ``Functional.get_config()``.
        custom_objects: extra name -> class mapping for the layers.
        make_layer: optional ``fn(layer_config) -> Layer`` replacing deserialization (clone_model).
    """
    name = config.get("name", "functional")
    layers, pending, produced = {}, {}, {}
    for layer_data in config["layers"]:
        layer_config = {k: v for k, v in layer_data.items() if k != "inbound_nodes"}
        layer = make_layer(layer_config) if make_layer else deserialize_keras_object(layer_config, custom_objects)
        layer_name = layer_data.get("name", layer.name)
        if layer_name in layers:
            raise ValueError(f"Functional model '{name}': the config names layer '{layer_name}' twice")
        layers[layer_name] = layer
        pending[layer_name] = list(layer_data.get("inbound_nodes", []))
        produced[layer_name] = [layer.output] if isinstance(layer, InputLayer) else []

    def tensor_at(layer_name, node_index, tensor_index):
        if layer_name not in layers:
            raise ValueError(f"Functional model '{name}': the config refers to an unknown layer '{layer_name}'")
        outputs = produced[layer_name]
        if node_index >= len(outputs):
            raise _NotReady()
        return flatten(outputs[node_index])[tensor_index]

    while any(pending.values()):
        progress = False
        for layer_name, queue in pending.items():
            while queue:
                try:
                    args = _deserialize_arg(queue[0].get("args", []), tensor_at)
                    kwargs = _deserialize_arg(queue[0].get("kwargs", {}), tensor_at)
                except _NotReady:
                    break
                produced[layer_name].append(layers[layer_name](*args, **kwargs))
                queue.pop(0)
                progress = True
        if not progress:
            stuck = [n for n, q in pending.items() if q]
            raise ValueError(
                f"Functional model '{name}': cannot rebuild the graph, the inbound nodes of layers "
                f"{stuck} refer to tensors that are never produced"
            )

    def resolve(refs):
        if _is_ref(refs):
            try:
                return tensor_at(*refs)
            except _NotReady:
                raise ValueError(
                    f"Functional model '{name}': the config refers to a missing tensor {refs}") from None
        if isinstance(refs, dict):
            return {k: resolve(v) for k, v in refs.items()}
        return [resolve(v) for v in refs]

    inputs = resolve(config["input_layers"])
    outputs = resolve(config["output_layers"])
    return cls(inputs=inputs, outputs=outputs, name=name, trainable=config.get("trainable", True))

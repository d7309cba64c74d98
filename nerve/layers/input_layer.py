"""Symbolic tensors: how ``Input`` and layer calls on it record a functional graph.

Calling a layer on a :class:`KerasTensor` computes nothing: it returns new
KerasTensors (shape and dtype only) and records a :class:`Node`, the call's
layer, arguments and outputs. ``nerve.Model(inputs, outputs)`` walks the nodes
back from the outputs to the inputs and replays them on real data.
"""

from .. import backend
from .layer import Layer


class KerasTensor:
    """A placeholder for a tensor in a graph being built: a shape (None = unknown) and a dtype."""

    def __init__(self, shape, dtype=None, name=None, node=None):
        self.shape = tuple(shape)
        self.dtype = backend.standardize_dtype(dtype or backend.floatx())
        self.name = name
        self.node = node         # the Node whose call produced this tensor

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self):
        return id(self)


class Node:
    """One recorded layer call: ``outputs = layer(*args, **kwargs)`` over KerasTensors."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        for t in self.output_tensors:
            t.node = self
        layer._inbound_nodes.append(self)


class InputLayer(Layer):
    """The source of a functional graph: it holds the model's input KerasTensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError(f"InputLayer '{self.name}': pass `shape` (without the batch axis) or `batch_shape`")
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(batch_shape)
        Node(self, (), {}, KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name))
        self.built = True

    @property
    def input(self):
        return self.output          # an InputLayer's input is its own placeholder

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, sparse=None, tensor=None):
    """A symbolic input: ``x = Input(shape=(28, 28, 1))`` (the batch axis is left out).

    Returns:
        a KerasTensor with shape ``(batch_size, *shape)``.
    """
    if sparse:
        raise ValueError("Input: sparse inputs are not supported by nerve")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape)
    return layer.output


def flatten(structure):
    """The leaves of nested lists, tuples and dicts, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """The same nesting with ``fn`` applied to every leaf."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)

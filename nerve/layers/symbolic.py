"""Symbolic tensors: how ``Input`` and layer calls on it record a functional graph.

Calling a layer on a :class:`KerasTensor` computes nothing: it returns new
KerasTensors (shape and dtype only) and records a :class:`Node`, the call's
layer, arguments and outputs. ``nerve.Model(inputs, outputs)`` walks the nodes
back from the outputs to the inputs and replays them on real data.

This module sits below ``layer.py`` (which records Nodes) and ``input_layer.py``
(whose InputLayer is a graph's source); it imports neither.
"""

from .. import backend
from ..utils.tree import flatten


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
        layer.inbound_nodes.append(self)

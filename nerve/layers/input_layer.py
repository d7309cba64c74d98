"""The source of a functional graph: ``Input(shape)`` and the InputLayer that holds it."""

from .layer import Layer
from .symbolic import KerasTensor, Node


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

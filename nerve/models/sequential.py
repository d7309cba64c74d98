"""Sequential: a plain stack of layers, each feeding the next.

Built as soon as its input shape is known: from an ``Input`` (or ``InputLayer``, or a first layer
given ``input_shape=``), else lazily from the first batch it sees (the batch size is left
unknown). Building calls every layer once on symbolic tensors, which creates the weights and
records the output shapes that ``summary()`` prints; running calls the layers in turn.
"""

from ..layers.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor
from ..saving.serialization import deserialize_keras_object, serialize_keras_object
from .model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: the layers, in order (an ``nerve.Input(shape)`` may come first).
        trainable: whether the weights are trained.
        name: the model's name ("sequential" by default).

    Example:
        >>> model = nerve.Sequential([nerve.Input((4,)), nerve.layers.Dense(2)])
        >>> model.output_shape
        (None, 2)
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._input = None          # KerasTensor of the InputLayer once built
        self._output = None         # KerasTensor of the last layer once built
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append ``layer`` (a Layer, or an ``Input`` tensor as the first item)."""
        if isinstance(layer, KerasTensor) and layer.node is not None and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Sequential '{self.name}': only instances of nerve.layers.Layer can be added, "
                f"received {layer!r} of type {type(layer).__name__}"
            )
        if not self._layers and not isinstance(layer, InputLayer) and layer._input_shape_arg is not None:
            self.add(InputLayer(shape=layer._input_shape_arg), rebuild=False)
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                f"Sequential '{self.name}': all layers should have unique names; '{layer.name}' is "
                "already the name of a layer in this model. Pass a unique `name`."
            )
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(
                f"Sequential '{self.name}': an InputLayer can only be the first layer; the model "
                f"already has layers {[l.name for l in self._layers]}"
            )
        self._layers.append(layer)
        if rebuild and self.built and self._output is not None:
            self._output = layer(self._output)            # extend the built graph by one call
        elif rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}': there are no layers to pop")
        layer = self._layers.pop()
        self.built = False
        self._output = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._input = self._output = None
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)
        elif len(self._layers) > 1 and _known_input_shape(self._layers[0]) is not None:
            self.build(_known_input_shape(self._layers[0]))     # a model first: Keras 3 builds eagerly

    def build(self, input_shape=None):
        """Create the weights by calling every layer on a symbolic input of ``input_shape``."""
        if isinstance(input_shape, list) and all(n is None or isinstance(n, int) for n in input_shape):
            input_shape = tuple(input_shape)
        if input_shape is None or not isinstance(input_shape, tuple) or (
                input_shape and not all(n is None or isinstance(n, int) for n in input_shape)):
            self.built = True                 # not a single tensor: layers build when first called
            return
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}': the model has no layers to build")
        if isinstance(self._layers[0], InputLayer):
            if tuple(self._layers[0].batch_shape[1:]) != tuple(input_shape[1:]):
                raise ValueError(
                    f"Sequential '{self.name}': the model was built for inputs of shape "
                    f"{self._layers[0].batch_shape}, received {tuple(input_shape)}"
                )
        else:
            shape = (None,) + tuple(input_shape[1:])
            self._layers.insert(0, InputLayer(batch_shape=shape, dtype=self._layers[0].dtype))
        x = self._input = self._layers[0].output
        try:
            for layer in self._layers[1:]:
                x = layer(x)
        except NotImplementedError:
            self._input = self._output = None      # no shape inference: run eagerly instead
            self.built = True
            return
        self._output = x
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    # ---- facts ----------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, without the InputLayer."""
        layers = self._layers
        return list(layers[1:] if layers and isinstance(layers[0], InputLayer) else layers)

    def _graph(self, what):
        if self._input is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet: give it an Input or "
                "call it on data first"
            )
        return self._input if what.startswith("input") else self._output

    @property
    def inputs(self):
        return [self._graph("input")]

    @property
    def outputs(self):
        return [self._graph("output")]

    @property
    def input(self):
        return self._graph("input")

    @property
    def output(self):
        return self._graph("output")

    @property
    def input_shape(self):
        return self._graph("input shape").shape

    @property
    def output_shape(self):
        return self._graph("output shape").shape

    @property
    def input_names(self):
        return [self._layers[0].name] if self._input is not None else []

    @property
    def output_names(self):
        return [self.layers[-1].name] if self.layers else []

    @property
    def _nodes(self):
        """The nodes of the current graph (for summary): the last one of each layer."""
        if self._input is None:
            return []
        return [self._layers[0].inbound_nodes[0]] + [layer.inbound_nodes[-1] for layer in self.layers
                                                       if layer.inbound_nodes]

    # ---- configuration ----------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [serialize_keras_object(layer) for layer in self._layers]}
        if self._input is not None:
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape:
            model.build(tuple(shape))
        return model


def _known_input_shape(layer):
    """The input shape of a first layer that knows it (a built model), else None."""
    from .model import Model
    if not isinstance(layer, Model) or not layer.built:
        return None
    try:
        shape = layer.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, tuple) and all(n is None or isinstance(n, int) for n in shape):
        return shape
    return None

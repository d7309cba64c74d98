"""The weights half of Layer's API: the Variables a layer owns and the penalties on them.

``add_weight`` (called from ``build``) creates a layer's Variables; ``weights``,
``trainable_weights`` and ``non_trainable_weights`` gather them over the nested layers in
Keras's order; ``get_weights``/``set_weights`` copy them as arrays; ``losses`` collects the
penalties of the last call (``add_loss``) and of every regularized weight. Layer inherits
all of it (nerve.layers.layer); the state lives on the layer, set in ``Layer.__init__``.
"""

from ..tensor import Variable


class LayerWeights:
    """Mixin of Layer: weights, their trainability and their penalties (see the module docstring)."""

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        """Create a Variable owned by this layer (``build`` calls this)."""
        from .. import constraints, initializers, regularizers
        shape = tuple(shape or ())
        init = initializers.get(initializer)
        from ..saving.tensor_file import check_weight_allocation
        check_weight_allocation(self.name, name, shape)      # a model file loading: refuse what it cannot fill
        variable = Variable(init, shape=shape, dtype=dtype or self.dtype,
                            trainable=trainable and self._trainable, name=name)
        variable.path = f"{self.name}/{name}" if name else self.name
        variable.regularizer = regularizers.get(regularizer) if regularizer is not None else None
        variable.constraint = constraints.get(constraint)
        variable._layer_trainable = trainable
        self._weights.append(variable)
        return variable

    def own_weights(self):
        """This layer's own weights: those created trainable first, then the others (Keras's order)."""
        return ([w for w in self._weights if w._layer_trainable]
                + [w for w in self._weights if not w._layer_trainable])

    def _collect(self, pick):
        result, seen = [], set()
        for layer in self._flatten_layers():
            for w in pick(layer):
                if id(w) not in seen:
                    seen.add(id(w))
                    result.append(w)
        return result

    @property
    def weights(self):
        """All weights: each layer's own (trainable first), then its nested layers', depth first."""
        return self._collect(LayerWeights.own_weights)

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes its nested layers: their weights stop receiving gradients."""
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
            for w in layer._weights:
                w.trainable = bool(value) and getattr(w, "_layer_trainable", True)

    def get_weights(self):
        """Copies of the weights as NumPy arrays, in Keras's order (later training leaves them be,
        so they can be kept as a snapshot: EarlyStopping's best weights)."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights):
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': set_weights received {len(weights)} arrays, "
                f"expected {len(own)} ({[w.shape for w in own]})"
            )
        for variable, value in zip(own, weights):
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': weight '{variable.path}' has shape "
                    f"{variable.shape}, received an array of shape {tuple(value.shape)}"
                )
            variable.assign(value)

    def count_params(self):
        if not self.built:
            raise ValueError(f"{type(self).__name__} '{self.name}': count_params() needs the layer built first")
        return int(sum(w.size for w in self.weights))

    # ---- losses (regularization) --------------------------------------------------------
    def add_loss(self, loss):
        self._losses.append(loss)

    @property
    def losses(self):
        """Penalties of the last call (``add_loss``) and of every regularized weight, as Tensors."""
        result = []
        for layer in self._flatten_layers():
            result += layer._losses
            result += [w.regularizer(w) for w in layer._weights if w.regularizer is not None and w.trainable]
        return result

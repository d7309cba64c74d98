"""Layer: the unit models are made of, with Keras 3's contract.

A layer is ``__init__`` (check and store its configuration), ``build(input_shape)``
(create weights with ``add_weight``, lazily, from the first input), ``call(inputs,
training=None)`` (the computation, on Tensors), ``compute_output_shape`` and
``get_config``. ``__call__`` does the bookkeeping around ``call``: converting
inputs, building on first use, checking the input spec, passing ``training``
down to nested layers, and recording a graph node when the inputs are symbolic.
The weights API (``add_weight``, ``weights``, ``get_weights``, ``losses``...) is
inherited from ``layer_weights.py``; of it, a call uses only ``add_loss`` (activity penalties).
"""

import contextlib
import inspect

from .. import backend
from ..autodiff import no_grad
from ..tensor import Tensor, Variable, as_tensor
from ..utils.configurable import FromConfig
from ..utils.naming import auto_name
from ..utils.tree import flatten, map_shape_structure, map_structure
from .layer_weights import LayerWeights
from .symbolic import KerasTensor, Node

_registry = {}                  # class name -> Layer subclass, for deserialization
_call_context = {"training": None}


class InputSpec:
    """What a layer accepts: rank (``ndim`` / ``min_ndim``) and fixed sizes of some ``axes``."""

    def __init__(self, ndim=None, min_ndim=None, axes=None, description=None):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, axes or {}
        self.description = description


class Layer(FromConfig, LayerWeights):
    """Base class of every layer (and of Model).

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; defaults to the class name in snake_case (``dense``, ``dense_1``...).
        dtype: the dtype of its weights and computations (``floatx()`` by default).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _registry.setdefault(cls.__name__, cls)

    def __init__(self, trainable=True, name=None, dtype=None, autocast=True, input_shape=None,
                 input_dim=None, activity_regularizer=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        object.__setattr__(self, "_layers", [])
        self.name = name or auto_name(type(self).__name__, "layers")
        self.dtype = backend.standardize_dtype(dtype or backend.floatx())
        self.autocast = autocast
        self._trainable = trainable
        self._weights = []
        self._losses = []
        self.inbound_nodes = []
        self.built = False
        self.input_spec = None
        self._call_takes_training = "training" in inspect.signature(self.call).parameters
        self._init_masking()
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None
        from .. import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)

    # ---- sub-layer tracking -----------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer":
            self._track(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            for v in value:
                self._track(v)
        object.__setattr__(self, name, value)

    def _track(self, layer):
        layers = self.__dict__.get("_layers")
        if layers is None:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning sub-layers")
        if all(layer is not seen for seen in layers):
            layers.append(layer)

    @property
    def layers(self):
        return list(self._layers)

    def _flatten_layers(self, include_self=True):
        """This layer and every nested layer, each once, depth first."""
        seen, order, stack = set(), [], [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            order.append(layer)
            stack.extend(reversed(layer._layers))
        return order

    @property
    def input(self):
        """The symbolic input of this layer's first call in a functional graph."""
        return self._first_node("input").args[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call: ``Model(m.inputs, m.get_layer(n).output)``."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self.inbound_nodes:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has no `{what}`: it was never called on a symbolic Input"
            )
        return self.inbound_nodes[0]

    # ---- the call ---------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        first = args[0] if args else None
        if type(first) is Tensor or type(first) is Variable:
            # the common case, kept cheap: one tensor in, no symbolic arguments
            if kwargs and _any_symbolic(tuple(kwargs.values())):
                return self._symbolic_call(args, kwargs)
            previous_mask = getattr(first, "_keras_mask", None)     # read before autocast copies
            if first.dtype != self.dtype and self.autocast and backend.is_float_dtype(first.dtype):
                first = first.astype(self.dtype)
            if not self.built:
                self._maybe_build(first.shape)
            if self.input_spec is not None:
                self._check_input_spec_shape(first.shape)
            return self._run((first,) + args[1:], kwargs, previous_mask)
        if _any_symbolic((args, kwargs)):
            return self._symbolic_call(args, kwargs)
        if not args:
            raise ValueError(f"{type(self).__name__} '{self.name}': called without inputs")
        previous_mask = _mask_structure(first)
        inputs = self._convert_inputs(first)
        self._maybe_build(_shape_of(inputs))
        self._check_input_spec(inputs)
        return self._run((inputs,) + args[1:], kwargs, previous_mask)

    def _run(self, args, kwargs, previous_mask=None):
        """``call`` with ``training`` resolved (argument, else the enclosing call's) and passed down,
        masks filled in from the inputs and attached to the outputs (see "masks" below)."""
        if self._call_mask_args:
            previous_mask = self._fill_mask_arguments(args, kwargs, previous_mask)
        training = kwargs.pop("training", None)
        if training is None:
            training = _call_context["training"]
        if self._call_takes_training:
            kwargs["training"] = training
        outer = _call_context["training"]
        _call_context["training"] = training
        self._losses = []
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            _call_context["training"] = outer
        if self.activity_regularizer is not None:
            self._add_activity_losses(outputs)
        if self.supports_masking and (previous_mask is not None or self._computes_masks):
            self._attach_output_masks(args[0], outputs, previous_mask)
        return outputs

    def _add_activity_losses(self, outputs):
        """Keras's activity regularization: one penalty per output tensor of this call."""
        for output in flatten(outputs):
            if isinstance(output, Tensor):
                self.add_loss(self.activity_regularizer(output))

    def _convert_inputs(self, inputs):
        def convert(x):
            if x is None or isinstance(x, (bool, str)):
                return x
            t = as_tensor(x)
            if self.autocast and backend.is_float_dtype(t.dtype) and t.dtype != self.dtype:
                t = t.astype(self.dtype)
            return t
        return map_structure(convert, inputs)

    def _maybe_build(self, input_shape):
        if not self.built:
            self._check_input_spec_shape(input_shape)
            self.build(input_shape)
            self.built = True

    def _check_input_spec(self, inputs):
        if self.input_spec is not None and isinstance(inputs, Tensor):
            self._check_input_spec_shape(inputs.shape)

    def _check_input_spec_shape(self, shape):
        spec = self.input_spec
        if spec is None or not isinstance(shape, tuple) or (shape and not isinstance(shape[0], (int, type(None)))):
            return
        what = f" {spec.description}" if spec.description else ""
        if spec.ndim is not None and len(shape) != spec.ndim:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected input of rank {spec.ndim}{what}, "
                f"received shape {shape}"
            )
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected input of rank >= {spec.min_ndim}{what}, "
                f"received shape {shape}"
            )
        for axis, size in spec.axes.items():
            if shape[axis] is not None and shape[axis] != size:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': expected axis {axis} of the input to have "
                    f"size {size}, received shape {shape}"
                )

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape``; by default found by running the layer on zeros."""
        return _probe_output_shape(self, input_shape)

    def _symbolic_call(self, args, kwargs):
        inputs = args[0]
        input_shape = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
        self._maybe_build(input_shape)
        self._check_input_spec_shape(input_shape)
        if _any_symbolic((args[1:], kwargs)):       # several tensors: layer(targets, logits)
            output_shape = self._several_inputs_output_shape(args, kwargs)
        else:
            output_shape = self.compute_output_shape(input_shape)
        dtype = self._symbolic_output_dtype(inputs)
        outputs = map_shape_structure(lambda s: KerasTensor(s, dtype=dtype), output_shape)
        Node(self, args, kwargs, outputs)
        return outputs

    def _several_inputs_output_shape(self, args, kwargs):
        """Output shape(s) of a call with several tensor arguments: the layer's own
        ``compute_output_shape`` given every positional argument's shape when it takes them all,
        else found by running ``call`` on zeros of each argument's shape and dtype."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = [map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, a) for a in args]
            parameters = inspect.signature(self.compute_output_shape).parameters.values()
            if any(p.kind is p.VAR_POSITIONAL for p in parameters) or len(parameters) >= len(shapes):
                return self.compute_output_shape(*shapes)
        return _probe_call_output_shape(self, args, kwargs)

    def _symbolic_output_dtype(self, inputs):
        """The dtype of a symbolic call's outputs: the layer's for float (or several) inputs, else
        the input's (an integer tensor through Flatten stays integer). Embedding overrides it."""
        input_dtype = getattr(inputs, "dtype", self.dtype)
        if getattr(self, "_outputs_input_dtype", False):
            return input_dtype
        return self.dtype if input_dtype in ("float16", "float32", "float64") else input_dtype

    # ---- masks ------------------------------------------------------------------------
    # Keras's mask propagation. A mask is a boolean Tensor (batch, steps), True where a step is
    # real data, riding on a tensor as ``_keras_mask`` (get_keras_mask / set_keras_mask). A layer
    # whose ``call`` takes ``mask`` receives the mask of its one tensor argument; with several
    # tensor arguments, argument ``name`` sends its mask to ``name_mask`` (MultiHeadAttention's
    # query_mask/value_mask/key_mask). A layer that ``supports_masking`` (it overrides
    # ``compute_mask``, or sets the flag) attaches ``compute_mask(inputs, previous_mask)`` to its
    # outputs; any other layer drops the mask. Sequential and functional models need nothing
    # more: they call their layers on real tensors, which carry the masks from layer to layer.
    supports_masking = False

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's outputs given its inputs' ``mask`` (by default: the same)."""
        return mask

    def _init_masking(self):
        # _computes_masks: compute_mask may make a mask from nothing (Embedding, Masking); a layer
        # with the default one only passes its input's on, so without an input mask it is skipped
        self._computes_masks = type(self).compute_mask is not Layer.compute_mask
        if self._computes_masks:
            self.supports_masking = True
        parameters = list(inspect.signature(self.call).parameters)
        self._call_arg_names = parameters
        self._call_mask_args = [p for p in parameters if p == "mask" or p.endswith("_mask")]

    def _fill_mask_arguments(self, args, kwargs, previous_mask):
        """Pass the inputs' masks to the mask arguments of ``call`` the caller left empty."""
        named = dict(zip(self._call_arg_names, args))
        named.update(kwargs)
        tensors = {name: value for name, value in named.items()
                   if name not in self._call_mask_args and name != "training" and _holds_tensors(value)}
        if len(tensors) == 1:
            targets = {"mask": next(iter(tensors.values()))}
        else:
            targets = {f"{name}_mask": value for name, value in tensors.items()}
        for target, value in targets.items():
            if target in self._call_mask_args and named.get(target) is None:
                mask = _mask_structure(value)
                if mask is not None:
                    kwargs[target] = mask
        return kwargs["mask"] if kwargs.get("mask") is not None else previous_mask

    def _attach_output_masks(self, inputs, outputs, previous_mask):
        """Keras's ``_set_mask_metadata``: ``compute_mask`` onto outputs that have no mask yet."""
        outputs = flatten(outputs)
        if all(get_keras_mask(t) is not None for t in outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(outputs, flatten(masks)):
            if mask is not None and isinstance(tensor, Tensor) and get_keras_mask(tensor) is None:
                set_keras_mask(tensor, mask)

    # ---- configuration ----------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.activity_regularizer is not None:
            from .. import regularizers
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._input_shape_arg is not None:
            config["input_shape"] = self._input_shape_arg
        return config

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ---- helpers ----------------------------------------------------------------------------

def get_keras_mask(x):
    """The mask riding on ``x`` (a boolean Tensor), or None."""
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x, mask):
    """Attach ``mask`` to the Tensor ``x`` (None removes it)."""
    if mask is not None and not isinstance(mask, Tensor):
        mask = as_tensor(mask)
    x._keras_mask = mask


def _mask_structure(inputs):
    """The masks of ``inputs`` in its nesting, or None when no leaf carries one."""
    if isinstance(inputs, Tensor):
        return getattr(inputs, "_keras_mask", None)
    masks = map_structure(get_keras_mask, inputs)
    return masks if any(m is not None for m in flatten(masks)) else None


def _holds_tensors(value):
    if isinstance(value, (Tensor, KerasTensor)):
        return True
    leaves = flatten(value) if isinstance(value, (list, tuple, dict)) and value else None
    return bool(leaves) and all(isinstance(v, (Tensor, KerasTensor)) or v is None for v in leaves)


def _any_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def _shape_of(inputs):
    """The shapes of the Tensors in ``inputs`` (None for any other leaf), in the same nesting."""
    return map_structure(lambda x: x.shape if isinstance(x, Tensor) else None, inputs)


def _probe_output_shape(layer, input_shape):
    """Run ``layer`` on zeros twice, with unknown sizes set to 2 and then 3: axes whose size
    changes with them are unknown (None) in the output."""
    results = []
    for fill in (2, 3):
        def zeros(shape):
            return Tensor.wrap(backend.xp.zeros([fill if n is None else n for n in shape], dtype=layer.dtype))
        probe = map_shape_structure(zeros, input_shape) if input_shape is not None else None
        with no_grad(), _training(False):
            out = layer.call(probe, **({"training": False} if layer._call_takes_training else {}))
        results.append(map_structure(lambda t: tuple(t.shape), out))
    return map_shape_structure(_merge_shape, *results)


def _probe_call_output_shape(layer, args, kwargs):
    """``_probe_output_shape`` for a call with several tensor arguments: every KerasTensor among
    ``args`` and ``kwargs`` becomes zeros of its dtype, unknown sizes 2 and then 3."""
    results = []
    for fill in (2, 3):
        def zeros(t):
            if not isinstance(t, KerasTensor):
                return t
            return Tensor.wrap(backend.xp.zeros([fill if n is None else n for n in t.shape], dtype=t.dtype))
        probe_args, probe_kwargs = map_structure(zeros, (list(args), dict(kwargs)))
        if layer._call_takes_training:
            probe_kwargs["training"] = False
        with no_grad(), _training(False):
            out = layer.call(*probe_args, **probe_kwargs)
        results.append(map_structure(lambda t: tuple(t.shape), out))
    return map_shape_structure(_merge_shape, *results)


def _merge_shape(a, b):
    """Sizes that agree stay; those that differ are unknown (None)."""
    return tuple(x if x == y else None for x, y in zip(a, b))


@contextlib.contextmanager
def _training(value):
    outer = _call_context["training"]
    _call_context["training"] = value
    try:
        yield
    finally:
        _call_context["training"] = outer


def get_registered_layer(class_name):
    return _registry.get(class_name)

"""Model: a Layer that trains (the Trainer mixin), saves and prints its summary.

Three ways to make one, as in Keras 3:

- functional: ``nerve.Model(inputs, outputs)`` over ``nerve.Input`` tensors (``Model.__new__``
  hands this case to :class:`~nerve.models.functional.Functional`);
- subclassing: ``class MyModel(nerve.Model)`` with layers assigned in ``__init__`` and a
  ``call(inputs, training=None)``;
- :class:`~nerve.models.sequential.Sequential`: a stack of layers.

A custom training loop needs nothing special::

    logits = model(x, training=True)
    loss = loss_fn(y, logits)
    grads = nerve.grad(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
"""

import inspect
import json

from .. import backend
from ..autodiff import no_grad
from ..layers.layer import Layer
from ..layers.symbolic import KerasTensor
from ..tensor import Tensor
from ..trainers.trainer import Trainer
from ..utils.tree import flatten, map_shape_structure, map_structure


def _functional_init_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


class Model(Trainer, Layer):
    """A group of layers with training (``compile``/``fit``/``evaluate``/``predict``) and saving.

    Args (functional form):
        inputs: the ``Input`` tensor(s): one, a list or a dict.
        outputs: the tensor(s) computed from them: one, a list or a dict.
        name: the model's name.

    Args (subclass form): ``name``, ``trainable``, ``dtype`` as for any Layer.
    """

    _build_spec = None          # (shapes, dtypes) of the first call's inputs, for get_build_config

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_init_arguments(args, kwargs):
            from .functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        instance = super().__new__(cls)
        instance._auto_config = _capture_init_args(cls, args, kwargs)
        return instance

    def __init__(self, *args, **kwargs):
        if _functional_init_arguments(args, kwargs):
            from .functional import Functional
            _inject_functional_model_class(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, *args, **kwargs)
        Trainer.__init__(self)

    def _maybe_build(self, input_shape):
        """On the first call: a model with its own ``build`` builds; a plain subclassed model's
        layers create their weights during the call itself."""
        if self.built:
            return
        if type(self).build is Model.build:
            self.built = True
        else:
            super()._maybe_build(input_shape)

    def build(self, input_shape=None):
        """Create the weights of a subclassed model by running it once on zeros of ``input_shape``
        (unknown sizes taken as 1), as ``model.build((None, 784))`` does in Keras."""
        if input_shape is not None and not self.built:
            self.build_from_config({"input_shape": input_shape})
        self.built = True

    def call(self, inputs, training=None):
        raise NotImplementedError(
            f"{type(self).__name__} '{self.name}': a subclassed Model must implement "
            "call(self, inputs, training=None)"
        )

    def __call__(self, *args, **kwargs):
        if args and backend.is_array(args[0]):          # a raw batch: wrap it, Layer's fast path follows
            args = (Tensor.wrap(args[0]),) + args[1:]
        if self._build_spec is None and args:
            self._build_spec = _input_spec_of(args[0])
        return super().__call__(*args, **kwargs)

    # ---- layers and weights -----------------------------------------------------------
    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by position ``index`` in ``model.layers``."""
        if index is not None and name is not None:
            raise ValueError(
                f"get_layer: provide only a layer name or a layer index, received name={name!r} "
                f"and index={index}"
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"get_layer: was asked for the layer at index {index}, but model "
                    f"'{self.name}' only has {len(layers)} layers"
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None, show_flops=False):
        """Print Keras's table of layers, output shapes and parameter counts (see ``nerve.models.summary``);
        ``show_flops`` adds each layer's multiply-accumulates per example (``nerve.utils.flops``)."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range, show_flops=show_flops)

    # ---- building and configuration ------------------------------------------------------
    def get_build_config(self):
        """The input shapes (batch axis unknown) and dtypes of the first call, for rebuilding on load."""
        if self._build_spec is None:
            return None
        shapes, dtypes = self._build_spec
        return {"input_shape": shapes, "input_dtype": dtypes}

    def build_from_config(self, config):
        """Create the weights by one forward pass on zeros shaped as in ``config`` (None -> 1)."""
        if not config or "input_shape" not in config:
            return
        structure = _shapes_from_json(config["input_shape"])
        dtypes = flatten(config.get("input_dtype")) if config.get("input_dtype") is not None else []
        with no_grad():
            self(_zeros_for(structure, dtypes, self.dtype), training=False)

    def get_config(self):
        """The constructor arguments of a subclassed model (Keras's automatic config)."""
        config = {"name": self.name, "trainable": self.trainable}
        auto = getattr(self, "_auto_config", None)
        if auto is not None:
            config.update(auto)
        parameters = inspect.signature(type(self).__init__).parameters
        takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        if not takes_kwargs:
            config = {k: v for k, v in config.items() if k in parameters}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .functional import Functional, functional_from_config
        functional_keys = ("name", "layers", "input_layers", "output_layers")
        if all(k in config for k in functional_keys) and (cls in (Model, Functional) or _functional_like(cls)):
            return functional_from_config(cls, config, custom_objects=custom_objects)
        try:
            return cls(**config)
        except TypeError as err:
            raise TypeError(
                f"Unable to revive model {cls.__name__} from config {config}: {err}. When overriding "
                f"get_config(), return every argument of the constructor of {cls.__name__}, or define "
                "from_config(cls, config)"
            ) from err

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (``nerve.models.model_from_json`` reads it)."""
        from ..saving.serialization import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    # ---- saving -----------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Write the whole model (architecture, weights, compile and optimizer state) to one file."""
        from ..saving import saving_lib
        saving_lib.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write every weight to a ``.weights.safetensors`` file (nerve's) or ``.weights.h5`` (Keras's)."""
        from ..saving import saving_lib
        saving_lib.save_weights_only(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Read weights written by ``save_weights`` (or from a saved model file, or a legacy Keras
        ``.h5`` file such as the ``keras.applications`` ImageNet weights: ``by_name=True`` there)."""
        from ..saving import saving_lib
        by_name = kwargs.pop("by_name", False)
        if kwargs:
            raise ValueError(f"load_weights: arguments not recognized: {sorted(kwargs)}")
        saving_lib.load_weights_only(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def export(self, filepath, format="onnx", verbose=True, **kwargs):
        """Write the inference graph for serving; ``format="onnx"`` is the one nerve writes
        (see :func:`nerve.export.onnx`)."""
        if format != "onnx":
            raise ValueError(f"Model.export: format {format!r} is not supported; nerve exports format='onnx'")
        from ..export import onnx
        return onnx(self, filepath, **kwargs)


# ---- helpers ------------------------------------------------------------------------------

def _functional_like(cls):
    """True when ``cls`` keeps Functional's constructor (a subclass that only adds methods)."""
    from .functional import Functional
    init = cls.__init__
    return init in (Model.__init__, Functional.__init__)


def _inject_functional_model_class(cls):
    """Make a Model subclass constructed with (inputs, outputs) inherit from Functional (Keras's trick)."""
    from .functional import Functional
    if cls is Model:
        return Functional
    if cls is object or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(_inject_functional_model_class(base) for base in cls.__bases__)
    return cls


def _capture_init_args(cls, args, kwargs):
    """The constructor's arguments when all are JSON-friendly (for the automatic get_config)."""
    signature = inspect.signature(cls.__init__)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return None
    values = dict(bound.arguments)
    values.pop(next(iter(values)), None)      # self
    flat = {}
    for name, value in values.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            flat.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        else:
            flat[name] = value
    try:
        json.dumps(flat)
    except (TypeError, ValueError):
        return None
    return flat


def _input_spec_of(inputs):
    """(shapes, dtypes) of the first call's inputs: the same nesting, batch axis set to None."""
    def shape(x):
        dims = [None if n is None else int(n) for n in getattr(x, "shape", ())]
        return [None] + dims[1:] if dims else []

    def dtype(x):
        return backend.standardize_dtype(x.dtype) if hasattr(x, "dtype") else backend.floatx()
    return map_structure(shape, inputs), map_structure(dtype, inputs)


def _shapes_from_json(shapes):
    """Shapes read back from JSON: each innermost list of ints/None is one shape (a tuple)."""
    if isinstance(shapes, (list, tuple)) and all(isinstance(n, int) or n is None for n in shapes):
        return tuple(shapes)
    if isinstance(shapes, dict):
        return {k: _shapes_from_json(v) for k, v in shapes.items()}
    return [_shapes_from_json(s) for s in shapes]


def _zeros_for(structure, dtypes, default_dtype):
    """Arrays of zeros with the nesting of ``structure`` (None sizes -> 1), dtypes in leaf order."""
    leaves = iter(dtypes)

    def zeros(shape):
        dtype = next(leaves, None) or default_dtype
        return backend.xp.zeros([1 if n is None else n for n in shape], dtype=dtype)
    return map_shape_structure(zeros, structure)

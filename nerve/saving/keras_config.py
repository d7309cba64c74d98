"""Keras 3's config.json and nerve's, translated both ways as plain data (nothing is resolved,
imported or called here: the result goes through nerve's deserialization gate like any other).

Keras 3 writes, beyond what nerve's configs hold: a dtype as a ``DTypePolicy`` object, a
``shared_object_id`` on shared objects, a ``build_config`` per layer, and arguments nerve does not
have whose values switch nothing on (``InputLayer(sparse=False)``, ``Dense(lora_rank=None)``,
``GlorotUniform(input_axes=None)``, ...). Reading drops exactly those, at their "off" values; any
other value is left for the layer to refuse by name. Writing maps nerve's module paths to Keras's
and refuses nerve's own classes, which Keras cannot rebuild.
"""

import copy

# argument -> the values at which it does nothing (Keras has it, nerve does not)
KERAS_ONLY_ARGUMENTS = {
    "sparse": (None, False), "ragged": (None, False), "optional": (False,), "input_tensor": (None,),
    "lora_rank": (None,), "lora_alpha": (None,), "quantization_config": (None,),
    "renorm": (False,), "renorm_clipping": (None,), "input_axes": (None,), "output_axes": (None,),
    "use_cudnn": ("auto", True, False),       # a speed hint of the cuDNN kernels
    "sliding_window": (None,), "use_gate": (False,), "ignore_class": (None,),
}
# per class: arguments whose name other classes use with a meaning of their own
KERAS_ONLY_BY_CLASS = {
    "BatchNormalization": {"renorm_momentum": None},          # any value: unused without renorm
    "SparseCategoricalCrossentropy": {"axis": (-1,)},
}
DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy")

# nerve's arguments that Keras does not have, at the values that mean Keras's behaviour
NERVE_ONLY_ARGUMENTS = {
    "LayerNormalization": {"rms_scaling": (False,)},
    "Cropping1D": {"data_format": (None, "channels_last")},
}
NERVE_ONLY_CLASSES = {"InstanceNormalization", "Maxout", "PositionEmbedding", "XavierNormal", "XavierUniform"}
_KERAS_MODULES = {
    "layers": "keras.layers", "optimizers": "keras.optimizers", "losses": "keras.losses",
    "metrics": "keras.metrics", "initializers": "keras.initializers", "regularizers": "keras.regularizers",
    "constraints": "keras.constraints", "activations": "keras.activations",
}
_KERAS_MODEL_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional",
                        "Model": "keras.src.models.model"}


def from_keras(config):
    """nerve's form of a Keras 3 config (a deep copy; the input is left as it was)."""
    return _walk(_drop_traced_call_arguments(copy.deepcopy(config)), _from_keras_object)


def _drop_traced_call_arguments(config):
    """Keras records in a functional layer's node the ``mask=None`` and ``training=False`` it was
    traced with; its loop replaces them at run time, nerve's passes the outer ones itself."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for node in item.get("inbound_nodes") or ():
                kwargs = node.get("kwargs") if isinstance(node, dict) else None
                if isinstance(kwargs, dict):
                    for key, traced in (("mask", None), ("training", False)):
                        if key in kwargs and kwargs[key] is traced:
                            del kwargs[key]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return config


def to_keras(config):
    """Keras 3's form of a nerve config (a deep copy). Raises ValueError for a nerve-only class."""
    return _walk(_plain_node_arguments(copy.deepcopy(config)), _to_keras_object)


def _plain_node_arguments(config):
    """A functional layer's inbound ``args`` as the plain list Keras writes (nerve wraps it in a
    ``__tuple__`` object, which Keras's node reader does not unwrap)."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for node in item.get("inbound_nodes") or ():
                args = node.get("args") if isinstance(node, dict) else None
                if isinstance(args, dict) and args.get("class_name") == "__tuple__":
                    node["args"] = list(args["config"]["value"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return config


def _walk(value, on_object):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in list(item.items()):
                if _is_object(child):
                    child = item[key] = on_object(child)
                stack.append(child)
        elif isinstance(item, list):
            for i, child in enumerate(item):
                if _is_object(child):
                    child = item[i] = on_object(child)
                stack.append(child)
    return on_object(value) if _is_object(value) else value


def _is_object(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _from_keras_object(obj):
    if obj["class_name"] in DTYPE_POLICIES and isinstance(obj["config"], dict):
        return obj["config"].get("name", "float32")
    obj.pop("shared_object_id", None)
    inner = obj["config"]
    if isinstance(inner, dict):
        inner.pop("shared_object_id", None)
        by_class = KERAS_ONLY_BY_CLASS.get(obj["class_name"], {})
        for key in list(inner):
            allowed = by_class.get(key, KERAS_ONLY_ARGUMENTS.get(key, ()))
            if key in by_class and allowed is None:
                del inner[key]
            elif allowed and _is_among(inner[key], allowed):
                del inner[key]
    return obj


def _to_keras_object(obj):
    name = obj["class_name"]
    module = obj.get("module")
    if isinstance(module, str) and module.startswith("nerve"):
        if name in NERVE_ONLY_CLASSES:
            raise ValueError(f"save: {name} is nerve's own class; Keras cannot rebuild it from a .keras file. "
                             "Save the model as .nerve instead")
        family = module.split(".")[1] if "." in module else ""
        obj["module"] = _KERAS_MODEL_MODULES.get(name) if family == "models" else _KERAS_MODULES.get(family, module)
        if obj["module"] is None:
            obj["module"] = "keras"
    inner = obj["config"]
    if isinstance(inner, dict):
        for key, neutral in NERVE_ONLY_ARGUMENTS.get(name, {}).items():
            if key in inner:
                if not _is_among(inner[key], neutral):
                    raise ValueError(f"save: {name}({key}={inner[key]!r}) is nerve's own option; Keras cannot "
                                     "rebuild it from a .keras file. Save the model as .nerve instead")
                del inner[key]
    return obj


def _is_among(value, values):
    return any(value is v or (type(value) is type(v) and value == v) for v in values)

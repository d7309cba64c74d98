"""One file per model: a zip (stored, uncompressed) of JSON and safetensors, written atomically.

``model.save("model.nerve")`` writes:

- ``metadata.json``: nerve's version and the date;
- ``config.json``: the architecture, as ``serialize_keras_object(model)`` (Keras's
  ``{"class_name", "config"}``; a functional model lists its layers with their inbound nodes),
  plus ``compile_config`` (optimizer config, loss, metrics);
- ``model.weights.safetensors``: every weight, keyed by a path that does not depend on the
  automatic layer names: ``layers/<class in snake_case>[_k]/vars/<i>`` for the layers of a
  Sequential or functional model, ``<attribute>/vars/<i>`` for those a layer (or subclassed
  model) holds in an attribute (``<attribute>/<class>[_k]`` inside a list);
- ``optimizer.weights.safetensors``: the optimizer's variables, and ``random_state.json``: the
  random generators (global and the layers' own, ``nerve.saving.random_state``), so that
  training resumes exactly.

A save goes to a temporary file in the same folder, is fsync'ed, then ``os.replace``d over the
target (``nerve.utils.file_utils.atomic_write``): a crash part-way leaves the previous file
untouched. Each safetensors member carries a SHA-256 of its tensors. Loading treats the file as
hostile and checks everything before assigning anything: a file that is not a zip, an unknown,
repeated or oversized member, bad JSON, a class outside the allow-lists, code, a weight the
file cannot fill, a checksum that fails, a weight of the wrong shape or dtype: each raises
ModelFileError (a ValueError) naming the file and the problem.
"""

import datetime
import json
import os
import zipfile

from ..layers.layer import Layer
from ..utils.file_utils import atomic_write
from ..utils.naming import to_snake_case
from . import random_state, tensor_file
from .archive import ModelFileError, fail, read_members
from .object_registry import safe_mode_scope
from .serialization import (compile_config_or_none, custom_object_scope, deserialize_keras_object,
                            serialize_keras_object)

MODEL_SUFFIXES = (".nerve", ".keras")
WEIGHTS_SUFFIX = ".weights.safetensors"
METADATA = "metadata.json"
CONFIG = "config.json"
MODEL_WEIGHTS = "model.weights.safetensors"
OPTIMIZER_WEIGHTS = "optimizer.weights.safetensors"

# Attributes that hold a layer's bookkeeping, not sub-layers with weights of their own.
_SKIP_ATTRIBUTES = {"_layers", "inbound_nodes", "_weights", "_losses", "_outer", "_input", "_output",
                    "_inputs", "_outputs", "_inputs_struct", "_outputs_struct", "_nodes", "_plan",
                    "_input_layers", "_nodes_by_depth", "_node_ids"}


# ---- weight paths -------------------------------------------------------------------------

def weight_paths(model):
    """``{path: Variable}`` for every weight of ``model`` (see the module docstring for paths)."""
    return {_join(path, "vars", str(i)): variable
            for path, layer in layer_paths(model) for i, variable in enumerate(layer.own_weights())}


def layer_paths(model):
    """``[(path, layer)]`` for ``model`` and every layer it holds, each once, in a fixed order."""
    found, visited = [], set()
    _walk(model, "", found, visited)
    return found


def _join(*parts):
    return "/".join(p for p in parts if p)


def _walk(layer, path, found, visited):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    found.append((path, layer))
    for child_path, child in _children(layer):
        _walk(child, _join(path, child_path), found, visited)


def _container(name, layers):
    used = {}
    for layer in layers:
        key = to_snake_case(type(layer).__name__)
        count = used.get(key, 0)
        used[key] = count + 1
        yield _join(name, key if count == 0 else f"{key}_{count}"), layer


def _children(layer):
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    if isinstance(layer, (Functional, Sequential)):
        yield from _container("layers", layer.layers)
    for name in sorted(vars(layer)):
        if name in _SKIP_ATTRIBUTES or name.startswith("__"):
            continue
        value = vars(layer)[name]
        if isinstance(value, Layer):
            yield name, value
        elif isinstance(value, dict) and value and all(isinstance(v, Layer) for v in value.values()):
            yield from _container(name, value.values())
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            yield from _container(name, value)
    yield from _container("layers", layer.layers)      # tracked but not found above


def _write_member(archive, name, data):
    archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def _write_archive(fileobj, members):
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members:
            _write_member(archive, name, data)


def _safetensors_bytes(variables):
    return tensor_file.to_bytes({path: variable.numpy() for path, variable in variables.items()})


def _check_overwrite(filepath, overwrite):
    """True to write. With ``overwrite=False`` over an existing file, ask on the terminal, as Keras
    does; without a terminal to ask (a script, a job), refuse clearly instead of an EOFError."""
    if overwrite or not os.path.exists(filepath):
        return True
    import sys
    if sys.stdin is None or not sys.stdin.isatty():
        raise FileExistsError(f"save: '{filepath}' already exists and overwrite=False, and there is no "
                              "terminal to ask whether to replace it; pass overwrite=True or another path")
    try:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    except EOFError:
        raise FileExistsError(f"save: '{filepath}' already exists and overwrite=False; no answer "
                              "came from the terminal") from None
    return answer in ("y", "yes")


# ---- save ---------------------------------------------------------------------------------

def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Write ``model`` (architecture, weights, compile config, optimizer state) to one ``.nerve`` file."""
    import nerve
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):             # Keras 3's own archive, for exchange with Keras
        from . import keras_archive
        if _check_overwrite(filepath, overwrite):
            keras_archive.save_model(model, filepath)
        return
    if not filepath.endswith(MODEL_SUFFIXES):
        raise ValueError(
            f"save: the filename must end in `.nerve` (or `.keras`; nerve writes its own zip of JSON "
            f"and safetensors either way). Received: filepath={filepath}"
        )
    if zipped is False or kwargs:
        raise ValueError(f"save: only zipped single-file saving is supported; received zipped={zipped}, {kwargs}")
    if not _check_overwrite(filepath, overwrite):
        return
    config = serialize_keras_object(model)
    compile_config = config["compile_config"] = compile_config_or_none(model, stacklevel=3)
    metadata = {"format": "nerve-model", "format_version": 1, "nerve_version": nerve.__version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    members = [
        (METADATA, json.dumps(metadata).encode()),
        (CONFIG, json.dumps(config).encode()),
        (MODEL_WEIGHTS, _safetensors_bytes(weight_paths(model))),
    ]
    optimizer = getattr(model, "optimizer", None)
    if compile_config is not None and optimizer is not None and getattr(optimizer, "built", False):
        variables = {f"vars/{i}": v for i, v in enumerate(optimizer.variables)}
        members.append((OPTIMIZER_WEIGHTS, _safetensors_bytes(variables)))
    members.append((random_state.RANDOM_STATE, json.dumps(random_state.capture(layer_paths(model))).encode()))
    with atomic_write(filepath) as f:
        _write_archive(f, members)


def save_weights_only(model, filepath, overwrite=True):
    """Write every weight of ``model`` to one ``.weights.safetensors`` file."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".weights.h5"):        # Keras 3's HDF5 layout
        from . import keras_archive
        if _check_overwrite(filepath, overwrite):
            keras_archive.save_weights(model, filepath)
        return
    if not filepath.endswith(WEIGHTS_SUFFIX):
        raise ValueError(
            "save_weights: the filename must end in `.weights.safetensors` (nerve's weights format) or "
            f"`.weights.h5` (Keras's). Received: filepath={filepath}"
        )
    if not _check_overwrite(filepath, overwrite):
        return
    data = _safetensors_bytes(weight_paths(model))
    with atomic_write(filepath) as f:
        f.write(data)


# ---- load ---------------------------------------------------------------------------------

MAX_WEIGHTS_BYTES = 16 << 30       # per weights member or file; raise it for a larger model
MAX_CONFIG_BYTES = 64 << 20


def _limits():
    return {METADATA: 1 << 20, CONFIG: MAX_CONFIG_BYTES, MODEL_WEIGHTS: MAX_WEIGHTS_BYTES,
            OPTIMIZER_WEIGHTS: MAX_WEIGHTS_BYTES, random_state.RANDOM_STATE: 4 << 20}


def _json_member(members, name, filepath):
    try:
        return json.loads(members[name])
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise fail(filepath, f"'{name}' is not valid JSON ({type(err).__name__}: {str(err)[:200]})") from None


def _assign(variables, arrays, filepath, what, skip_mismatch=False, operation="load_model"):
    """Check every array against its variable (presence, shape, dtype), then assign them all."""
    missing = [p for p in variables if p not in arrays]
    unexpected = [p for p in arrays if p not in variables]
    if missing or unexpected:
        raise fail(filepath, f"the {what} do not match the model: missing {missing[:5]}"
                             f"{' ...' if len(missing) > 5 else ''}, unexpected {unexpected[:5]}"
                             f"{' ...' if len(unexpected) > 5 else ''} ({len(variables)} expected, "
                             f"{len(arrays)} in the file)", operation)
    skipped = []
    for path, variable in variables.items():
        array = arrays[path]
        if tuple(array.shape) != tuple(variable.shape) or array.dtype != variable.dtype:
            if skip_mismatch:
                skipped.append(path)
                continue
            raise fail(filepath, f"{what[:-1]} '{path}' ({variable.path}) has shape {tuple(variable.shape)} "
                                 f"and dtype {variable.dtype.name} in the model, but shape "
                                 f"{tuple(array.shape)} and dtype {array.dtype.name} in the file", operation)
    for path, variable in variables.items():
        if path not in skipped:
            variable.assign(arrays[path])
    if skipped:
        import warnings
        warnings.warn(f"load_weights: skipped {len(skipped)} weights whose shape or dtype differ: {skipped}",
                      stacklevel=3)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in ``filepath`` (by ``model.save``), with its weights and, when ``compile``,
    its compile config and optimizer state.

    The file is hostile input until proven otherwise: its zip is read with limits
    (``nerve.saving.archive``), every object its config names goes through the gate
    (``nerve.saving.object_registry``), every weight the config asks for is checked against the
    weights file's tensors before it is allocated, and the tensors against their checksum.

    Args:
        filepath: a ``.nerve`` (or ``.keras``) file written by nerve.
        custom_objects: name -> class or function, for custom layers, losses, metrics.
        compile: restore the compile config and optimizer state (True) or return it uncompiled.
        safe_mode: True (default) refuses objects that hold Python code (Lambda) at any depth.
            False lets them through: only for a file you trust completely. Only this argument
            decides: nothing in the file can change it.

    Raises:
        ModelFileError (a ValueError): naming the file and the problem, for any missing, corrupt,
            unsafe or mismatched content.
    """
    filepath = os.fspath(filepath)
    from . import keras_archive
    if filepath.endswith(".keras") and keras_archive.is_keras_archive(filepath):
        return keras_archive.load_model(filepath, custom_objects, compile=compile, safe_mode=safe_mode)
    members = read_members(filepath, _limits(), required=(CONFIG, MODEL_WEIGHTS))
    config = _json_member(members, CONFIG, filepath)
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise fail(filepath, f"'{CONFIG}' does not describe a model (no class_name/config)")
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    shapes = tensor_file.shapes_from_bytes(members[MODEL_WEIGHTS], filepath, MODEL_WEIGHTS)
    with safe_mode_scope(safe_mode), custom_object_scope(custom_objects or {}):
        try:
            with tensor_file.allocation_guard(shapes, filepath, MODEL_WEIGHTS), random_state.no_draws():
                model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
        except ModelFileError:
            raise
        except Exception as err:           # a malformed config fails in the constructor it reaches
            raise fail(filepath, f"the architecture cannot be rebuilt: {_describe(err)}") from err
        if not isinstance(model, Layer):
            raise fail(filepath, f"'{CONFIG}' describes a {type(model).__name__}, not a model")
        arrays = tensor_file.from_bytes(members[MODEL_WEIGHTS], filepath, MODEL_WEIGHTS)
        _assign(weight_paths(model), arrays, filepath, "weights")
        if compile and compile_config:
            try:
                model.compile_from_config(compile_config)
            except Exception as err:
                raise fail(filepath, f"the compile config cannot be restored ({_describe(err)}); pass "
                                     "custom_objects= or compile=False") from err
            if OPTIMIZER_WEIGHTS in members:
                _load_optimizer(model, members[OPTIMIZER_WEIGHTS], filepath)
        if random_state.RANDOM_STATE in members:
            random_state.restore(_json_member(members, random_state.RANDOM_STATE, filepath), layer_paths(model),
                                 filepath, restore_global=bool(compile and compile_config))
    return model


def _describe(err):
    text = str(err) if not isinstance(err, RecursionError) else "the config is nested too deeply"
    return text[:600] if isinstance(err, ValueError) else f"{type(err).__name__}: {text[:600]}"


def _load_optimizer(model, data, filepath):
    optimizer = model.optimizer
    arrays = tensor_file.from_bytes(data, filepath, OPTIMIZER_WEIGHTS)
    expected = len(arrays)
    if not getattr(optimizer, "built", False):
        try:
            optimizer.build(model.trainable_weights)
        except Exception as err:
            raise fail(filepath, f"the optimizer cannot be built ({_describe(err)})") from err
    variables = {f"vars/{i}": v for i, v in enumerate(optimizer.variables)}
    if len(variables) != expected:
        raise fail(filepath, f"'{OPTIMIZER_WEIGHTS}' holds {expected} optimizer variables, the optimizer "
                             f"has {len(variables)}")
    _assign(variables, arrays, filepath, "optimizer variables")


def load_weights_only(model, filepath, skip_mismatch=False, by_name=False):
    """Assign the weights stored in a ``.weights.safetensors`` file (or a saved model file) to ``model``;
    Keras's ``.weights.h5``, legacy ``.h5`` (``by_name`` there) and ``.keras`` files too."""
    filepath = os.fspath(filepath)
    from . import keras_archive
    if filepath.endswith((".h5", ".hdf5")) or (filepath.endswith(".keras") and keras_archive.is_keras_archive(filepath)):
        return keras_archive.load_weights(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)
    if filepath.endswith(WEIGHTS_SUFFIX):
        arrays = tensor_file.from_bytes(_read_weights_file(filepath), filepath, os.path.basename(filepath),
                                        "load_weights")
    elif filepath.endswith(MODEL_SUFFIXES):
        members = read_members(filepath, _limits(), required=(MODEL_WEIGHTS,), what="load_weights")
        arrays = tensor_file.from_bytes(members[MODEL_WEIGHTS], filepath, MODEL_WEIGHTS, "load_weights")
    else:
        raise ValueError(
            "load_weights: the filename must end in `.weights.safetensors`, `.weights.h5` or `.h5`, or be a "
            f"`.nerve` or `.keras` model file. Received: filepath={filepath}"
        )
    variables = weight_paths(model)
    if arrays and not variables:
        raise ValueError(
            f"load_weights: model '{model.name}' has no weights yet (it is not built): call it on a "
            f"batch of data or build() it before loading '{filepath}'"
        )
    _assign(variables, arrays, filepath, "weights", skip_mismatch=skip_mismatch, operation="load_weights")


def _read_weights_file(filepath):
    if not os.path.isfile(filepath):
        raise ModelFileError(f"load_weights: file not found: filepath={filepath}")
    size = os.path.getsize(filepath)
    if size > MAX_WEIGHTS_BYTES:
        raise fail(filepath, f"{size} bytes, over the limit of {MAX_WEIGHTS_BYTES} "
                             "(nerve.saving.saving_lib.MAX_WEIGHTS_BYTES)", "load_weights")
    with open(filepath, "rb") as f:
        return f.read()

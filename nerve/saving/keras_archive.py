"""Keras 3's own files, read and written: ``.keras`` archives and ``.weights.h5`` weights.

A ``.keras`` file, as Keras 3 writes it, is a zip of ``metadata.json`` (the Keras version and
date), ``config.json`` (``serialize_keras_object(model)`` with the ``compile_config``) and
``model.weights.h5`` (:mod:`nerve.saving.keras_h5`'s Keras 3 layout, the optimizer's state under
``optimizer``). nerve writes exactly that (module paths and arguments in Keras's form,
:mod:`nerve.saving.keras_config`), so Keras 3 loads it, and loads Keras's files the way it loads
its own ``.nerve`` files: the zip through the same bounded reader, every object the config names
through the same gate (no module path from the file, Lambda refused unless ``safe_mode=False``),
every weight the config asks for checked against the file's shapes before it is allocated.

Use ``.nerve`` (JSON + safetensors, checksummed) for nerve's own work; ``.keras`` / ``.weights.h5``
to exchange models with Keras.
"""

import datetime
import io
import json
import os

from ..layers.layer import Layer
from ..utils.file_utils import atomic_write
from . import keras_config, keras_h5
from .archive import ModelFileError, fail, read_members
from .object_registry import safe_mode_scope
from .serialization import (compile_config_or_none, custom_object_scope, deserialize_keras_object,
                            serialize_keras_object)

METADATA = "metadata.json"
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
KERAS_FORMAT_VERSION = "3.0.0"        # the Keras file format written (read back by Keras 3.x)
MAX_CONFIG_BYTES = 64 << 20


# ---- weights ------------------------------------------------------------------------------------

def save_weights(model, filepath):
    """Write every weight of ``model`` to a ``.weights.h5`` file in Keras 3's layout."""
    from .saving_lib import weight_paths
    if not weight_paths(model):
        raise ValueError(f"save_weights: model '{model.name}' has no weights yet (it is not built): call it "
                         "on a batch of data or build() it first")
    buffer = io.BytesIO()
    keras_h5.write_groups(buffer, _weight_groups(model))
    with atomic_write(filepath) as f:
        f.write(buffer.getvalue())


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Assign the weights of a Keras ``.weights.h5`` file, or of a legacy Keras 2 ``.h5`` file (the
    ``keras.applications`` ImageNet weights), to ``model``."""
    from .saving_lib import MAX_WEIGHTS_BYTES, weight_paths
    if not os.path.isfile(filepath):
        raise ModelFileError(f"load_weights: file not found: filepath={filepath}")
    if not weight_paths(model):
        raise ValueError(f"load_weights: model '{model.name}' has no weights yet (it is not built): call it "
                         f"on a batch of data or build() it before loading '{filepath}'")
    source = filepath
    if filepath.endswith(".keras"):           # the weights member of a Keras archive
        limits = {METADATA: 1 << 20, CONFIG: MAX_CONFIG_BYTES, WEIGHTS: MAX_WEIGHTS_BYTES}
        source = io.BytesIO(read_members(filepath, limits, required=(WEIGHTS,), what="load_weights")[WEIGHTS])
    handle, reader = keras_h5.open_reader(source, filepath, "load_weights")
    with handle:
        if keras_h5.is_legacy(reader):
            keras_h5.assign_legacy(reader, model, by_name=by_name, skip_mismatch=skip_mismatch)
        else:
            if by_name:
                raise ValueError("load_weights: by_name=True applies to legacy Keras 2 .h5 files; this file is "
                                 "in Keras 3's layout, matched by layer position and class")
            keras_h5.assign_groups(reader, keras_h5.model_groups(weight_paths(model)), skip_mismatch)
            _load_optimizer_state(model, reader)


def _weight_groups(model):
    from .saving_lib import weight_paths
    groups = {g: [v.numpy() for v in variables] for g, variables in keras_h5.model_groups(weight_paths(model)).items()}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "built", False):
        groups["optimizer"] = [v.numpy() for v in optimizer.variables]
    return groups


def _load_optimizer_state(model, reader):
    """The file's ``optimizer`` group into a built optimizer whose variables match it (else left:
    Keras, too, skips an optimizer state that does not fit)."""
    optimizer = getattr(model, "optimizer", None)
    stored = keras_h5.keras3_arrays(reader).get("optimizer")
    if not stored or optimizer is None:
        return
    if not getattr(optimizer, "built", False):
        optimizer.build(model.trainable_weights)
    variables = optimizer.variables
    paths = [stored.get(i) for i in range(len(variables))]
    if len(stored) != len(variables) or any(
            p is None or tuple(reader.datasets[p].shape) != tuple(v.shape) for p, v in zip(paths, variables)):
        import warnings
        warnings.warn(f"load: the optimizer state in the file ({len(stored)} variables) does not fit optimizer "
                      f"'{optimizer.name}' ({len(variables)} variables); it starts afresh", stacklevel=3)
        return
    for variable, path in zip(variables, paths):
        variable.assign(reader.array(path).astype(variable.dtype, copy=False))


# ---- whole models -------------------------------------------------------------------------------

def save_model(model, filepath):
    """Write ``model`` to a ``.keras`` archive that Keras 3 loads."""
    import zipfile

    import nerve
    config = keras_config.to_keras(serialize_keras_object(model))
    compile_config = compile_config_or_none(model, stacklevel=4)
    if compile_config is not None:
        config["compile_config"] = keras_config.to_keras(compile_config)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "saved_by": f"nerve {nerve.__version__}",
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = io.BytesIO()
    keras_h5.write_groups(weights, _weight_groups(model))
    with atomic_write(filepath) as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, data in ((METADATA, json.dumps(metadata).encode()), (CONFIG, json.dumps(config).encode()),
                               (WEIGHTS, weights.getvalue())):
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def is_keras_archive(filepath):
    """True when the zip ``filepath`` holds Keras's ``model.weights.h5`` (not nerve's safetensors)."""
    import zipfile
    try:
        with zipfile.ZipFile(filepath) as archive:
            return WEIGHTS in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model in a Keras 3 ``.keras`` archive, rebuilt through nerve's gate, with its weights and,
    when ``compile``, its compile config and optimizer state. ``safe_mode``: as in
    :func:`nerve.saving.load_model` (only the caller decides; nothing in the file does)."""
    from .saving_lib import MAX_WEIGHTS_BYTES, weight_paths
    limits = {METADATA: 1 << 20, CONFIG: MAX_CONFIG_BYTES, WEIGHTS: MAX_WEIGHTS_BYTES}
    members = read_members(filepath, limits, required=(CONFIG, WEIGHTS))
    try:
        config = json.loads(members[CONFIG])
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise fail(filepath, f"'{CONFIG}' is not valid JSON ({type(err).__name__})") from None
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise fail(filepath, f"'{CONFIG}' does not describe a model (no class_name/config)")
    config = keras_config.from_keras(config)
    compile_config = config.pop("compile_config", None)
    handle, reader = keras_h5.open_reader(io.BytesIO(members[WEIGHTS]), filepath, "load_model")
    with handle, safe_mode_scope(safe_mode), custom_object_scope(custom_objects or {}):
        model = _rebuild(config, reader, filepath, custom_objects, safe_mode)
        keras_h5.assign_groups(reader, keras_h5.model_groups(weight_paths(model)))
        if compile and compile_config:
            try:
                model.compile_from_config(compile_config)
            except Exception as err:
                raise fail(filepath, f"the compile config cannot be restored ({str(err)[:300]}); pass "
                                     "custom_objects= or compile=False") from err
            _load_optimizer_state(model, reader)
    return model


def _rebuild(config, reader, filepath, custom_objects, safe_mode):
    from . import tensor_file
    shapes = {path: tuple(d.shape) for path, d in reader.datasets.items()}
    try:
        with tensor_file.allocation_guard(shapes, filepath, WEIGHTS):
            model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    except ModelFileError:
        raise
    except Exception as err:          # a malformed config fails in the constructor it reaches
        raise fail(filepath, f"the architecture cannot be rebuilt: {str(err)[:600]}") from err
    if not isinstance(model, Layer):
        raise fail(filepath, f"'{CONFIG}' describes a {type(model).__name__}, not a model")
    return model

"""Keras's HDF5 weight files, through h5py (the ``h5`` extra), read as hostile input.

Two layouts:

- **Keras 3** (``model.save_weights("x.weights.h5")``, and ``model.weights.h5`` inside a ``.keras``
  archive): one group per object that holds weights, at the path nerve's ``.nerve`` files use too
  (``layers/<class in snake_case>[_k]``, attribute names for sub-layers, ``optimizer`` for the
  optimizer), with the weights as datasets ``<group>/vars/0``, ``vars/1``, ... in ``get_weights()``
  order.
- **legacy Keras 2 / tf.keras** (``*.h5``, the ImageNet files of ``keras.applications``): the root
  attribute ``layer_names`` lists the layers that have weights; each layer's group has an attribute
  ``weight_names`` ("conv1/kernel:0", ...) naming its datasets, trainable weights first. A full-model
  file keeps them under a ``model_weights`` group. Loaded layer by layer in order (as Keras does),
  or matched by layer name with ``by_name=True``.

Reading is bounded before anything is allocated: only groups, hard links and plain numeric
datasets are accepted (no soft or external links, external or virtual datasets, references or
strings as weights); every dataset's declared size is checked against a per-file cap and against
the bytes it stores (a dataset that declares gigabytes and stores a fill value is a decompression
bomb); only the attributes a layout needs are read, fixed-size and capped. Every weight's shape is
checked against the model before any is assigned, and a mismatch names the layer and both shapes.
"""

import math

import numpy

from .archive import ModelFileError, fail

MAX_WEIGHTS_BYTES = 16 << 30      # declared bytes of all datasets in one file
MAX_OBJECTS = 200_000             # groups + datasets
MAX_ATTRIBUTE_BYTES = 4 << 20     # one attribute (a legacy file's layer_names)
_BOMB_FLOOR_BYTES = 1 << 20       # above this, a dataset must store at least 1/1000 of what it declares
_MAX_EXPANSION = 1000


def h5py():
    """The h5py module, or an ImportError naming the extra to install."""
    try:
        import h5py as module
    except ImportError:
        raise ImportError("Keras's .weights.h5, .h5 and .keras files need h5py: "
                          "pip install 'nerve[h5]' (or pip install h5py)") from None
    return module


# ---- writing: Keras 3's layout --------------------------------------------------------------

def write_groups(target, groups):
    """Write ``{group_path: [array, ...]}`` in Keras 3's layout (``<group>/vars/<i>``) to
    ``target`` (a path or a binary file object)."""
    with h5py().File(target, "w") as f:
        for path, arrays in groups.items():
            group = f.require_group(path) if path else f
            vars_group = group.create_group("vars")
            for i, array in enumerate(arrays):
                vars_group.create_dataset(str(i), data=numpy.asarray(array))


def model_groups(variables):
    """``{group_path: [Variable, ...]}`` from nerve's ``{".../vars/<i>": Variable}`` weight paths."""
    groups = {}
    for path, variable in variables.items():
        group, index = _split_path(path)
        groups.setdefault(group, {})[index] = variable
    return {group: [by_index[i] for i in sorted(by_index)] for group, by_index in groups.items()}


def _split_path(path):
    group, _, index = path.rpartition("vars/")
    return group.rstrip("/"), int(index)


# ---- reading, bounded ---------------------------------------------------------------------------

class _Reader:
    """The checked contents of one open HDF5 file: ``datasets`` {path: h5py.Dataset}, ``groups``."""

    def __init__(self, handle, filepath, what):
        self.handle, self.filepath, self.what = handle, filepath, what
        self.datasets, self.groups, self.declared = {}, {"": handle}, 0
        self._walk(handle, "")

    def fail(self, problem):
        return fail(self.filepath, problem, self.what)

    def _walk(self, group, prefix):
        module = h5py()
        stack = [(group, prefix)]
        while stack:
            group, prefix = stack.pop()
            for name in group:
                if len(self.datasets) + len(self.groups) > MAX_OBJECTS:
                    raise self.fail(f"more than {MAX_OBJECTS} objects in the HDF5 file: refused")
                path = f"{prefix}/{name}" if prefix else name
                link = group.get(name, getlink=True)
                if not isinstance(link, module.HardLink):
                    raise self.fail(f"'{path}' is a {type(link).__name__}: only plain HDF5 objects are "
                                    "accepted (no soft or external links)")
                item = group[name]
                if isinstance(item, module.Group):
                    self.groups[path] = item
                    stack.append((item, path))
                elif isinstance(item, module.Dataset):
                    self._check_dataset(item, path)
                    self.datasets[path] = item
                else:
                    raise self.fail(f"'{path}' is a {type(item).__name__}: not a group or dataset")

    def _check_dataset(self, dataset, path):
        if dataset.external:
            raise self.fail(f"dataset '{path}' keeps its data in an external file: refused")
        if dataset.is_virtual:
            raise self.fail(f"dataset '{path}' is a virtual dataset: refused")
        if dataset.dtype.kind not in "fiub" or dataset.dtype.fields is not None:
            raise self.fail(f"dataset '{path}' has dtype {dataset.dtype}: weights are numbers")
        declared = math.prod(dataset.shape or ()) * dataset.dtype.itemsize
        stored = dataset.id.get_storage_size()
        if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
            raise self.fail(f"dataset '{path}' declares {declared} bytes but stores {stored}: refused as a "
                            "decompression bomb")
        self.declared += declared
        if self.declared > MAX_WEIGHTS_BYTES:
            raise self.fail(f"the datasets declare more than {MAX_WEIGHTS_BYTES} bytes "
                            "(nerve.saving.keras_h5.MAX_WEIGHTS_BYTES): refused")

    def attribute_strings(self, obj, name):
        """A fixed-size string-array attribute (and its chunks ``name0``, ``name1``, ... as Keras
        splits long ones) as a list of str; [] when absent."""
        if name in obj.attrs:
            return self._strings(obj, name)
        values, chunk = [], 0
        while f"{name}{chunk}" in obj.attrs:
            values += self._strings(obj, f"{name}{chunk}")
            chunk += 1
        return values

    def _strings(self, obj, name):
        module = h5py()
        attr_id = module.h5a.open(obj.id, name.encode())
        try:
            stored = attr_id.get_storage_size()
        except RuntimeError:            # HDF5 reports 0 as an error (an empty or variable-length one)
            stored = 0
        if stored > MAX_ATTRIBUTE_BYTES or math.prod(attr_id.shape or ()) > MAX_OBJECTS:
            raise self.fail(f"attribute '{name}' holds {stored} bytes: refused")
        if attr_id.shape and math.prod(attr_id.shape) == 0:    # an empty list (Keras writes float64 [])
            return []
        # fixed-size strings (Keras 2) are capped above; variable-length ones (Keras 3's legacy writer)
        # live uncompressed in the file's heap, so they cannot hold more than the file's own bytes
        if attr_id.dtype.kind != "S" and module.check_string_dtype(attr_id.dtype) is None:
            raise self.fail(f"attribute '{name}' has dtype {attr_id.dtype}: expected strings")
        values = obj.attrs[name]
        return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in numpy.atleast_1d(values)]

    def array(self, path):
        return numpy.asarray(self.datasets[path][()])


def open_reader(source, filepath, what):
    """``(h5py.File, _Reader)`` for ``source`` (a path or a binary file object); refuses a file that
    is not HDF5 with a ModelFileError naming it."""
    try:
        handle = h5py().File(source, "r")
    except OSError as err:
        raise fail(filepath, f"not an HDF5 file ({str(err)[:200]})", what) from None
    try:
        return handle, _Reader(handle, filepath, what)
    except BaseException:
        handle.close()
        raise


def keras3_arrays(reader):
    """``{group_path: {index: dataset path}}`` of a Keras 3 layout file."""
    groups = {}
    for path in reader.datasets:
        group, _, index = path.rpartition("/")
        if not (group == "vars" or group.endswith("/vars")) or not index.isdigit():
            raise reader.fail(f"dataset '{path}' is not a Keras 3 weight (<group>/vars/<i>)")
        owner = group[:-len("vars")].rstrip("/")
        groups.setdefault(owner, {})[int(index)] = path
    return groups


def assign_groups(reader, groups, skip_mismatch=False, ignore=("optimizer",)):
    """Check every weight the model has against the file's group of the same path, then assign.

    Args:
        groups: the model's ``{group_path: [Variable, ...]}`` (:func:`model_groups`).
        ignore: top-level file groups the model side does not hold (the optimizer's state).
    """
    file_groups = {g: v for g, v in keras3_arrays(reader).items() if g.split("/")[0] not in ignore}
    missing = [g for g in groups if g not in file_groups]
    unexpected = [g for g in file_groups if g not in groups]
    if missing or unexpected:
        raise reader.fail(f"the weights do not match the model: layers missing from the file "
                          f"{missing[:5]}{' ...' if len(missing) > 5 else ''}, in the file but not the "
                          f"model {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}")
    pairs = []
    for group, variables in groups.items():
        stored = file_groups[group]
        if sorted(stored) != list(range(len(variables))):
            raise reader.fail(f"layer group '{group}' holds {len(stored)} weights in the file, the model's "
                              f"layer ({variables[0].path.rsplit('/', 1)[0]}) has {len(variables)}")
        for i, variable in enumerate(variables):
            pairs.append((variable, stored[i]))
    _check_and_assign(reader, pairs, skip_mismatch)


def _check_and_assign(reader, pairs, skip_mismatch):
    """``pairs`` of (Variable, dataset path): every shape checked first, then every value assigned."""
    skipped = set()
    for variable, path in pairs:
        shape = tuple(reader.datasets[path].shape)
        if shape != tuple(variable.shape):
            if skip_mismatch:
                skipped.add(id(variable))
                continue
            raise reader.fail(f"weight '{variable.path}' has shape {tuple(variable.shape)} in the model but "
                              f"{shape} in the file (dataset '{path}')")
    for variable, path in pairs:
        if id(variable) not in skipped:
            variable.assign(reader.array(path).astype(variable.dtype, copy=False))
    if skipped:
        import warnings
        warnings.warn(f"load_weights: skipped {len(skipped)} weights whose shape differs from the file's",
                      stacklevel=4)


# ---- legacy (Keras 2 / tf.keras) files ----------------------------------------------------------

def is_legacy(reader):
    root = reader.handle
    return "layer_names" in root.attrs or "layer_names0" in root.attrs or "model_weights" in reader.groups


def assign_legacy(reader, model, by_name=False, skip_mismatch=False):
    """Load a Keras 2 layout: the file's layers with weights, in order (or by name), into the
    model's layers with weights (each layer's trainable then non-trainable weights)."""
    root = reader.groups["model_weights"] if "layer_names" not in reader.handle.attrs and \
        "model_weights" in reader.groups else reader.handle
    prefix = "model_weights/" if root is not reader.handle else ""
    file_layers = []
    for name in reader.attribute_strings(root, "layer_names"):
        group_path = prefix + name
        if group_path not in reader.groups:
            raise reader.fail(f"layer_names lists '{name}', which has no group in the file")
        weight_names = reader.attribute_strings(reader.groups[group_path], "weight_names")
        for weight in weight_names:
            if f"{group_path}/{weight}" not in reader.datasets:
                raise reader.fail(f"layer '{name}' names weight '{weight}', which is not in the file")
        if weight_names:
            file_layers.append((name, [f"{group_path}/{w}" for w in weight_names]))
    # the model's layers in order, a nested model as one layer (as Keras 2 saved them)
    layers = [layer for layer in getattr(model, "layers", []) if _legacy_weights(layer)]
    if by_name:
        by_layer = {layer.name: layer for layer in layers}
        matched = [(by_layer[name], paths) for name, paths in file_layers if name in by_layer]
    else:
        if len(file_layers) != len(layers):
            raise reader.fail(f"the file holds weights for {len(file_layers)} layers, the model has "
                              f"{len(layers)} layers with weights (file: {[n for n, _ in file_layers][:6]} ...; "
                              f"model: {[layer.name for layer in layers][:6]} ...)")
        matched = list(zip(layers, [paths for _, paths in file_layers]))
    pairs = []
    for layer, paths in matched:
        weights = _legacy_weights(layer)
        if len(weights) != len(paths):
            if skip_mismatch:
                continue
            raise reader.fail(f"layer '{layer.name}' ({type(layer).__name__}) has {len(weights)} weights, the "
                              f"file's layer has {len(paths)}: {[p.rsplit('/', 1)[-1] for p in paths]}")
        pairs.extend(zip(weights, paths))
    _check_and_assign(reader, pairs, skip_mismatch)


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


__all__ = ["ModelFileError", "assign_groups", "assign_legacy", "h5py", "is_legacy", "model_groups",
           "open_reader", "write_groups"]

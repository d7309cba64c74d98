"""The random state saved with a model, so that training resumes exactly.

Training draws from nerve's global generator (shuffling, unseeded Dropout and augmentation) and
from generators some layers own (a layer given a ``seed``, a ``SeedGenerator`` attribute). A
model file records all of them (``random_state.json``); ``load_model`` builds the model without
drawing from any of them (its throwaway initial weights come from scratch generators), then
puts each layer's generator back and, when the model is loaded to resume training
(``compile=True``), the global one too. So, on the CPU:

    fit 2 epochs -> save -> load -> fit 1 epoch  ==  fit 3 epochs, bit for bit.

The file's state is data, checked field by field: a bit generator is only ever PCG64, never one
named by the file.
"""

import contextlib
import random as _python_random

import numpy

from .. import backend
from .archive import fail

RANDOM_STATE = "random_state.json"
_GENERATOR_ATTRIBUTES = ("_generator", "_own_rng")      # the generators nerve's seeded layers own


def _pcg64_state(generator):
    state = generator.bit_generator.state
    return state if state.get("bit_generator") == "PCG64" else None


def capture(layer_paths):
    """The JSON-ready random state: the global CPU generator and each layer's own.

    Args:
        layer_paths: ``[(path, layer)]`` (``saving_lib.layer_paths(model)``).
    """
    from ..random.seed_generator import SeedGenerator
    layers, seed_generators = {}, {}
    for path, layer in layer_paths:
        for name, value in vars(layer).items():
            key = f"{path}/{name}" if path else name
            if name in _GENERATOR_ATTRIBUTES and isinstance(value, numpy.random.Generator):
                state = _pcg64_state(value)
                if state is not None:
                    layers[key] = state
            elif isinstance(value, SeedGenerator):
                seed_generators[key] = [int(v) for v in backend.to_numpy(value.state.data)]
    return {"format": 1, "global": _pcg64_state(backend.rng(numpy)), "layers": layers,
            "seed_generators": seed_generators}


@contextlib.contextmanager
def no_draws():
    """Build objects without drawing from nerve's generators or Python's ``random``: draws made in
    the block come from scratch generators, and every generator is as it was afterwards."""
    saved_cpu, saved_gpu = backend._rng, backend._gpu_rng
    saved_python = _python_random.getstate()
    backend._rng = numpy.random.default_rng(0)
    if backend._cupy is not None:
        backend._gpu_rng = backend._cupy.random.default_rng(0)
    try:
        yield
    finally:
        backend._rng, backend._gpu_rng = saved_cpu, saved_gpu
        _python_random.setstate(saved_python)


def restore(state, layer_paths, filepath, restore_global):
    """Put the saved generators back (see the module docstring).

    Raises:
        ModelFileError: the state is malformed or does not fit the model.
    """
    from ..random.seed_generator import SeedGenerator
    if not isinstance(state, dict) or state.get("format") != 1:
        raise fail(filepath, f"'{RANDOM_STATE}' is not a random state nerve wrote")
    by_path = dict(layer_paths)
    assignments = []                              # everything is checked first, then assigned
    for key, saved in _items(state, "layers", filepath):
        layer, name = _owner(by_path, key, filepath)
        current = vars(layer).get(name, False)
        if name not in _GENERATOR_ATTRIBUTES or not (current is None or isinstance(current, numpy.random.Generator)):
            raise fail(filepath, f"'{RANDOM_STATE}' holds a generator for '{key:.120}', which the model does not have")
        assignments.append(_setter(layer, name, _checked_pcg64(saved, key, filepath)))
    for key, saved in _items(state, "seed_generators", filepath):
        layer, name = _owner(by_path, key, filepath)
        current = vars(layer).get(name)
        if not isinstance(current, SeedGenerator) or not (
                isinstance(saved, list) and len(saved) == 2 and all(type(v) is int and abs(v) < 2 ** 63 for v in saved)):
            raise fail(filepath, f"'{RANDOM_STATE}': a bad SeedGenerator state for '{key:.120}'")
        assignments.append(lambda current=current, saved=saved: current.state.assign(numpy.array(saved, "int64")))
    if restore_global and state.get("global") is not None:
        assignments.append(_setter(backend, "_rng", _checked_pcg64(state["global"], "global", filepath)))
    for assign in assignments:
        assign()


def _setter(owner, name, pcg64_state):
    """Sets ``owner.<name>`` (one of nerve's fixed generator attributes) to a generator in that state."""
    def assign():
        generator = numpy.random.Generator(numpy.random.PCG64())
        generator.bit_generator.state = pcg64_state
        setattr(owner, name, generator)
    return assign


def _items(state, field, filepath):
    value = state.get(field) or {}
    if not isinstance(value, dict):
        raise fail(filepath, f"'{RANDOM_STATE}': '{field}' is not an object")
    return value.items()


def _owner(by_path, key, filepath):
    path, _, name = key.rpartition("/")
    if path not in by_path:
        raise fail(filepath, f"'{RANDOM_STATE}' names a layer '{path:.120}' the model does not have")
    return by_path[path], name


def _checked_pcg64(saved, key, filepath):
    """A PCG64 state dict with every field an int in range (the only bit generator nerve restores)."""
    def bad():
        return fail(filepath, f"'{RANDOM_STATE}': the generator state of '{key:.120}' is not a valid PCG64 state")
    if not isinstance(saved, dict) or saved.get("bit_generator") != "PCG64" or not isinstance(saved.get("state"), dict):
        raise bad()
    inner = saved["state"]
    fields = (inner.get("state"), inner.get("inc"), saved.get("has_uint32"), saved.get("uinteger"))
    limits = (2 ** 128, 2 ** 128, 2, 2 ** 32)
    if not all(type(v) is int and 0 <= v < limit for v, limit in zip(fields, limits)):
        raise bad()
    return {"bit_generator": "PCG64", "state": {"state": fields[0], "inc": fields[1]},
            "has_uint32": fields[2], "uinteger": fields[3]}

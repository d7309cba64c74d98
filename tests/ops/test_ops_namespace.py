"""nerve.ops as a namespace: no submodule hides an op of the same name (``ops.shape`` was the
module nerve/ops/shape.py, so ``ops.shape(x)[0]`` raised "module is not callable")."""

import importlib
import inspect
import pkgutil

import numpy as np

import nerve
from nerve import ops


def _submodules():
    return [info.name for info in pkgutil.iter_modules(ops.__path__)]


def test_shape_is_the_op():
    x = np.zeros((2, 3), "float32")
    assert ops.shape(x) == (2, 3) and ops.shape(x)[0] == 2
    assert ops.shape(nerve.Input((5,)))[1] == 5


def test_no_submodule_shadows_an_op_defined_in_another():
    defined = {}
    for module_name in _submodules():
        module = importlib.import_module(f"nerve.ops.{module_name}")
        for name, value in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(value):
                defined.setdefault(name, module_name)
    clashes = {m: defined[m] for m in _submodules() if m in defined}
    assert not clashes, f"submodules named like an op (op -> where it is defined): {clashes}"


def test_every_public_op_name_is_callable():
    submodules = set(_submodules())
    for name in dir(ops):
        if name.startswith("_") or name in submodules:
            continue
        value = getattr(ops, name)
        if inspect.ismodule(value):
            raise AssertionError(f"nerve.ops.{name} is a module, not an op")
        assert callable(value), f"nerve.ops.{name} is {type(value).__name__}, not callable"

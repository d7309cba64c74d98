"""Every differentiable op (Function subclass) nerve defines has a registered gradient check.

The registry is tests/gradchecked.py; its docstring says how to add an op.
"""

import functools
import importlib
import pathlib
import pkgutil
import re

import gradchecked
import nerve
from nerve.autodiff import Function

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOW = ("Write a test that calls nerve.testing.gradcheck on the op, then add a line to tests/gradchecked.py: "
       '"<module>.<Class>": "tests/<path>.py::<test name>" (see its docstring).')


@functools.lru_cache(maxsize=None)
def _nerve_functions():
    """Every Function subclass defined in nerve, by "module.QualName" (every module imported first)."""
    for module in pkgutil.walk_packages(nerve.__path__, "nerve."):
        if not module.name.endswith("__main__"):
            try:
                importlib.import_module(module.name)
            except ModuleNotFoundError as error:     # an optional package (onnx, mpi4py...) absent here
                if (error.name or "").startswith("nerve"):
                    raise
    found, stack = set(), [Function]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("nerve."):
                found.add(f"{sub.__module__}.{sub.__qualname__}")
    return found


def test_every_function_subclass_is_registered():
    missing = sorted(_nerve_functions() - set(gradchecked.GRADCHECKED) - set(gradchecked.NOT_CALLED))
    assert not missing, f"Function subclasses with no registered gradient check: {missing}. {HOW}"


def test_no_registered_op_is_stale():
    stale = sorted((set(gradchecked.GRADCHECKED) | set(gradchecked.NOT_CALLED)) - _nerve_functions())
    assert not stale, f"tests/gradchecked.py names classes that no longer exist: {stale}; remove their lines"


def test_each_registered_test_exists_and_gradchecks():
    problems = []
    for op, node in gradchecked.GRADCHECKED.items():
        path, _, test = node.partition("::")
        file = ROOT / path
        source = file.read_text() if file.is_file() else ""
        if not re.search(rf"^def {re.escape(test)}\(", source, re.M):
            problems.append(f"{op}: {node} not found")
        elif "gradcheck(" not in source:
            problems.append(f"{op}: {path} never calls gradcheck")
    assert not problems, "tests/gradchecked.py: " + "; ".join(problems)

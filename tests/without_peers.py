"""Run the tests as if some optional peers were not installed, without uninstalling them.

    NERVE_TEST_WITHOUT=torch,keras,tensorflow,jax pytest tests      (or: make test-without-peers)

nerve never imports PyTorch, Keras, TensorFlow or JAX; the tests use them only as second oracles
beside plain NumPy references. This checks that claim. Each finder on ``sys.meta_path`` is wrapped
so that it does not find the named top-level packages (nor anything under them), in every test
process (xdist workers import tests/conftest.py too). Inside that process it looks like a machine
without them: ``import torch`` raises ModuleNotFoundError("No module named 'torch'"),
``pytest.importorskip("torch")`` skips, ``importlib.util.find_spec("torch")`` is None and "torch"
is not in ``sys.modules`` (libraries such as SciPy test that to detect torch arrays).
Not covered: subprocesses a test starts (they run nerve, which imports none of these) and
``importlib.metadata``, which still lists the installed distributions.
"""

import os
import sys

ENV = "NERVE_TEST_WITHOUT"


def hidden_names():
    """The top-level package names listed in NERVE_TEST_WITHOUT (comma-separated), in order."""
    return [name.strip() for name in os.environ.get(ENV, "").split(",") if name.strip()]


class _Hiding:
    """A meta-path finder that finds what ``finder`` finds, except the packages in ``names``."""

    def __init__(self, finder, names):
        self.finder, self.names = finder, frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in self.names:
            return None
        return self.finder.find_spec(fullname, path, target)

    def __getattr__(self, attribute):          # invalidate_caches, find_distributions, ...
        return getattr(self.finder, attribute)

    def __repr__(self):
        return f"<{self.finder!r} hiding {', '.join(sorted(self.names))}>"


def hide(names):
    """Make each top-level package in ``names`` unimportable in this process, as if not installed.

    Refuses a name already imported (some object may hold the real module, so the run would not be
    the one of a machine without it) and a dotted name (only whole packages are ever absent).
    pytest's own assertion-rewriting finder is left as it is (pytest removes it by identity at exit;
    it finds only test modules, never these packages), and so is a legacy finder without find_spec.
    """
    names = list(names)
    for name in names:
        if "." in name or not name:
            raise ValueError(f"{ENV}: expected top-level package names, received {name!r}")
        if name in sys.modules:
            raise RuntimeError(f"{ENV}: {name!r} was imported before the tests started; cannot hide it")
    if names:
        sys.meta_path[:] = [_Hiding(finder, names) if _wrappable(finder) else finder for finder in sys.meta_path]


def _wrappable(finder):
    return hasattr(finder, "find_spec") and not type(finder).__module__.startswith("_pytest")

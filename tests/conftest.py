"""Shared fixtures: reproducible seeds, optional PyTorch, the offline data mirror.

Layout: tests/<package>/ tests nerve/<package>/, tests/test_<module>.py tests nerve/<module>.py;
numpy_reference.py holds the plain NumPy oracles, gradchecked.py the registry of gradient checks.
NERVE_TEST_WITHOUT=torch,keras,... runs the suite as if those peers were not installed
(without_peers.py, tested by test_without_peers.py; ``make test-without-peers``).
"""

import os
import pathlib

import numpy as np
import pytest

import nerve
import without_peers

without_peers.hide(without_peers.hidden_names())  # NERVE_TEST_WITHOUT=torch,...: before any test module imports

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIRROR = ROOT.parent / "shared" / "data"
if MIRROR.is_dir() and "NERVE_DATASETS_MIRROR" not in os.environ:
    os.environ["NERVE_DATASETS_MIRROR"] = str(MIRROR)


def pytest_report_header(config):
    names = without_peers.hidden_names()
    return [f"hidden as if not installed ({without_peers.ENV}): {', '.join(names)}"] if names else []


@pytest.fixture(autouse=True)
def _seeded():
    nerve.utils.set_random_seed(0)
    yield
    nerve.config.set_floatx("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch, for reference values; the test skips with a visible reason without it."""
    return pytest.importorskip("torch", reason="PyTorch is not installed: reference comparison skipped")

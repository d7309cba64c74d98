"""Shared fixtures: reproducible seeds, optional PyTorch, the offline data mirror."""

import os
import pathlib

import numpy as np
import pytest

import nerve

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIRROR = ROOT.parent / "shared" / "data"
if MIRROR.is_dir() and "NERVE_DATASETS_MIRROR" not in os.environ:
    os.environ["NERVE_DATASETS_MIRROR"] = str(MIRROR)


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

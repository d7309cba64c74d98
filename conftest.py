"""Names every docstring example in nerve/ may use (``pytest --doctest-modules nerve``)."""

import numpy as np
import pytest

import nerve


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace.update(nerve=nerve, np=np, ops=nerve.ops, keras=nerve)
    nerve.utils.set_random_seed(0)

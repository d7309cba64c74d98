"""examples/keras_guides/run_guides.py: splits a keras-io guide at its prose, rewrites only the
imports, runs the sections in one namespace and classes each failure by what it needs."""

import importlib.util
import os

import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "keras_guides", "run_guides.py")


@pytest.fixture(scope="module")
def runner():
    spec = importlib.util.spec_from_file_location("run_guides", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUIDE = '''"""
Title: a tiny guide
"""
import numpy as np
import keras
from keras import layers
import tensorflow as tf

"""
## A model
"""

model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
y = model(np.ones((1, 3), "float32"))

"""
TensorFlow, which nerve does not need:
"""

z = tf.ones((2, 2))

"""
Uses what failed above:
"""

print(z)

"""
A gap in nerve itself:
"""

keras.layers.NoSuchLayer()
'''


def test_sections_imports_and_classes(runner, tmp_path, monkeypatch):
    guide = tmp_path / "tiny_guide.py"
    guide.write_text(GUIDE)
    sections = runner.sections(str(guide))
    assert [line for line, _ in sections] == [4, 13, 20, 26, 32]
    assert runner.rewrite_imports("import keras\nfrom keras import ops").splitlines() == [
        "import nerve as keras", "from nerve import ops"]
    monkeypatch.chdir(tmp_path)
    results = runner.run_guide(str(guide), timeout=60)
    statuses = [r["status"] for r in results]
    tf_missing = statuses[2] != "ran"
    assert statuses[:2] == ["ran", "ran"] and statuses[4] == "nerve"
    if tf_missing:                                 # the usual case: TensorFlow is not installed
        assert statuses[2] == "TensorFlow" and statuses[3] == "after an earlier failure"
    assert "NoSuchLayer" in results[4]["error"]

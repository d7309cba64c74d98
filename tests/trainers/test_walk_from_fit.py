"""The newcomer's walk (README, "Read the code"): the files of nerve on the call stack from
``model.fit`` to a layer's op, forward and backward. Pinned, so that a restructure that adds a
file to the path a reader has to follow fails here first."""

import traceback

import numpy as np
import pytest

import nerve
from nerve.ops import convolution, nn

# the layer path the README counts: fit's loop, Layer.__call__, the layer, its op, the graph walk
LAYER_PATH = {"trainers/trainer.py", "layers/layer.py", "ops/{op}", "autodiff.py", "layers/{layer}"}
# what the model's own call adds: Model.__call__ (raw batches wrapped, build spec recorded), then
# the model's call: Sequential's loop or the functional graph
MODEL_CALL = {"sequential": {"models/model.py", "models/sequential.py"},
              "functional": {"models/model.py", "models/functional.py"}}


def files_on_stack():
    return {f.filename.split("/nerve/", 1)[1] for f in traceback.extract_stack()[:-2]
            if "/nerve/" in f.filename and "/tests/" not in f.filename}


@pytest.fixture
def record(monkeypatch):
    """Patch ``fn_class.forward/backward`` to record the nerve files on the stack when they run."""
    seen = {}

    def watch(fn_class):
        for method in ("forward", "backward"):
            original = getattr(fn_class, method)

            def wrapped(self, *args, _original=original, _method=method):
                seen.setdefault(_method, files_on_stack())
                return _original(self, *args)
            monkeypatch.setattr(fn_class, method, wrapped)
        return seen
    return watch


def build(kind, layer):
    if kind == "sequential":
        return nerve.Sequential([nerve.layers.Input((6, 6, 1)), layer, nerve.layers.Flatten()])
    inputs = nerve.layers.Input((6, 6, 1))
    return nerve.Model(inputs, nerve.layers.Flatten()(layer(inputs)))


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("layer_class, layer_file, fn_class, op_file", [
    (lambda: nerve.layers.Conv2D(2, 3), "convolutional.py", convolution.Conv, "convolution.py"),
    (lambda: nerve.layers.Dense(2), "core.py", nn.Affine, "nn.py"),
])
def test_fit_reaches_the_ops_backward_through_these_files_only(record, kind, layer_class, layer_file, fn_class,
                                                                 op_file):
    seen = record(fn_class)
    model = build(kind, layer_class())
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((4, 6, 6, 1), dtype=np.float32)
    model.fit(x, model.predict(x, verbose=0) + 1, verbose=0)
    allowed = {p.format(op=op_file, layer=layer_file) for p in LAYER_PATH} | MODEL_CALL[kind]
    assert seen["forward"] <= allowed, seen["forward"] - allowed
    assert seen["backward"] <= allowed, seen["backward"] - allowed
    assert {"trainers/trainer.py", f"layers/{layer_file}", f"ops/{op_file}"} <= seen["forward"]
    assert "autodiff.py" in seen["backward"]

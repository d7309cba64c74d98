"""Two processes with global batch B give the weights one process gets with batch B."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("mpi4py")
WORKER = os.path.join(os.path.dirname(__file__), "dp_worker.py")


def _mpiexec():
    found = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install mpich)")
    return found


def _run(command, out):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _load(out, rank):
    with np.load(os.path.join(out, f"weights_{rank}.npz")) as data:
        weights = [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]
    with open(os.path.join(out, f"history_{rank}.json")) as f:
        return weights, json.load(f)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_two_processes_equal_one(tmp_path, kind):
    single, parallel = tmp_path / "single", tmp_path / "parallel"
    single.mkdir()
    parallel.mkdir()
    _run([sys.executable, WORKER, str(single), kind, "single"], single)
    _run([_mpiexec(), "-n", "2", sys.executable, WORKER, str(parallel), kind, "parallel"], parallel)
    expected, expected_history = _load(single, 0)
    for rank in (0, 1):
        weights, history = _load(parallel, rank)
        for got, want in zip(weights, expected):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        for name, values in expected_history.items():       # every rank logs the global figures
            np.testing.assert_allclose(history[name], values, rtol=1e-4, atol=1e-5, err_msg=name)
    assert sorted(p.name for p in parallel.iterdir() if not p.name.startswith(("weights_", "history_"))) == [
        "model.nerve", "written_by_0.txt"]                     # only rank 0 writes files
    w0, _ = _load(parallel, 0)
    w1, _ = _load(parallel, 1)
    for a, b in zip(w0, w1):                                    # the replicas never drift apart
        np.testing.assert_array_equal(a, b)


def test_cli_processes_trains_as_one_process(tmp_path):
    """``nerve train ... --processes 2``: the run folder of rank 0 holds what one process writes."""
    mirror = os.environ.get("NERVE_DATASETS_MIRROR", "")
    if not (mirror and os.path.isdir(os.path.join(mirror.split(os.pathsep)[0], "mnist"))):
        pytest.skip("needs the MNIST mirror (NERVE_DATASETS_MIRROR)")
    _mpiexec()
    results = {}
    for processes in (1, 2):
        out = tmp_path / f"p{processes}"
        _run([sys.executable, "-m", "nerve", "train", "mlp", "--dataset", "mnist", "--epochs", "1", "--limit", "600",
              "--seed", "3", "--verbose", "0", "--out", str(out), "--processes", str(processes)], out)
        with open(out / "metrics.json") as f:
            results[processes] = json.load(f)
    assert results[2]["test_accuracy"] == pytest.approx(results[1]["test_accuracy"], abs=1e-4)
    assert results[2]["test_loss"] == pytest.approx(results[1]["test_loss"], rel=1e-4)

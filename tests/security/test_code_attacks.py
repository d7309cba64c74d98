"""A model file must never run code: crafted configs against every entry point, in a child process.

Each attack is the pattern of a published Keras CVE (CVE-2024-3660, CVE-2025-1550, 9905, 9906):
a Lambda (or a module path) hidden anywhere a config can hold an object, the pydoc.pipepager
payload that runs a shell command, and configs that ask for safe_mode=False. They all run in one
fresh child process (imports happen once per process, so only a fresh one shows what a load
imported), which reports, for each attack and entry point, the error, whether the payload's
marker file appeared and which modules the load imported.
"""

import copy
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from safetensors.numpy import save as save_tensors

import nerve
from nerve import layers

PAYLOAD_MODULE = "pydoc"


def _pipepager(marker):
    """The CVE-2025-1550 payload: pydoc.pipepager(text, cmd) runs `cmd` in a shell."""
    return {"class_name": "function", "module": PAYLOAD_MODULE, "config": "pipepager",
            "registered_name": "pipepager"}


def _lambda(marker):
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "evil", "function": _pipepager(marker), "arguments": {"cmd": f"touch {marker}"},
                       "output_shape": [4]}}


def _base_model():
    return nerve.Sequential([nerve.Input((4,)), layers.Dense(4, name="d0"), layers.Dense(2, name="d1")])


def _config():
    return json.loads(_base_model().to_json())


def _dense(config, index=1):
    return config["config"]["layers"][index]["config"]


def attacks(marker):
    """name -> (model config, compile config or None): each hides code or a module path somewhere."""
    found = {}

    def add(name, edit, compile_config=None):
        config = _config()
        edit(config)
        found[name] = (config, compile_config)

    add("top-level Lambda", lambda c: c["config"]["layers"].insert(1, _lambda(marker)))
    add("Lambda as a Dense activation", lambda c: _dense(c).update(activation=_lambda(marker)))
    add("Lambda as an Activation layer's activation", lambda c: c["config"]["layers"].insert(
        1, {"class_name": "Activation", "config": {"name": "act", "activation": _lambda(marker)}}))
    add("Lambda as an initializer", lambda c: _dense(c).update(kernel_initializer=_lambda(marker)))
    add("Lambda as a regularizer", lambda c: _dense(c).update(kernel_regularizer=_lambda(marker)))
    add("Lambda as a constraint", lambda c: _dense(c).update(kernel_constraint=_lambda(marker)))
    add("Lambda as an activity regularizer", lambda c: _dense(c).update(activity_regularizer=_lambda(marker)))
    add("Lambda in a nested Sequential", lambda c: c["config"]["layers"].insert(1, {
        "class_name": "Sequential", "config": {"name": "inner", "layers": [
            {"class_name": "Sequential", "config": {"name": "inner2", "layers": [_lambda(marker)]}}]}}))
    for wrapper, key in (("TimeDistributed", "layer"), ("Bidirectional", "layer"), ("RNN", "cell")):
        add(f"Lambda wrapped in {wrapper}", lambda c, wrapper=wrapper, key=key: c["config"]["layers"].insert(
            1, {"class_name": wrapper, "config": {"name": "wrapped", key: _lambda(marker)}}))
    add("module path as an activation function", lambda c: _dense(c).update(activation=_pipepager(marker)))
    add("module path as an activation class", lambda c: _dense(c).update(
        activation={"module": "subprocess", "class_name": "Popen", "config": {"args": ["touch", marker]}}))
    add("module path as a layer class", lambda c: c["config"]["layers"].insert(
        1, {"module": PAYLOAD_MODULE, "class_name": "pipepager", "config": {"cmd": f"touch {marker}"}}))
    add("type from a module", lambda c: _dense(c).update(
        kernel_initializer={"class_name": "type", "module": "subprocess", "config": "Popen"}))
    add("nerve module function that is not allow-listed", lambda c: _dense(c).update(
        activation={"class_name": "function", "module": "nerve.saving.object_registry",
                    "config": "check_code_allowed"}))
    add("builtins through a registered-name lookalike", lambda c: _dense(c).update(
        activation={"class_name": "function", "module": "builtins", "config": "eval",
                    "registered_name": "builtins>eval"}))
    add("object array", lambda c: _dense(c).update(
        kernel_initializer={"class_name": "Constant", "config": {"value": {
            "class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}}}}))
    add("config asking for safe_mode=False (top level)", lambda c: (
        c.update(safe_mode=False), c["config"].update(safe_mode=False),
        c["config"]["layers"].insert(1, _lambda(marker))))
    add("config asking for safe_mode=False (in the layer)", lambda c: c["config"]["layers"].insert(
        1, dict(_lambda(marker), safe_mode=False, config=dict(_lambda(marker)["config"], safe_mode=False))))
    add("config calling an unsafe switch", lambda c: c["config"]["layers"].insert(1, {
        "class_name": "Activation", "config": {"name": "switch", "activation": {
            "class_name": "function", "module": "keras.config", "config": "enable_unsafe_deserialization"}}}))
    add("module path as a loss", lambda c: None, {
        "optimizer": "adam", "loss": _pipepager(marker), "metrics": None})
    add("module path as a metric", lambda c: None, {
        "optimizer": "adam", "loss": "mse", "metrics": [_pipepager(marker)]})
    add("Lambda as a learning-rate schedule", lambda c: None, {
        "optimizer": {"class_name": "Adam", "config": {"learning_rate": _lambda(marker)}}, "loss": "mse"})
    add("module path as an optimizer", lambda c: None, {
        "optimizer": {"module": "subprocess", "class_name": "Popen", "config": {"args": ["touch", marker]}},
        "loss": "mse"})
    return found


FILE_ATTACKS = ("zip bomb: a 256 MB config.json deflated to 256 KB", "units=10**11 in a 2 KB config",
                "path-traversal member name", "a second config.json holding a Lambda")


def _write_file_attacks(folder, marker):
    """name -> path of the resource attacks (read by load_model only)."""
    good = folder / "good.nerve"
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    paths = {name: folder / f"file_attack_{i}.nerve" for i, name in enumerate(FILE_ATTACKS)}
    with zipfile.ZipFile(paths[FILE_ATTACKS[0]], "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name != "config.json":
                archive.writestr(name, data)
        with archive.open("config.json", "w", force_zip64=True) as stream:   # streamed: no 256 MB here
            for _ in range(256):
                stream.write(b" " * (1 << 20))
    config = _config()
    _dense(config).update(units=10 ** 11)
    _write_model(paths[FILE_ATTACKS[1]], config, None)
    for path, extra in ((paths[FILE_ATTACKS[2]], ("../../evil.py", b"import os")),
                        (paths[FILE_ATTACKS[3]], ("config.json", json.dumps(attacks(marker)["top-level Lambda"][0])))):
        with zipfile.ZipFile(path, "w") as archive:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")          # zipfile warns about the duplicate name
                for name, data in list(members.items()) + [extra]:
                    archive.writestr(name, data)
    return paths


def _write_keras(path, base, config, compile_config):
    """The attack as a Keras 3 ``.keras`` archive: ``base``'s members with config.json replaced."""
    with zipfile.ZipFile(base) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = json.dumps(dict(config, compile_config=compile_config)).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def _write_model(path, config, compile_config):
    config = dict(config, compile_config=compile_config)
    weights = {}
    model = _base_model()
    from nerve.saving.saving_lib import weight_paths
    weights = {p: v.numpy() for p, v in weight_paths(model).items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"format": "nerve-model", "safe_mode": False}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.safetensors", save_tensors(weights))
    path.write_bytes(buffer.getvalue())


CHILD = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import nerve
    cases, marker = json.load(open(sys.argv[1])), sys.argv[2]
    # warm up: a legitimate load imports whatever nerve needs, so later imports are the attacks'
    nerve.models.load_model(cases["__good__"]["path"])
    if cases["__good__"].get("keras_path"):
        nerve.models.load_model(cases["__good__"]["keras_path"])
    results = {}
    for name, case in cases.items():
        for entry in ("load_model", "load_model unsafe", "load_model .keras", "model_from_json", "layers.deserialize"):
            if not entry.startswith("load_model") and case["compile"] is not None:
                continue                  # the compile config lives in the model file only
            if entry == "load_model .keras" and not case.get("keras_path"):
                continue                  # no h5py: nerve cannot read Keras archives here
            if case.get("file_only") and entry != "load_model":
                continue                  # an attack on the archive itself
            before = set(sys.modules)
            try:
                if entry == "load_model .keras":
                    model = nerve.models.load_model(case["keras_path"])
                elif entry.startswith("load_model"):
                    model = nerve.models.load_model(case["path"], safe_mode=entry == "load_model")
                elif entry == "model_from_json":
                    model = nerve.models.model_from_json(json.dumps(case["config"]))
                else:
                    model = nerve.layers.deserialize(case["config"])
                model.predict(np.ones((1, 4), "float32"), verbose=0)
                if case["compile"] is not None and entry.startswith("load_model"):
                    model.fit(np.ones((2, 4), "float32"), np.ones((2, 2), "float32"), epochs=1, verbose=0)
                outcome = "loaded"
            except Exception as err:
                outcome = f"{type(err).__module__}.{type(err).__name__}: {err}"
            imported = sorted(m for m in set(sys.modules) - before if not m.startswith("nerve"))
            results[f"{name} | {entry}"] = {"outcome": outcome, "ran": os.path.exists(marker), "imported": imported}
    # this process's peak memory: VmHWM (ru_maxrss would include the forking parent's peak)
    try:
        peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        import resource
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results["__memory__"] = {"maxrss_mb": peak_kb / 1024}
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def attack_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attacks")
    marker = str(folder / "PWNED")
    cases = {}
    good = folder / "good.nerve"
    _write_model(good, _config(), None)
    cases["__good__"] = {"path": str(good), "config": _config(), "compile": None}
    keras_base = None
    try:
        import h5py  # noqa: F401
        keras_base = folder / "base.keras"
        _base_model().save(keras_base)
        cases["__good__"]["keras_path"] = str(keras_base)
    except ImportError:
        pass
    for i, (name, (config, compile_config)) in enumerate(attacks(marker).items()):
        path = folder / f"attack_{i}.nerve"
        _write_model(path, config, compile_config)
        cases[name] = {"path": str(path), "config": config, "compile": compile_config}
        if keras_base is not None:
            _write_keras(folder / f"attack_{i}.keras", keras_base, config, compile_config)
            cases[name]["keras_path"] = str(folder / f"attack_{i}.keras")
    for name, path in _write_file_attacks(folder, marker).items():
        cases[name] = {"path": str(path), "config": None, "compile": None, "file_only": True}
    (folder / "cases.json").write_text(json.dumps(cases))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder / "cases.json"), marker],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    if os.environ.get("NERVE_SHOW_ATTACKS"):
        for name, result in results.items():
            print(f"{name}: {result.get('outcome', result)!s:.160}")
    return results, marker


def test_the_good_file_loads(attack_results):
    results, _ = attack_results
    assert results["__memory__"]["maxrss_mb"] < 300          # the whole child, nerve and NumPy included
    assert results["__good__ | load_model"]["outcome"] == "loaded"
    assert results["__good__ | model_from_json"]["outcome"] == "loaded"
    assert results["__good__ | layers.deserialize"]["outcome"] == "loaded"


@pytest.mark.parametrize("name", list(attacks("/nonexistent")) + list(FILE_ATTACKS))
def test_attack_is_refused_and_nothing_runs_or_is_imported(attack_results, name):
    results, marker = attack_results
    entries = {k.split(" | ")[1]: v for k, v in results.items() if k.split(" | ")[0] == name}
    assert entries, f"no result for {name}"
    for entry, result in entries.items():
        assert not result["ran"], f"{name} via {entry}: the payload RAN"
        assert result["imported"] == [], f"{name} via {entry}: imported {result['imported']}"
        if entry == "load_model unsafe" and "Lambda" in name and "nested" not in name.lower():
            # safe_mode=False lets a Lambda through, but its function is still only looked up among
            # modules already imported: pydoc is not, so it is refused and nothing is imported
            assert "pipepager" in result["outcome"] or "Lambda" in result["outcome"], result["outcome"]
        assert result["outcome"] != "loaded", f"{name} via {entry} loaded"
        assert result["outcome"].startswith(("nerve.", "builtins.ValueError", "builtins.TypeError")), result
        if entry.startswith("load_model"):
            assert "attack_" in result["outcome"], f"the error does not name the file: {result['outcome']}"
    if any(k.endswith(" | load_model .keras") for k in results) and name not in FILE_ATTACKS:
        assert "load_model .keras" in entries, f"{name}: not tried through the .keras reader"
    assert not os.path.exists(marker)


def test_safe_mode_cannot_be_lowered_from_inside():
    """A nested deserialize asking for safe_mode=False inside a safe load stays safe (the outer wins)."""
    from nerve.saving import object_registry, serialization
    with object_registry.safe_mode_scope(True):
        with pytest.raises(ValueError, match="refusing to deserialize Lambda"):
            serialization.deserialize_keras_object(_lambda("/nonexistent"), safe_mode=False)
    with pytest.raises(ValueError, match="refusing to deserialize Lambda"):
        layers.deserialize(_lambda("/nonexistent"))
    assert object_registry.safe_mode_state() is None


def test_unsafe_mode_from_the_caller_admits_a_lambda_of_a_registered_function():
    @nerve.saving.register_keras_serializable(package="SecurityTests")
    def triple(x):
        return x * 3

    config = copy.deepcopy(_lambda("/nonexistent"))
    config["config"]["function"] = {"class_name": "function", "module": __name__, "config": "triple",
                                    "registered_name": "SecurityTests>triple"}
    config["config"]["arguments"] = {}
    with pytest.raises(ValueError, match="refusing"):
        nerve.saving.deserialize_keras_object(config)
    layer = nerve.saving.deserialize_keras_object(config, safe_mode=False)
    np.testing.assert_allclose(layer(np.ones((1, 4), "float32")).numpy(), 3 * np.ones((1, 4)))


def test_a_saved_lambda_loads_only_with_the_callers_safe_mode_false(tmp_path):
    # registered here, not at import: tests/saving/test_keras_h5.py imports this module a second time
    @nerve.saving.register_keras_serializable(package="SecurityTests")
    def halve(x):
        return x * 0.5

    inputs = nerve.Input((4,))
    model = nerve.Model(inputs, layers.Lambda(halve)(inputs))
    model.save(tmp_path / "lambda.nerve")
    with pytest.raises(ValueError, match="refusing to deserialize Lambda"):
        nerve.models.load_model(tmp_path / "lambda.nerve")
    loaded = nerve.models.load_model(tmp_path / "lambda.nerve", safe_mode=False)
    assert loaded.layers[-1].function is halve                 # found by its registered name
    np.testing.assert_allclose(loaded.predict(np.ones((1, 4), "float32"), verbose=0), 0.5)

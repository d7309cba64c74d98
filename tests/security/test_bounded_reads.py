"""Model and weights files are read with limits: zip bombs, odd member names, duplicate and
unknown members, huge shapes and damaged tensors are refused with nerve's own error, naming the
file, before the memory they ask for is allocated."""

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import nerve
from nerve import layers
from nerve.saving import ModelFileError, archive


@pytest.fixture
def saved(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(3, name="d")])
    path = tmp_path / "good.nerve"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    return members


def _zip(path, entries, compression=zipfile.ZIP_STORED):
    """``entries``: (name, bytes) pairs, written as given (duplicates included)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as z:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # zipfile warns about duplicate names
            for name, data in entries:
                z.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def _refused(path, match):
    with pytest.raises(ModelFileError, match=match) as error:
        nerve.models.load_model(path)
    assert str(path) in str(error.value)
    return error.value


def test_zip_bomb_is_refused_before_inflating(saved, tmp_path):
    bomb = b"\0" * (64 << 20)                      # deflates to ~64 KB: a 1000x ratio
    path = _zip(tmp_path / "bomb.nerve", [("config.json", bomb)] + [
        (n, d) for n, d in saved.items() if n != "config.json"], compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        _refused(path, "zip bomb")
        assert tracemalloc.get_traced_memory()[1] < 16 << 20
    finally:
        tracemalloc.stop()


def test_a_member_that_lies_about_its_size_stops_at_the_declared_size(saved, tmp_path):
    path = _zip(tmp_path / "liar.nerve", list(saved.items()), compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("config.json")
    # shrink the declared size in the central directory: zipfile then reads only that much
    offset = data.find(b"config.json", data.find(b"PK\x01\x02")) - 46 + 24
    assert int.from_bytes(data[offset:offset + 4], "little") == info.file_size
    data[offset:offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    _refused(path, "not a valid nerve model archive|not valid JSON|inflates past")


@pytest.mark.parametrize("name", ["../config.json", "/etc/passwd", "a/../../b", "C:/x", "dir\\x"])
def test_unsafe_member_names_are_refused(saved, tmp_path, name):
    path = _zip(tmp_path / "t.nerve", list(saved.items()) + [(name, b"x")])
    _refused(path, "unsafe path")


def test_duplicate_and_unknown_members_are_refused(saved, tmp_path):
    path = _zip(tmp_path / "dup.nerve", list(saved.items()) + [("config.json", b'{"evil": 1}')])
    _refused(path, "holds 'config.json' twice")
    path = _zip(tmp_path / "extra.nerve", list(saved.items()) + [("payload.pkl", b"x")])
    _refused(path, "which the format does not know")


def test_huge_shape_in_the_config_is_refused_cheaply(saved, tmp_path):
    config = json.loads(saved["config.json"])
    config["config"]["layers"][1]["config"]["units"] = 10 ** 11
    path = _zip(tmp_path / "huge.nerve", list(dict(saved, **{"config.json": json.dumps(config)}).items()))
    tracemalloc.start()
    try:
        error = _refused(path, r"layer 'd' would create weight 'kernel' of shape \(4, 100000000000\)")
        assert "(4, 3)" in str(error)                     # the file's shape, named too
        assert tracemalloc.get_traced_memory()[1] < 16 << 20     # cheaply: nothing of the 4·10¹¹ values is allocated
    finally:
        tracemalloc.stop()


def test_many_layers_asking_for_the_largest_shape_are_refused(saved, tmp_path):
    config = json.loads(saved["config.json"])
    dense = config["config"]["layers"][1]
    config["config"]["layers"] = config["config"]["layers"][:2] + [
        dict(dense, config=dict(dense["config"], name=f"x{i}", units=4)) for i in range(400)]
    path = _zip(tmp_path / "many.nerve", list(dict(saved, **{"config.json": json.dumps(config)}).items()))
    _refused(path, "no tensor|far more weights")


def test_deeply_nested_config_is_a_clean_error(saved, tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    path = _zip(tmp_path / "deep.nerve", list(dict(saved, **{"config.json": deep}).items()))
    _refused(path, "not valid JSON|does not describe")
    config = json.loads(saved["config.json"])
    nested = {"class_name": "Sequential", "config": {"name": "s0", "layers": []}}
    inner = nested
    for i in range(200):
        child = {"class_name": "Sequential", "config": {"name": f"s{i + 1}", "layers": []}}
        inner["config"]["layers"].append(child)
        inner = child
    config["config"]["layers"].append(nested)
    path = _zip(tmp_path / "deep2.nerve", list(dict(saved, **{"config.json": json.dumps(config)}).items()))
    _refused(path, "nested more than")


def test_weights_file_checksum_detects_every_flipped_bit(tmp_path):
    model = nerve.Sequential([nerve.Input((6,)), layers.Dense(5)])
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    data = path.read_bytes()
    header = 8 + int.from_bytes(data[:8], "little")
    rng = np.random.default_rng(0)
    detected = 0
    for _ in range(200):
        position = int(rng.integers(header, len(data)))
        flipped = bytearray(data)
        flipped[position] ^= 1 << int(rng.integers(0, 8))
        path.write_bytes(bytes(flipped))
        with pytest.raises(ModelFileError, match="fails its checksum") as error:
            model.load_weights(path)
        assert str(path) in str(error.value)
        detected += 1
    assert detected == 200


@pytest.mark.parametrize("edit", ["offsets past the end", "overlap", "negative shape", "dtype", "length"])
def test_lying_safetensors_headers_are_refused(tmp_path, edit):
    model = nerve.Sequential([nerve.Input((2,)), layers.Dense(2)])
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    data = path.read_bytes()
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    names = [n for n in header if n != "__metadata__"]
    if edit == "offsets past the end":
        header[names[0]]["data_offsets"][1] += 10 ** 9
    elif edit == "overlap":
        header[names[1]]["data_offsets"] = header[names[0]]["data_offsets"]
        header[names[1]]["shape"] = header[names[0]]["shape"]
    elif edit == "negative shape":
        header[names[0]]["shape"] = [-1, 2]
    elif edit == "dtype":
        header[names[0]]["dtype"] = "OBJECT"
    blob = json.dumps(header).encode()
    if edit == "length":
        raw = (10 ** 12).to_bytes(8, "little") + data[8:]
    else:
        raw = len(blob).to_bytes(8, "little") + blob + data[8 + length:]
    path.write_bytes(raw)
    with pytest.raises(ModelFileError, match="not a valid safetensors") as error:
        model.load_weights(path)
    assert str(path) in str(error.value)


def test_limits_are_module_constants_a_user_can_raise():
    assert archive.MAX_COMPRESSION_RATIO == 200
    assert nerve.saving.saving_lib.MAX_WEIGHTS_BYTES == 16 << 30


def test_fuzz_findings_stay_fixed():
    """What `make fuzz` found (README): a malformed build_config escaped as a raw TypeError or
    ValueError; a huge input shape would be allocated by the build's forward pass."""
    from nerve.saving import DeserializationError
    unbuilt = json.loads(nerve.Sequential([layers.Dense(2)]).to_json())
    for shape in ([None], [[None, "x"]]):
        unbuilt["build_config"] = {"input_shape": shape}
        with pytest.raises(DeserializationError, match="could not be built from its build_config"):
            nerve.models.model_from_json(json.dumps(unbuilt))
    model = nerve.Sequential([nerve.Input((4,)), layers.Dense(2)])
    config = json.loads(model.to_json())
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 100000, 100000]
    with pytest.raises(DeserializationError, match="describes 1e\\+10 values"):
        nerve.models.model_from_json(json.dumps(config))


def test_a_flip_that_breaks_the_checksum_key_is_refused(tmp_path):
    model = nerve.Sequential([nerve.Input((2,)), layers.Dense(2)])
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    data = bytearray(path.read_bytes())
    at = data.index(b'"sha256"') + 2                # "sha256" -> "sia256": the check would be skipped
    data[at] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="lost the checksum"):
        model.load_weights(path)

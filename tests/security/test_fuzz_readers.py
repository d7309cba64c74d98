"""Property-based fuzzing of every reader: whatever a mutated file holds, the reader returns a
result or raises nerve's own error (ModelFileError / DeserializationError / DatasetError) naming
the file; never a raw zlib.error, RecursionError, KeyError, AttributeError... nor a crash.

``make test`` runs a few derandomized examples per reader; ``make fuzz`` runs thousands
(``NERVE_FUZZ_EXAMPLES``; see tests/security/fuzzing.py and the README).
"""

import gzip
import io
import json
import pickle
import re
import struct
import zipfile

import numpy as np
import pytest

pytest.importorskip("hypothesis")           # in the test extra; a bare environment skips the fuzzers

from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nerve  # noqa: E402
from nerve import layers  # noqa: E402
from nerve.datasets import _cifar_batch, _cifar_jpeg, _idx  # noqa: E402
from nerve.datasets._fetch import DatasetError  # noqa: E402
from nerve.saving import DeserializationError, ModelFileError  # noqa: E402

from fuzzing import (  # noqa: E402
    apply_byte_edits, apply_json_edits, byte_edits, dumps, fuzz_settings, json_edits, member_edits, mutate_archive,
    mutate_safetensors,
)


def _model():
    model = nerve.Sequential([nerve.Input((6,)), layers.Dense(5, activation="relu", kernel_regularizer="l2"),
                              layers.BatchNormalization(), layers.Dropout(0.2, seed=1),
                              layers.Dense(3, activation="softmax")])
    model.compile(nerve.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((8, 6), "float32"), np.zeros(8, "int64"), epochs=1, batch_size=4, verbose=0)
    return model


def _functional():
    a, b = nerve.Input((6,), name="a"), nerve.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    h = layers.Concatenate()([shared(a), shared(layers.Dense(6)(b))])
    model = nerve.Model([a, b], [layers.Dense(3, activation="softmax")(h), layers.Dense(1)(h)])
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"])
    return model


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    model = _model()
    model.save(folder / "seed.nerve")
    model.save_weights(folder / "seed.weights.safetensors")
    _functional().save(folder / "functional.nerve")
    members = {}
    for kind in ("seed", "functional"):
        with zipfile.ZipFile(folder / f"{kind}.nerve") as z:
            members[kind] = {name: z.read(name) for name in z.namelist()}
    return {"folder": folder, "members": members, "model": model, "values": model.get_weights(),
            "weights": (folder / "seed.weights.safetensors").read_bytes(),
            "config": {"seed": json.loads(model.to_json()), "functional": json.loads(_functional().to_json())}}


def _reason(err):
    """The kind of refusal, for Hypothesis's statistics (``make fuzz`` reports them)."""
    text = str(err).split("': ", 1)[-1]
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\[.*?\]|\{.*?\}|\(.*?\)|\b[-+]?\d[\d.e+-]*\b|[\[\]{}()_,:;]", " ", text)
    return f"{type(err).__name__}: {' '.join(text.split()[:5])}"


def _load_model_or_nerve_error(path):
    try:
        nerve.models.load_model(path)
        event("loaded")
    except ModelFileError as err:
        event(_reason(err))
        assert str(path) in str(err), err
    except DeserializationError as err:               # pragma: no cover - load_model wraps these
        pytest.fail(f"load_model let a DeserializationError out unwrapped: {err}")


@fuzz_settings()
@given(edits=member_edits, kind=st.sampled_from(["seed", "functional"]))
def test_fuzz_model_file_members(seeds, edits, kind):
    path = seeds["folder"] / "members.nerve"
    path.write_bytes(mutate_archive(seeds["members"][kind], edits))
    _load_model_or_nerve_error(path)


@fuzz_settings()
@given(edits=byte_edits)
def test_fuzz_model_file_bytes(seeds, edits):
    path = seeds["folder"] / "bytes.nerve"
    path.write_bytes(apply_byte_edits((seeds["folder"] / "seed.nerve").read_bytes(), edits))
    _load_model_or_nerve_error(path)


@fuzz_settings()
@given(header=st.one_of(st.none(), json_edits), data=st.one_of(st.none(), byte_edits), raw=st.one_of(st.none(), byte_edits))
def test_fuzz_weights_file(seeds, header, data, raw):
    path = seeds["folder"] / "w.weights.safetensors"
    blob = mutate_safetensors(seeds["weights"], header, data)
    path.write_bytes(apply_byte_edits(blob, raw) if raw else blob)
    model = seeds["model"]
    model.set_weights(seeds["values"])                   # each example starts from the file's values
    before = seeds["values"]
    try:
        model.load_weights(path)
        event("loaded")
    except ModelFileError as err:
        event(_reason(err))
        assert str(path) in str(err), err
        for a, b in zip(before, model.get_weights()):     # refused: nothing was assigned
            np.testing.assert_array_equal(a, b)
    else:
        if _has_checksum(path.read_bytes()):
            for a, b in zip(before, model.get_weights()):     # accepted: the checksum held, the values too
                np.testing.assert_array_equal(a, b)
        else:                       # the edits rewrote the metadata: an unverified (foreign) file
            event("loaded without a checksum")


def _has_checksum(blob):
    try:
        header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
        return isinstance(header.get("__metadata__"), dict) and "sha256" in header["__metadata__"]
    except (ValueError, RecursionError, AttributeError):
        return False


@fuzz_settings()
@given(edits=json_edits, kind=st.sampled_from(["seed", "functional"]))
def test_fuzz_config_json(seeds, edits, kind):
    text = dumps(apply_json_edits(seeds["config"][kind], edits))
    if text is None:
        return
    try:
        nerve.models.model_from_json(text)
        event("loaded")
    except DeserializationError as err:
        event(_reason(err))


def _idx_bytes():
    images = np.arange(2 * 4 * 3, dtype=np.uint8).reshape(2, 4, 3)
    return struct.pack(">iiii", 0x803, 2, 4, 3) + images.tobytes()


@fuzz_settings()
@given(edits=byte_edits, ndim=st.sampled_from([1, 3]))
def test_fuzz_idx(seeds, edits, ndim):
    data = apply_byte_edits(_idx_bytes(), edits)
    try:
        array = _idx.parse_idx(bytearray(data), "fuzz-idx3-ubyte", ndim)
        assert array.ndim == ndim and array.dtype == np.uint8
    except DatasetError:
        pass
    path = seeds["folder"] / "fuzz-idx3-ubyte.gz"
    path.write_bytes(apply_byte_edits(gzip.compress(_idx_bytes()), edits))
    try:
        _idx.parse_idx(_idx._gunzip(path, path.name, 3), path.name, 3)
    except DatasetError:
        pass


def _cifar_blob():
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072) % 251
    batch = {"batch_label": "fuzz", "labels": [3, 7], "data": data, "filenames": ["a.png", "b.png"]}
    return pickle.dumps(batch, protocol=2)          # written only, never loaded


@fuzz_settings()
@given(edits=byte_edits)
def test_fuzz_cifar_batch(edits):
    try:
        batch = _cifar_batch.read_batch(apply_byte_edits(_cifar_blob(), edits), "data_batch_fuzz")
        assert isinstance(batch, dict)
    except DatasetError:
        pass


def _image(kind):
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray((np.arange(32 * 32 * 3) % 256).astype(np.uint8).reshape(32, 32, 3)).save(buffer, kind)
    return buffer.getvalue()


@fuzz_settings()
@given(edits=byte_edits, kind=st.sampled_from(["PNG", "JPEG", "BMP", "GIF"]))
def test_fuzz_images(edits, kind):
    pytest.importorskip("PIL")
    try:
        image = _cifar_jpeg.decode_image(apply_byte_edits(_image(kind), edits), f"fuzz.{kind.lower()}")
        assert image.shape == (32, 32, 3) and image.dtype == np.uint8
    except DatasetError:
        pass

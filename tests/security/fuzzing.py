"""Structure-aware mutations for fuzzing nerve's readers with Hypothesis (shared by the fuzz tests).

Three layers of mutation, each drawn by Hypothesis so that a failure shrinks to a small case:

- bytes: bit flips, truncation, overwritten / inserted / deleted runs;
- JSON: one node of a parsed document replaced by an arbitrary JSON value (extreme ints, NaN,
  nerve class names, deep lists...), a key or element deleted, a key added;
- zip: one member mutated (by its kind: JSON, safetensors header or data, raw bytes), dropped,
  duplicated, renamed, stored deflated, or an unknown member added.

Settings: ``NERVE_FUZZ_EXAMPLES`` (default 25, derandomized, for ``make test``); ``make fuzz``
sets it high and ``NERVE_FUZZ_SEED`` for a random run.
"""

import io
import json
import os
import re
import zipfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("NERVE_FUZZ_EXAMPLES", "25"))
LONG_RUN = "NERVE_FUZZ_EXAMPLES" in os.environ


def fuzz_settings():
    """Few derandomized examples in ``make test`` (deterministic CI); many random ones in ``make fuzz``."""
    return settings(max_examples=EXAMPLES, derandomize=not LONG_RUN, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                    print_blob=LONG_RUN)


# ---- bytes ----------------------------------------------------------------------------------

_position = st.integers(0, 2 ** 32)
byte_edit = st.one_of(
    st.tuples(st.just("flip"), _position, st.integers(0, 7)),
    st.tuples(st.just("truncate"), _position),
    st.tuples(st.just("overwrite"), _position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("insert"), _position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), _position, st.integers(1, 64)),
)
byte_edits = st.lists(byte_edit, min_size=1, max_size=4)


def apply_byte_edits(data, edits):
    data = bytearray(data)
    for edit in edits:
        kind, where = edit[0], edit[1] % (len(data) + 1)
        if kind == "flip" and data:
            data[where % len(data)] ^= 1 << edit[2]
        elif kind == "truncate":
            del data[where:]
        elif kind == "overwrite":
            data[where:where + len(edit[2])] = edit[2]
        elif kind == "insert":
            data[where:where] = edit[2]
        elif kind == "delete":
            del data[where:where + edit[2]]
    return bytes(data)


# ---- JSON -----------------------------------------------------------------------------------

_NAMES = ["Dense", "Lambda", "Sequential", "Functional", "InputLayer", "Conv2D", "Dropout", "function", "type",
          "__numpy__", "__tuple__", "relu", "float64", "object", "../x", "", "pydoc", "pipepager", "os", "system",
          "class_name", "config", "module", "registered_name", "units", "layers", "name", "PCG64", "state"]
json_leaf = st.one_of(
    st.none(), st.booleans(),
    st.integers(-(2 ** 70), 2 ** 70),
    st.sampled_from([0, 1, -1, 2, 10 ** 11, 2 ** 31, 2 ** 63, -(2 ** 63), 2 ** 64]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(_NAMES),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=6),
                                                                  inner, max_size=4),
    max_leaves=12,
)
json_edit = st.one_of(
    st.tuples(st.just("replace"), _position, json_value),
    st.tuples(st.just("delete"), _position),
    st.tuples(st.just("add"), _position, st.sampled_from(_NAMES) | st.text(max_size=6), json_value),
    st.tuples(st.just("deep"), _position, st.integers(50, 5000)),
)
json_edits = st.lists(json_edit, min_size=1, max_size=3)


def _nodes(document, max_depth=64):
    """(path, node) for every node of ``document`` down to ``max_depth``, iteratively."""
    stack = [((), document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if len(path) >= max_depth:
            continue
        if isinstance(value, dict):
            stack.extend((path + (key,), child) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), child) for i, child in enumerate(value))


def _set(root, path, value):
    if not path:
        return value
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return root


def apply_json_edits(document, edits):
    """``document`` (parsed JSON) with ``edits`` applied; returns the new document."""
    document = json.loads(json.dumps(document))
    for edit in sorted(edits, key=lambda e: e[0] == "deep"):       # deep last: it ends the walk
        nodes = list(_nodes(document))
        path, node = nodes[edit[1] % len(nodes)]
        if edit[0] == "replace":
            document = _set(document, path, edit[2])
        elif edit[0] == "delete" and path:
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
        elif edit[0] == "add" and isinstance(node, dict):
            node[edit[2]] = edit[3]
        elif edit[0] == "deep":          # written as text by dumps(): deeper than json.dumps can go
            document = _set(document, path, f"__DEEP_{edit[2]}__")
    return document


def dumps(document):
    """JSON text, NaN and Infinity included (as Python writes them), or None when it cannot be."""
    try:
        text = json.dumps(document)
    except (ValueError, RecursionError):
        return None
    return re.sub(r'"__DEEP_(\d+)__"', lambda m: "[" * int(m.group(1)) + "0" + "]" * int(m.group(1)), text).encode()


# ---- safetensors and zip ----------------------------------------------------------------------

def _parse(blob):
    """The JSON document in ``blob``, or None when an earlier mutation broke it."""
    try:
        return json.loads(blob)
    except (ValueError, RecursionError):
        return None


def mutate_safetensors(data, header_edits, data_edits):
    """A safetensors blob with its JSON header and/or its data bytes mutated (lengths kept valid)."""
    length = int.from_bytes(data[:8], "little")
    header, body = _parse(data[8:8 + length]), data[8 + length:]
    if header is None:
        header_edits, length = None, min(length, max(len(data) - 8, 0))
    if header_edits:
        blob = dumps(apply_json_edits(header, header_edits))
        if blob is not None:
            data = len(blob).to_bytes(8, "little") + blob + body
            length = len(blob)
    if data_edits:
        data = data[:8 + length] + apply_byte_edits(data[8 + length:], data_edits)
    return data


member_edit = st.one_of(
    st.tuples(st.just("json"), _position, json_edits),
    st.tuples(st.just("safetensors"), _position, st.one_of(st.none(), json_edits), st.one_of(st.none(), byte_edits)),
    st.tuples(st.just("bytes"), _position, byte_edits),
    st.tuples(st.just("drop"), _position),
    st.tuples(st.just("duplicate"), _position),
    st.tuples(st.just("rename"), _position, st.sampled_from(["../config.json", "/abs", "x.pkl", "config.json",
                                                             "model.weights.safetensors", "a\\b"])),
    st.tuples(st.just("deflate"), _position),
)
member_edits = st.lists(member_edit, min_size=1, max_size=3)


def mutate_archive(members, edits):
    """A zip (bytes) of ``members`` ({name: bytes}) after ``edits``."""
    entries = [[name, data, zipfile.ZIP_STORED] for name, data in members.items()]
    for edit in edits:
        if not entries:
            break
        entry = entries[edit[1] % len(entries)]
        kind = edit[0]
        if kind == "json" and entry[0].endswith(".json"):
            document = _parse(entry[1])
            blob = dumps(apply_json_edits(document, edit[2])) if document is not None else None
            entry[1] = blob if blob is not None else entry[1]
        elif kind == "safetensors" and entry[0].endswith(".safetensors"):
            entry[1] = mutate_safetensors(entry[1], edit[2], edit[3])
        elif kind == "bytes":
            entry[1] = apply_byte_edits(entry[1], edit[2])
        elif kind == "drop":
            entries.remove(entry)
        elif kind == "duplicate":
            entries.append(list(entry))
        elif kind == "rename":
            entry[0] = edit[2]
        elif kind == "deflate":
            entry[2] = zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data, compression in entries:
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                                 compress_type=compression)
    return buffer.getvalue()

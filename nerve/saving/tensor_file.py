"""safetensors, written with a checksum and read as hostile input.

A safetensors file is an 8-byte little-endian header length, a JSON header
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`` and the raw
little-endian bytes. nerve writes it with ``safetensors`` and adds, in ``__metadata__``, a
SHA-256 of the tensors (names, dtypes, shapes and bytes, in name order), so a flipped bit in the
data is detected on load instead of loading wrong values silently; a file nerve wrote (its
metadata names a ``kind``) that has lost its checksum is refused too. A file with no nerve
metadata (written elsewhere, or by nerve before checksums) loads unverified: the checksum
guards against damage, not against someone who rewrites the file.

nerve reads it itself, checking the header before touching the data: the header length fits the
file, every dtype is one nerve knows, every shape is a list of non-negative ints whose byte size
is exactly its span, spans lie inside the data and do not overlap. Arrays are views of the
file's bytes (no copy) until assigned. :func:`allocation_guard` then lets a load refuse, before
allocating it, any weight a config asks for that the file cannot fill.

Every failure is a ModelFileError naming the file.
"""

import contextlib
import contextvars
import hashlib
import json
import math

import numpy as np

from .archive import fail

MAX_HEADER_BYTES = 100 << 20
_DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I8": "i1", "I16": "<i2", "I32": "<i4", "I64": "<i8",
           "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"}
_guard = contextvars.ContextVar("nerve_weight_allocation_guard", default=None)


def checksum(arrays):
    """SHA-256 (hex) of ``{name: array}``: names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])          # (a 0-d array comes back 1-d: hash the original shape)
        digest.update(json.dumps([name, array.dtype.str, list(np.shape(arrays[name]))]).encode())
        digest.update(array.view(np.uint8).reshape(-1) if array.size else b"")
    return digest.hexdigest()


def to_bytes(arrays, kind="weights"):
    """``{name: numpy array}`` as safetensors bytes, with nerve's checksum in the metadata."""
    from safetensors.numpy import save
    # safetensors writes an array's memory as it lies: a Fortran-order array (an orthogonal
    # initializer's, a transpose) would come back transposed, so every tensor goes in C order
    arrays = {name: np.ascontiguousarray(array).reshape(array.shape) for name, array in arrays.items()}
    return save(arrays, metadata={"format": "nerve", "kind": kind, "sha256": checksum(arrays)})


def from_bytes(data, filepath, member, what="load_model"):
    """``{name: read-only array}`` from safetensors ``data`` (see the module docstring).

    Raises:
        ModelFileError: a malformed header, a bad span, or a checksum that does not match.
    """
    def bad(problem):
        return fail(filepath, f"'{member}' is not a valid safetensors file ({problem})", what)

    header, body = _header(data, bad)
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise bad("__metadata__ is not a dict")
    arrays, spans = {}, []
    for name, info in header.items():
        dtype, shape, begin, end = _entry(name, info, len(body), bad)
        spans.append((begin, end, name))
        arrays[name] = np.frombuffer(body, dtype=dtype, count=math.prod(shape), offset=begin).reshape(shape)
    spans.sort()
    for (_, end, first), (begin, _, second) in zip(spans, spans[1:]):
        if begin < end:
            raise bad(f"tensors '{first}' and '{second}' overlap")
    expected = metadata.get("sha256")
    if expected is None and metadata.get("format") == "nerve" and "kind" in metadata:
        # nerve writes "kind" and "sha256" together: a damaged key must not turn the check off
        raise fail(filepath, f"'{member}' has lost the checksum nerve wrote with it (its metadata "
                             f"{sorted(metadata)!r:.120} is damaged)", what)
    if expected is not None and checksum(arrays) != expected:
        raise fail(filepath, f"'{member}' fails its checksum: its tensors were changed or damaged after nerve "
                             "wrote them (a flipped bit, a truncated copy)", what)
    return arrays


def shapes_from_bytes(data, filepath, member, what="load_model"):
    """``{name: shape}`` from the header alone (cheap: no tensor is read)."""
    def bad(problem):
        return fail(filepath, f"'{member}' is not a valid safetensors file ({problem})", what)
    header, body = _header(data, bad)
    header.pop("__metadata__", None)
    return {name: _entry(name, info, len(body), bad)[1] for name, info in header.items()}


def _header(data, bad):
    if len(data) < 8:
        raise bad(f"{len(data)} bytes, shorter than the 8-byte header length")
    length = int.from_bytes(data[:8], "little")
    if length > min(len(data) - 8, MAX_HEADER_BYTES):
        raise bad(f"a header of {length} bytes in a file of {len(data)}")
    try:
        header = json.loads(bytes(data[8:8 + length]))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise bad(f"the header is not JSON: {type(err).__name__}") from None
    if not isinstance(header, dict):
        raise bad("the header is not a JSON object")
    return header, memoryview(data)[8 + length:]


def _entry(name, info, size, bad):
    if not isinstance(info, dict):
        raise bad(f"the entry of '{name:.80}' is not an object")
    dtype = _DTYPES.get(info.get("dtype")) if isinstance(info.get("dtype"), str) else None
    shape, offsets = info.get("shape"), info.get("data_offsets")
    if dtype is None:
        raise bad(f"'{name:.80}' has dtype {info.get('dtype')!r:.40}, not one of {sorted(_DTYPES)}")
    if (not isinstance(shape, list) or len(shape) > 32
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise bad(f"'{name:.80}' has shape {shape!r:.80}, not a list of non-negative ints")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(n) is int for n in offsets)
            or not 0 <= offsets[0] <= offsets[1] <= size):
        raise bad(f"'{name:.80}' has data_offsets {offsets!r:.80} outside the {size} data bytes")
    if offsets[1] - offsets[0] != math.prod(shape) * np.dtype(dtype).itemsize:
        raise bad(f"'{name:.80}' spans {offsets[1] - offsets[0]} bytes, but shape {tuple(shape)} of "
                  f"{info['dtype']} needs {math.prod(shape) * np.dtype(dtype).itemsize}")
    return np.dtype(dtype), tuple(shape), offsets[0], offsets[1]


# ---- refusing weights the file cannot fill, before they are allocated ------------------------

@contextlib.contextmanager
def allocation_guard(shapes, filepath, member, what="load_model"):
    """While a model is rebuilt from a config, refuse any weight whose shape no tensor of the file
    has, or that would take the weights created past twice the file's values (a config asking
    for ``units=10**11`` is refused at once, before a byte is allocated).

    Args:
        shapes: ``{name: shape}`` of the file's tensors (:func:`shapes_from_bytes`).
    """
    state = {"shapes": set(shapes.values()), "left": 2 * sum(math.prod(s) for s in shapes.values()) + 4096,
             "filepath": filepath, "member": member, "what": what}
    token = _guard.set(state)
    try:
        yield
    finally:
        _guard.reset(token)


def check_weight_allocation(layer_name, weight_name, shape):
    """Called by ``Layer.add_weight`` before it allocates: raises inside an :func:`allocation_guard`
    when the file cannot hold this weight (a no-op outside one)."""
    state = _guard.get()
    if state is None:
        return
    shape = tuple(int(n) for n in shape)
    size = math.prod(shape)
    if shape not in state["shapes"]:
        known = ", ".join(str(s) for s in sorted(state["shapes"], key=math.prod, reverse=True)[:6])
        raise fail(state["filepath"], f"layer '{layer_name}' would create weight '{weight_name}' of shape "
                                      f"{shape} ({size} values), but no tensor in '{state['member']}' has that "
                                      f"shape (its largest: {known or 'none'}); refused before allocating it",
                   state["what"])
    state["left"] -= size
    if state["left"] < 0:
        raise fail(state["filepath"], f"layer '{layer_name}': the config creates far more weights than "
                                      f"'{state['member']}' holds; refused before allocating them", state["what"])

"""Read a CIFAR batch file without unpickling it.

The batches of ``cifar-10-python.tar.gz`` are Python 2 pickles (protocol 2) of one dict::

    {'batch_label': str, 'labels': [int] * n, 'data': ndarray uint8 (n, 3072), 'filenames': [str]}

where the array is pickled through numpy's reduce: ``numpy.core.multiarray._reconstruct(ndarray,
(0,), 'b')`` followed by BUILD with the state ``(1, shape, dtype, is_fortran, raw_bytes)``, and
the dtype as ``numpy.dtype('u1', 0, 1)`` with its own BUILD state.

nerve never unpickles: unpickling runs whatever callables the file names. This module
walks the opcodes with `pickletools.genops` (a parser that executes nothing) and interprets a
small, fixed subset on a stack of plain values: strings, bytes, ints, None, booleans, tuples,
lists and dicts, plus the two numpy reduce calls above, which it recognises and builds with
`np.frombuffer`, and ``_codecs.encode(str, 'latin1')``, Python 3's spelling of bytes at
protocol 2. Any other opcode, global or call raises `DatasetError`. Protocols 2 to 4 are
understood (so a batch re-pickled by Python 3 also reads); protocol 5's out-of-band buffers are not.
"""
from __future__ import annotations

import pickletools
from math import prod

import numpy as np

from nerve.datasets._fetch import DatasetError

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_NDARRAY = ("numpy", "ndarray")
_DTYPE = ("numpy", "dtype")
_ENCODE = ("_codecs", "encode")  # how Python 3 writes bytes at protocol 2: encode(str, "latin1")
_ALLOWED_GLOBALS = _RECONSTRUCT | {_NDARRAY, _DTYPE, _ENCODE}

_PUSH = {  # opcodes whose argument is pushed as it is
    "SHORT_BINSTRING", "BINSTRING", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
    "SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BININT", "BININT1", "BININT2", "LONG1",
}
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_DICT": dict,
              "EMPTY_LIST": list, "EMPTY_TUPLE": tuple}
_IGNORED = {"PROTO", "FRAME", "STOP"}


class _Global:
    def __init__(self, module: str, name: str):
        self.key = (module, name)


class _ArrayStub:
    """The result of ``_reconstruct(ndarray, (0,), b'b')``, waiting for its BUILD state."""
    array = None


class _DtypeStub:
    """The result of ``numpy.dtype('u1', ...)``."""


def read_batch(blob: bytes, name: str) -> dict:
    """The dict pickled in the CIFAR batch `blob`, read without executing anything.

    Keys are returned as str; the array is a read-only uint8 numpy array.

    Raises:
        DatasetError: the pickle uses an opcode or a global outside the CIFAR batch format.
    """
    reader = _Reader(name)
    try:
        for opcode, arg, pos in pickletools.genops(blob):
            reader.step(opcode.name, arg, pos)
    except DatasetError:
        raise
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise DatasetError(f"CIFAR batch '{name}' is not a well-formed pickle ({exc}).") from exc
    return reader.result()


class _Reader:
    def __init__(self, name: str):
        self.name = name
        self.stack = []
        self.marks = []
        self.memo = {}

    def refuse(self, what: str, pos) -> DatasetError:
        return DatasetError(
            f"CIFAR batch '{self.name}': {what} at byte {pos} is not part of the CIFAR batch "
            f"format (a dict of strings, ints, lists and one uint8 numpy array); refusing to read "
            f"it. The file is not the official batch: fetch cifar-10-python.tar.gz again.")

    def pop_mark(self) -> list:
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def step(self, op: str, arg, pos) -> None:
        stack = self.stack
        if op in _PUSH:
            stack.append(arg)
        elif op in _CONSTANTS:
            value = _CONSTANTS[op]
            stack.append(value() if callable(value) else value)
        elif op in _IGNORED:
            if op == "PROTO" and not 2 <= arg <= 4:
                raise self.refuse(f"pickle protocol {arg}", pos)
        elif op == "MARK":
            self.marks.append(len(stack))
        elif op in ("BINPUT", "LONG_BINPUT", "PUT"):
            self.memo[arg] = stack[-1]
        elif op == "MEMOIZE":
            self.memo[len(self.memo)] = stack[-1]
        elif op in ("BINGET", "LONG_BINGET", "GET"):
            stack.append(self.memo[arg])
        elif op in ("TUPLE1", "TUPLE2", "TUPLE3"):
            size = int(op[-1])
            items = tuple(stack[-size:])
            del stack[-size:]
            stack.append(items)
        elif op == "TUPLE":
            stack.append(tuple(self.pop_mark()))
        elif op == "LIST":
            stack.append(self.pop_mark())
        elif op == "APPEND":
            value = stack.pop()
            self.expect(stack[-1], list, op, pos).append(value)
        elif op == "APPENDS":
            items = self.pop_mark()
            self.expect(stack[-1], list, op, pos).extend(items)
        elif op in ("SETITEM", "SETITEMS", "DICT"):
            items = [stack.pop(), stack.pop()][::-1] if op == "SETITEM" else self.pop_mark()
            if op == "DICT":
                stack.append({})
            target = self.expect(stack[-1], dict, op, pos)
            for key, value in zip(items[::2], items[1::2]):
                target[self.expect(key, (str, bytes), "dict key", pos)] = value
        elif op in ("GLOBAL", "STACK_GLOBAL"):
            if op == "GLOBAL":
                module, name = arg.split(" ", 1)
            else:
                name, module = stack.pop(), stack.pop()
            if (module, name) not in _ALLOWED_GLOBALS:
                raise self.refuse(f"global '{module}.{name}'", pos)
            stack.append(_Global(module, name))
        elif op == "REDUCE":
            args = stack.pop()
            stack.append(self.reduce(stack.pop(), args, pos))
        elif op == "BUILD":
            state = stack.pop()
            stack[-1] = self.build(stack[-1], state, pos)
        else:
            raise self.refuse(f"opcode {op}", pos)

    def expect(self, value, kind, what: str, pos):
        if not isinstance(value, kind):
            raise self.refuse(f"{what} applied to a {type(value).__name__}", pos)
        return value

    def reduce(self, func, args, pos):
        key = func.key if isinstance(func, _Global) else None
        if key in _RECONSTRUCT and len(args) == 3 and isinstance(args[0], _Global) \
                and args[0].key == _NDARRAY:
            return _ArrayStub()
        if key == _DTYPE and args and args[0] in ("u1", "|u1", "uint8"):
            return _DtypeStub()
        if key == _ENCODE and len(args) == 2 and isinstance(args[0], str) and args[1] == "latin1":
            return args[0].encode("latin-1")
        raise self.refuse(f"call of {key} with arguments {args!r:.80}", pos)

    def build(self, obj, state, pos):
        if isinstance(obj, _DtypeStub):
            if not (isinstance(state, tuple) and len(state) >= 2 and state[1] in ("|", "<", ">", "=")):
                raise self.refuse(f"dtype state {state!r:.80}", pos)
            return obj
        if not (isinstance(obj, _ArrayStub) and isinstance(state, tuple) and len(state) == 5):
            raise self.refuse(f"BUILD of {type(obj).__name__}", pos)
        _, shape, dtype, fortran, raw = state
        if not isinstance(dtype, _DtypeStub) or not all(isinstance(n, int) for n in shape):
            raise self.refuse(f"array state with dtype {dtype!r:.40} and shape {shape!r:.40}", pos)
        if isinstance(raw, str):  # a Python 2 str, which genops decodes as latin-1
            raw = raw.encode("latin-1")
        if not isinstance(raw, bytes):
            raise self.refuse(f"array data of type {type(raw).__name__}", pos)
        if len(raw) != prod(shape):
            raise self.refuse(f"array of shape {shape} with {len(raw):,} bytes of data", pos)
        order = "F" if fortran else "C"
        obj.array = np.frombuffer(raw, dtype=np.uint8).reshape(shape, order=order)
        return obj.array

    def result(self) -> dict:
        if len(self.stack) != 1 or not isinstance(self.stack[0], dict):
            raise DatasetError(f"CIFAR batch '{self.name}': the pickle does not hold one dict.")
        out = {}
        for key, value in self.stack[0].items():
            if isinstance(value, _ArrayStub):
                value = value.array
            out[key.decode("latin-1") if isinstance(key, bytes) else key] = value
        return out

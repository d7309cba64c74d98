"""Nested structures: the one home for walking lists, tuples and dicts of leaves (Keras's ``tree``).

A *structure* is a leaf or a list, tuple or dict of structures. Everything else (a Tensor, an
array, a number, None, a string) is a leaf. Dicts are walked in insertion order (Keras sorts
their keys; nerve keeps the order the user wrote, which is also the order of a model's named
inputs and outputs).

A *shape structure* is the same over shapes: a tuple of ints and Nones is one leaf (a shape),
not a tuple to walk into; that is what ``compute_output_shape`` takes and returns.

    >>> from nerve.utils import tree
    >>> tree.flatten({"a": 1, "b": [2, (3, None)]})
    [1, 2, 3, None]
    >>> tree.map_structure(lambda v: v * 10, [1, (2, 3)])
    [10, (20, 30)]
    >>> tree.pack_sequence_as({"a": 0, "b": [0, 0]}, ["x", "y", "z"])
    {'a': 'x', 'b': ['y', 'z']}
    >>> tree.map_shape_structure(lambda s: s[1:], [(None, 4), (None, 2, 3)])
    [(4,), (2, 3)]
"""


def is_nested(structure):
    """Whether ``structure`` is a list, tuple or dict (something to walk into)."""
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """The leaves of ``structure``, in order (a leaf alone gives ``[leaf]``)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, *structures):
    """The nesting of the first structure with ``fn(*leaves)`` at every leaf.

    With several structures (of the same nesting) ``fn`` receives their leaves side by side.
    Lists stay lists, tuples tuples, dicts dicts (keys of the first).
    """
    if len(structures) > 1:
        return _map_zipped(fn, structures)
    structure = structures[0]     # the common case, kept to one isinstance chain (layer calls)
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def _map_zipped(fn, structures):
    first = structures[0]
    if isinstance(first, list):
        return [_map_zipped(fn, items) for items in zip(*structures)]
    if isinstance(first, tuple):
        return tuple(_map_zipped(fn, items) for items in zip(*structures))
    if isinstance(first, dict):
        return {key: _map_zipped(fn, [s[key] for s in structures]) for key in first}
    return fn(*structures)


def pack_sequence_as(structure, flat_sequence):
    """The leaves ``flat_sequence`` put back into the nesting of ``structure`` (``flatten``'s inverse)."""
    flat = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(f"pack_sequence_as: the structure has {expected} leaves, received {len(flat)} values")
    leaves = iter(flat)
    return map_structure(lambda _: next(leaves), structure)


def is_shape(value):
    """Whether ``value`` is one shape: a tuple of ints and Nones (``()`` included)."""
    return isinstance(value, tuple) and all(n is None or isinstance(n, int) for n in value)


def map_shape_structure(fn, *structures):
    """``map_structure`` over shape structures: each shape (a tuple of ints / None) is a leaf."""
    first = structures[0]
    if is_shape(first):
        return fn(*structures)
    if isinstance(first, dict):
        return {key: map_shape_structure(fn, *(s[key] for s in structures)) for key in first}
    return type(first)(map_shape_structure(fn, *items) for items in zip(*structures))


def flatten_shapes(structure):
    """The shapes in a shape structure, in order (leaves that are not shapes, like None, are skipped)."""
    if is_shape(structure):
        return [structure]
    if isinstance(structure, dict):
        structure = list(structure.values())
    if isinstance(structure, (list, tuple)):
        return [shape for item in structure for shape in flatten_shapes(item)]
    return []

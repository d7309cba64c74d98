"""nerve.utils.tree: the one walker of nested lists, tuples and dicts."""

import pytest

from nerve.utils import tree


NESTED = {"a": 1, "b": [2, (3, {"c": 4})], "d": None}


def test_flatten_keeps_insertion_order_and_leaves():
    assert tree.flatten(NESTED) == [1, 2, 3, 4, None]
    assert tree.flatten(7) == [7]
    assert tree.flatten([]) == []


def test_map_structure_keeps_container_types():
    out = tree.map_structure(lambda v: None if v is None else v * 2, NESTED)
    assert out == {"a": 2, "b": [4, (6, {"c": 8})], "d": None}
    assert isinstance(out["b"], list) and isinstance(out["b"][1], tuple)


def test_map_structure_over_several_structures():
    assert tree.map_structure(lambda x, y: x + y, [1, (2, 3)], [10, (20, 30)]) == [11, (22, 33)]
    assert tree.map_structure(lambda x, y: x * y, {"k": 2}, {"k": 5}) == {"k": 10}


def test_pack_sequence_as_inverts_flatten():
    assert tree.pack_sequence_as(NESTED, tree.flatten(NESTED)) == NESTED
    with pytest.raises(ValueError, match="has 5 leaves, received 4"):
        tree.pack_sequence_as(NESTED, [1, 2, 3, 4])


def test_is_nested():
    assert tree.is_nested([1]) and tree.is_nested((1,)) and tree.is_nested({})
    assert not tree.is_nested(1) and not tree.is_nested("ab") and not tree.is_nested(None)


def test_shapes_are_leaves_of_shape_structures():
    shapes = {"x": (None, 3), "y": [(2,), ()]}
    assert tree.is_shape((None, 3)) and tree.is_shape(()) and not tree.is_shape([None, 3])
    assert tree.map_shape_structure(len, shapes) == {"x": 2, "y": [1, 0]}
    merged = tree.map_shape_structure(lambda a, b: tuple(x if x == y else None for x, y in zip(a, b)),
                                      [(2, 5), (2,)], [(3, 5), (2,)])
    assert merged == [(None, 5), (2,)]
    assert tree.flatten_shapes(shapes) == [(None, 3), (2,), ()]
    assert tree.flatten_shapes(None) == []

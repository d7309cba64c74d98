"""Every public nerve.ops function says what it computes (``help(nerve.ops.matmul)`` is never empty)."""

import inspect

import nerve


def test_every_public_op_has_a_docstring():
    missing = sorted(name for name, obj in vars(nerve.ops).items()
                     if not name.startswith("_") and inspect.isfunction(obj) and not (obj.__doc__ or "").strip())
    assert not missing, (
        f"nerve.ops functions without a docstring: {missing}. Give each a one-line summary with its "
        "formula (and the gradient rule or convention when one is chosen), as nerve.ops.matmul does."
    )

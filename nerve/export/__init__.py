"""Export a model to a standard file other runtimes can serve.

    >>> import nerve
    >>> nerve.export.onnx(model, "model.onnx")          # doctest: +SKIP
    >>> model.export("model.onnx", format="onnx")       # the same, spelled as Keras spells it  # doctest: +SKIP

The ONNX file is written with the ``onnx`` package (the optional ``export`` extra) and checked
with ``onnx.checker`` before it is written, atomically. What the exporter understands, and how a
channels_last model becomes ONNX's channels_first convolutions, is in :mod:`.onnx_layers`.
"""

from .onnx_graph import onnx  # noqa: F401

__all__ = ["onnx"]

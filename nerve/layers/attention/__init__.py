"""Attention layers and what a transformer needs beside them."""

from .position_embedding import PositionEmbedding  # noqa: F401

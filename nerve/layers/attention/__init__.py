"""Attention layers and what a transformer needs beside them."""

from .attention import Attention  # noqa: F401
from .multi_head_attention import MultiHeadAttention  # noqa: F401
from .position_embedding import PositionEmbedding  # noqa: F401

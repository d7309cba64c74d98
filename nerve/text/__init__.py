"""Text: tokenizers that turn strings into the integer ids language models read."""

from .char_tokenizer import CharTokenizer  # noqa: F401

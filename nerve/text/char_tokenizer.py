"""CharTokenizer: text <-> integer ids, one id per character (nanoGPT's shakespeare_char)."""

import numpy

from ..utils.configurable import FromConfig


class CharTokenizer(FromConfig):
    """A character-level vocabulary: id i is the i-th character of ``vocabulary``.

        encode("hi") = [index("h"), index("i")],   decode(encode(s)) = s

    Args:
        vocabulary: a string of distinct characters; ``CharTokenizer.from_text(corpus)`` takes
            the sorted set of a corpus's characters, as nanoGPT does (65 for Shakespeare).

    It lives in a model's config (``get_config()`` is ``{"vocabulary": ...}``), so a saved GPT
    carries its tokenizer.

    Example:
        >>> tok = CharTokenizer.from_text("hello")
        >>> tok.encode("hole").tolist(), tok.decode([3, 1])
        ([1, 3, 2, 0], 'oh')
    """

    def __init__(self, vocabulary):
        if not isinstance(vocabulary, str) or not vocabulary:
            raise ValueError(f"CharTokenizer: `vocabulary` must be a non-empty string, received {vocabulary!r}")
        if len(set(vocabulary)) != len(vocabulary):
            repeated = sorted({c for c in vocabulary if vocabulary.count(c) > 1})
            raise ValueError(f"CharTokenizer: `vocabulary` repeats characters {repeated!r}")
        self.vocabulary = vocabulary
        self._index = {c: i for i, c in enumerate(vocabulary)}
        self._chars = numpy.array(list(vocabulary))
        # one lookup table for the whole Basic Multilingual Plane: encoding a corpus is one take()
        self._table = None

    @classmethod
    def from_text(cls, text):
        """The tokenizer of every distinct character of ``text``, sorted (by code point)."""
        return cls("".join(sorted(set(text))))

    @property
    def vocabulary_size(self):
        return len(self.vocabulary)

    def encode(self, text):
        """``text`` as an int32 array of ids; ValueError naming any character not in the vocabulary."""
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.encode: expected a string, received {type(text).__name__}")
        codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
        table = self._lookup_table()
        ids = table[numpy.minimum(codes, len(table) - 1)]
        unknown = (ids < 0) | (codes >= len(table) - 1)
        if unknown.any():
            missing = sorted({text[i] for i in numpy.flatnonzero(unknown)[:1000]})
            raise ValueError(
                f"CharTokenizer.encode: characters {''.join(missing)!r} are not in the vocabulary of "
                f"{self.vocabulary_size} characters"
            )
        return ids.astype(numpy.int32)

    def decode(self, ids):
        """The string of the ids (a sequence or 1-D array); ValueError for an id outside the vocabulary."""
        ids = numpy.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise ValueError(f"CharTokenizer.decode: expected a 1-D sequence of integer ids, received "
                             f"shape {ids.shape} of dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocabulary_size):
            raise ValueError(f"CharTokenizer.decode: ids must lie in [0, {self.vocabulary_size}), received "
                             f"ids from {int(ids.min())} to {int(ids.max())}")
        return "".join(self._chars[ids].tolist())

    def _lookup_table(self):
        if self._table is None:
            size = max(ord(c) for c in self.vocabulary) + 2     # the last slot stands for "beyond"
            table = numpy.full(size, -1, dtype=numpy.int64)
            for i, c in enumerate(self.vocabulary):
                table[ord(c)] = i
            self._table = table
        return self._table

    def get_config(self):
        return {"vocabulary": self.vocabulary}

    def __repr__(self):
        return f"CharTokenizer(vocabulary_size={self.vocabulary_size})"

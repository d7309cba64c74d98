"""Tiny Shakespeare: 1,115,394 characters of Shakespeare's plays, for character-level language models.

Source: Andrej Karpathy's char-rnn, ``data/tinyshakespeare/input.txt`` (public-domain text), the
corpus of nanoGPT's ``shakespeare_char`` recipe. Split as nanoGPT's ``prepare.py`` does: the first
90% of the characters for training, the last 10% for validation.

Check: the sha256 and size of ``input.txt``. Where it comes from, in order: ``$NERVE_DATA_DIR/
tinyshakespeare/`` (default ``~/.cache/nerve``), ``<mirror>/tinyshakespeare/`` for each folder in
``$NERVE_DATASETS_MIRROR``, then a download from `URLS` (see `nerve.datasets._fetch`).
"""
from __future__ import annotations

from nerve.datasets._fetch import RemoteFile, fetch

DATASET = "tinyshakespeare"
URLS = ("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/",)
FILE = RemoteFile("input.txt", "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1_115_394)
TRAIN_FRACTION = 0.9


def load_data():
    """The corpus as two strings, ``(train_text, validation_text)``: the first 90% and the last 10%.

    Returns:
        ``(train_text, val_text)``: 1,003,854 and 111,540 characters (65 distinct characters in all;
        ``nerve.text.CharTokenizer.from_text(train_text + val_text)`` is nanoGPT's vocabulary).

    Raises:
        DatasetError: the file is corrupt or cannot be found or downloaded; the message says where
            to put it by hand.

    Example:
        >>> train, val = load_data()  # doctest: +SKIP
        >>> len(train), len(val), train[:9]  # doctest: +SKIP
        (1003854, 111540, 'First Cit')
    """
    _, content = fetch(DATASET, FILE, URLS, keep=True)
    text = bytes(content).decode("utf-8")
    split = int(len(text) * TRAIN_FRACTION)
    return text[:split], text[split:]

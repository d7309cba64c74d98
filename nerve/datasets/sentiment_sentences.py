"""Sentiment Labelled Sentences: 3,000 review sentences, 1 (positive) or 0 (negative).

Source: Kotzias, Denil, de Freitas and Smyth, "From Group to Individual Labels using Deep Features",
KDD 2015 (UCI Machine Learning Repository, "Sentiment Labelled Sentences"; cite the paper). 1,000
sentences from each of amazon.com (cell phones), imdb.com (films) and yelp.com (restaurants), 500
positive and 500 negative in each; one ``sentence<TAB>label`` per line.

Split (fixed): in each file, every fifth sentence (lines 5, 10, 15, ...) is held out for testing:
2,400 training and 600 test sentences, each split 1/3 from each site.

Check: the sha256 and size of each file. Where they come from, in order: ``$NERVE_DATA_DIR/
sentiment-labelled-sentences/`` (default ``~/.cache/nerve``), ``<mirror>/sentiment-labelled-
sentences/`` for each folder in ``$NERVE_DATASETS_MIRROR``, then a download from `URLS`.
"""
from __future__ import annotations

import numpy

from nerve.datasets._fetch import DatasetError, RemoteFile, fetch

DATASET = "sentiment-labelled-sentences"
URLS = ("https://raw.githubusercontent.com/kvrao/sentiment_analysis/master/sentiment%20labelled%20sentences/",)
SOURCES = ("amazon", "imdb", "yelp")
FILES = {
    "amazon": RemoteFile("amazon_cells_labelled.txt",
                         "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3", 58_226),
    "imdb": RemoteFile("imdb_labelled.txt", "c662b9360c1652babb990d164835af12aa105db7991f1fdb19038115f0e93de8",
                       85_187),
    "yelp": RemoteFile("yelp_labelled.txt", "b565b1eeb864d76842588c3a256731b08bcdd9faf6de507bfe211a96f8b81912",
                       61_293),
}
TEST_EVERY = 5


def load_data(sources=SOURCES):
    """The labelled sentences, split as documented above.

    Args:
        sources: which sites to include (default all three: "amazon", "imdb", "yelp").

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: lists of sentences (str) and int64 label arrays
        (2,400 and 600 with all sources).

    Raises:
        DatasetError: a file is corrupt, malformed or cannot be found or downloaded.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> len(x_train), len(x_test), y_train.mean()  # doctest: +SKIP
        (2400, 600, 0.5)
    """
    unknown = [s for s in sources if s not in FILES]
    if unknown or not sources:
        raise ValueError(f"sentiment_sentences.load_data: `sources` must be a non-empty subset of {SOURCES}, "
                         f"received {sources!r}")
    splits = {"train": ([], []), "test": ([], [])}
    for source in sources:
        spec = FILES[source]
        _, content = fetch(DATASET, spec, URLS, keep=True)
        for i, (sentence, label) in enumerate(_parse(bytes(content).decode("utf-8"), spec.name)):
            x, y = splits["test" if i % TEST_EVERY == TEST_EVERY - 1 else "train"]
            x.append(sentence)
            y.append(label)
    return tuple((x, numpy.asarray(y, dtype="int64")) for x, y in splits.values())


def _parse(text, name):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sentence, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1"):
            raise DatasetError(f"nerve.datasets: {DATASET} file '{name}' line {number} is not "
                               f"'sentence<TAB>0|1': {line[:80]!r}")
        yield sentence.strip(), int(label)

"""tinyshakespeare and sentiment_sentences: nanoGPT's split, the fixed review split, checks and errors."""

from pathlib import Path

import pytest

from nerve.datasets import DatasetError, sentiment_sentences, tinyshakespeare
from nerve.text import CharTokenizer

ROOT = Path(__file__).resolve().parents[2]
MIRROR = next((p for p in (Path("/work/shared/data"), ROOT.parent / "shared" / "data")
               if (p / "README.md").is_file()), None)
needs_mirror = pytest.mark.skipif(MIRROR is None, reason="offline data mirror not found")


@needs_mirror
def test_tinyshakespeare_is_split_as_nanogpt(monkeypatch, tmp_path):
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(MIRROR))
    train, val = tinyshakespeare.load_data()
    assert (len(train), len(val)) == (1_003_854, 111_540)
    assert train.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert len(CharTokenizer.from_text(train + val).vocabulary) == 65
    assert (tmp_path / "cache" / "tinyshakespeare" / "input.txt").is_file()      # cached, verified


@needs_mirror
def test_sentiment_sentences_fixed_split(monkeypatch):
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(MIRROR))
    (x_train, y_train), (x_test, y_test) = sentiment_sentences.load_data()
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (2400, 2400, 600, 600)
    assert set(y_train.tolist()) | set(y_test.tolist()) == {0, 1}
    assert y_train.sum() + y_test.sum() == 1500
    assert x_train[0] == "So there is no way for me to plug it in here in the US unless I go by a converter."
    assert y_train[0] == 0 and all("\t" not in s for s in x_test)
    (x_imdb, _), (t_imdb, _) = sentiment_sentences.load_data(sources=("imdb",))
    assert (len(x_imdb), len(t_imdb)) == (800, 200) and set(t_imdb) <= set(x_test)


def test_corrupt_or_missing_file_is_a_dataset_error(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror" / "tinyshakespeare"
    mirror.mkdir(parents=True)
    (mirror / "input.txt").write_text("not Shakespeare")
    monkeypatch.setenv("NERVE_DATASETS_MIRROR", str(tmp_path / "mirror"))
    with pytest.warns(UserWarning, match="skipping"):
        with pytest.raises(DatasetError, match="input.txt"):
            tinyshakespeare.load_data()


def test_malformed_review_line_is_a_dataset_error(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / sentiment_sentences.DATASET
    folder.mkdir(parents=True)
    content = b"A fine phone.\t1\nno label here\n"
    spec = sentiment_sentences.FILES["amazon"]
    import hashlib
    monkeypatch.setitem(sentiment_sentences.FILES, "amazon",
                        type(spec)(spec.name, hashlib.sha256(content).hexdigest(), len(content)))
    (folder / spec.name).write_bytes(content)
    with pytest.raises(DatasetError, match="line 2 is not 'sentence<TAB>0|1'"):
        sentiment_sentences.load_data(sources=("amazon",))
    with pytest.raises(ValueError, match="subset of"):
        sentiment_sentences.load_data(sources=("twitter",))

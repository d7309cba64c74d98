"""MNIST scenes: deterministic, labels consistent with the pixels, cached, arguments checked."""

import numpy as np
import pytest

from nerve.datasets import mnist_scenes


def _digits(n=50, seed=0):
    """Stand-in digits: a filled bar whose length encodes the label (bright strokes, dark ground)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    digits = np.zeros((n, 28, 28), np.uint8)
    for image, label in zip(digits, labels):
        image[4:24, 10:10 + 2 + label] = 255
    return digits, labels


def test_same_arguments_same_scenes():
    digits, labels = _digits()
    a = mnist_scenes.generate(digits, labels, 20, seed=3, clutter=2)
    b = mnist_scenes.generate(digits, labels, 20, seed=3, clutter=2)
    c = mnist_scenes.generate(digits, labels, 20, seed=4, clutter=2)
    for x, y in zip(a[:5], b[:5]):
        np.testing.assert_array_equal(x, y)
    assert a.captions == b.captions
    assert not np.array_equal(a.images, c.images)


def test_labels_agree_with_pixels():
    digits, labels = _digits()
    s = mnist_scenes.generate(digits, labels, 40, seed=1, max_digits=4)
    assert s.images.shape == (40, 64, 64, 1) and s.masks.shape == (40, 64, 64)
    assert 1 <= s.counts.min() and s.counts.max() <= 4
    for i in range(40):
        k = s.counts[i]
        assert (s.labels[i, k:] == -1).all() and (s.labels[i, :k] >= 0).all()
        present = set(np.unique(s.masks[i])) - {0}
        assert present <= {1 + int(d) for d in s.labels[i, :k]}
        for box, label in zip(s.boxes[i, :k], s.labels[i, :k]):
            x0, y0, x1, y1 = box.astype(int)
            assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
            inside = np.zeros((64, 64), bool)
            inside[y0:y1, x0:x1] = True
            pixels = s.masks[i] == 1 + label
            if not (s.labels[i, :k] == label).sum() > 1:        # a digit alone of its class: all its pixels in its box
                assert pixels[~inside].sum() == 0
            assert (s.images[i, ..., 0][pixels] > 127).all()
        for label in s.labels[i, :k]:
            assert mnist_scenes.DIGIT_WORDS[label] in s.captions[i]


def test_captions_by_hand():
    seven = (7, None, (0, 20, 10, 40), 1.0)
    two = (2, None, (40, 22, 50, 42), 1.4)
    nine = (9, None, (5, 0, 15, 10), 0.75)
    assert mnist_scenes.caption([seven]) == "a seven"
    assert mnist_scenes.caption([two, seven]) == "a seven to the left of a large two"
    assert mnist_scenes.caption([seven, nine]) == "a small nine above a seven"
    assert mnist_scenes.caption([two, seven, nine]) == "a seven , a small nine and a large two from left to right"


def test_load_data_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("NERVE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(mnist_scenes, "_mnist", lambda split: _digits(seed=0 if split == "train" else 1))
    first = mnist_scenes.load_data("test", n=12, seed=5)
    files = list((tmp_path / "mnist_scenes").iterdir())
    assert len(files) == 1 and f"v{mnist_scenes.VERSION}_test_n12_seed5" in files[0].name
    monkeypatch.setattr(mnist_scenes, "_mnist", lambda split: pytest.fail("regenerated instead of read"))
    second = mnist_scenes.load_data("test", n=12, seed=5)
    np.testing.assert_array_equal(first.masks, second.masks)
    assert first.captions == second.captions


@pytest.mark.parametrize("kwargs, message", [
    ({"split": "val"}, "split"), ({"n": 0}, "n must be"), ({"size": 16}, "size must be"),
    ({"max_digits": 9}, "max_digits"), ({"max_overlap": 1.0}, "max_overlap"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mnist_scenes.load_data(**kwargs)


def test_a_cache_too_big_for_its_arguments_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("NERVE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(mnist_scenes, "_mnist", lambda split: _digits())
    scenes = mnist_scenes.load_data("test", n=4, seed=2)
    (path,) = (tmp_path / "mnist_scenes").iterdir()
    big = mnist_scenes.generate(*_digits(), 4, seed=2)
    np.savez(path, images=np.zeros((400, 64, 64, 1), np.uint8), masks=big.masks, boxes=big.boxes,
             labels=big.labels, counts=big.counts, captions=np.asarray(big.captions))
    assert mnist_scenes._read_cache(path, 4, 64, 4) is None            # images.npy is 100x what 4 scenes need
    again = mnist_scenes.load_data("test", n=4, seed=2)                 # regenerated, the same scenes
    np.testing.assert_array_equal(again.images, scenes.images)

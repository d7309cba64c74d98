"""Region proposals: the dense window set and the integral-image ink test."""

import numpy
import pytest

from nerve.vision import ink_filter, propose, sliding_windows


def test_window_count_sizes_and_cover():
    windows = sliding_windows(64, 64, sizes=(16,), aspect_ratios=(1.0,), stride=4)
    assert len(windows) == 13 * 13                     # starts 0, 4, ..., 48: 13 per axis
    assert windows.dtype == numpy.float32
    assert ((windows[:, 2] - windows[:, 0]) == 16).all() and ((windows[:, 3] - windows[:, 1]) == 16).all()
    # a stride that does not divide the room left: the last window is moved flush with the edge
    windows = sliding_windows(30, 40, sizes=(12,), aspect_ratios=(0.5,), stride=7)
    assert windows[:, 2].max() == 40 and windows[:, 3].max() == 30
    assert sorted(set(windows[:, 1].tolist())) == [0, 7, 14, 18]
    assert sorted(set(windows[:, 0].tolist())) == [0, 7, 14, 21, 28, 34]


def test_default_windows_inside_the_image_and_multi_scale():
    windows = sliding_windows(64, 64)
    assert len(windows) == 2061                        # the figure the module docstring gives
    assert windows.min() >= 0 and windows[:, 2].max() <= 64 and windows[:, 3].max() <= 64
    heights = set((windows[:, 3] - windows[:, 1]).tolist())
    widths = set((windows[:, 2] - windows[:, 0]).tolist())
    assert heights == {14, 18, 23, 29} and len(widths) >= 9
    assert len(numpy.unique(windows, axis=0)) == len(windows)


def test_ink_filter_counts_bright_pixels_exactly():
    image = numpy.zeros((20, 20), numpy.uint8)
    image[5:10, 5:10] = 200                            # 25 bright pixels
    image[0, 0] = 100                                  # not brighter than the threshold
    windows = numpy.array([[0, 0, 10, 10], [5, 5, 10, 10], [10, 10, 20, 20], [0, 0, 5, 5], [8, 8, 18, 18]])
    brute = numpy.array([(image[y0:y1, x0:x1] > 127).mean() for x0, y0, x1, y1 in windows])
    for min_ink in (0.0, 0.04, 0.25, 0.5, 1.0):
        numpy.testing.assert_array_equal(ink_filter(image, windows, min_ink=min_ink), brute >= min_ink)
    with pytest.raises(ValueError, match="inside"):
        ink_filter(image, [[0, 0, 21, 10]])
    with pytest.raises(ValueError, match="image must be"):
        ink_filter(numpy.zeros((2, 3, 4)), windows)


def test_propose_keeps_windows_with_ink_and_finds_the_digit():
    image = numpy.zeros((64, 64, 1), numpy.uint8)
    assert propose(image).shape == (0, 4)              # an empty scene: no proposals, documented
    image[20:40, 30:42, 0] = 255
    boxes = propose(image)
    assert 0 < len(boxes) < len(sliding_windows(64, 64))
    inside = (boxes[:, 0] < 42) & (boxes[:, 2] > 30) & (boxes[:, 1] < 40) & (boxes[:, 3] > 20)
    assert inside.all()                                # every kept window touches the ink
    from nerve.vision import box_iou
    assert box_iou([[30, 20, 42, 40]], boxes).max() >= 0.6       # a positive for training (>= 0.5)


def test_sliding_windows_bad_arguments():
    with pytest.raises(ValueError, match="positive"):
        sliding_windows(64, 0)
    with pytest.raises(ValueError, match="sizes"):
        sliding_windows(64, 64, sizes=())

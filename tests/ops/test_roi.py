"""RoIAlign: against a plain loop written from torchvision's definition, and gradient-checked."""

import math

import numpy as np
import pytest

from nerve.ops.roi import roi_align
from nerve.testing import gradcheck


def _bilinear(f, y, x):
    height, width = f.shape[:2]
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return np.zeros(f.shape[-1])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(math.floor(y)), int(math.floor(x))
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * f[y0, x0] + (1 - ly) * lx * f[y0, x1]
            + ly * (1 - lx) * f[y1, x0] + ly * lx * f[y1, x1])


def _reference(features, boxes, indices, out, scale, s, aligned):
    ph, pw = out
    result = np.zeros((len(boxes), ph, pw, features.shape[-1]))
    for r, (box, b) in enumerate(zip(boxes, indices)):
        offset = 0.5 if aligned else 0.0
        x1, y1, x2, y2 = (v * scale - offset for v in box)
        w, h = x2 - x1, y2 - y1
        if not aligned:
            w, h = max(w, 1.0), max(h, 1.0)
        for i in range(ph):
            for j in range(pw):
                total = 0.0
                for sy in range(s):
                    for sx in range(s):
                        y = y1 + (i + (sy + 0.5) / s) * h / ph
                        x = x1 + (j + (sx + 0.5) / s) * w / pw
                        total = total + _bilinear(features[b], y, x)
                result[r, i, j] = total / (s * s)
    return result


@pytest.mark.parametrize("aligned", [True, False])
def test_matches_the_definition(aligned):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 9, 11, 3))
    boxes = np.array([[0, 0, 22, 18], [3.3, 2.7, 13.1, 9.9], [10, 4, 21, 17.5], [-4, -3, 6, 5], [19, 15, 24, 20]])
    indices = np.array([0, 1, 0, 1, 0])
    got = np.asarray(roi_align(features, boxes, indices, (3, 2), spatial_scale=0.5, sampling_ratio=2,
                               aligned=aligned).data)
    np.testing.assert_allclose(got, _reference(features, boxes, indices, (3, 2), 0.5, 2, aligned), atol=1e-12)


def test_gradient():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(1, 6, 7, 2))
    boxes = np.array([[0.5, 0.5, 10.0, 9.0], [2.0, 3.0, 13.0, 11.0], [1.0, 1.0, 4.0, 3.0]])
    gradcheck(lambda f: roi_align(f, boxes, None, (2, 3), spatial_scale=0.5, sampling_ratio=2), features)


def test_bad_input():
    with pytest.raises(ValueError, match=r"boxes must have shape \(R, 4\)"):
        roi_align(np.zeros((1, 4, 4, 1)), [[0, 0, 1]])
    with pytest.raises(ValueError, match="box_indices"):
        roi_align(np.zeros((1, 4, 4, 1)), [[0, 0, 1, 1]], [3])
    with pytest.raises(ValueError, match="features must be"):
        roi_align(np.zeros((4, 4, 1)), [[0, 0, 1, 1]])

"""Region-of-interest pooling: a fixed-size feature for each box, read off a shared feature map.

Fast R-CNN computes the convolutional features of an image once and pools, for every proposal,
the part of the map under it into a fixed grid, so the per-region head sees the same shape
whatever the box. nerve does it as RoIAlign (He et al., Mask R-CNN, 2017), the refinement of
Fast R-CNN's quantised RoI max pooling that torchvision and Detectron use: no rounding of the box
to the grid; each of the ph x pw bins is the mean of S x S bilinear samples.
"""

import numpy

from .. import backend
from ..autodiff import Function
from ..tensor import as_float_tensor


class RoIAlign(Function):
    """Forward: bilinear samples at bin sub-centres, averaged per bin. Backward: each sample's
    gradient (dY / S²) sent to its four neighbouring feature cells with the same bilinear weights."""

    def __init__(self, boxes, box_indices, output_size, spatial_scale, sampling_ratio, aligned):
        self.boxes = backend.to_numpy(boxes).astype(numpy.float64).reshape(-1, 4)
        self.box_indices = backend.to_numpy(box_indices).astype(numpy.int64).reshape(-1)
        self.output_size = output_size
        self.scale = float(spatial_scale)
        self.samples = int(sampling_ratio)
        self.aligned = bool(aligned)

    def _sampling(self, shape):
        """Flat feature indices (R, Py, Px, 4) and weights (R, Py, Px, 4) of every sample's corners."""
        n, height, width, _ = shape
        (ph, pw), s = self.output_size, self.samples
        offset = 0.5 if self.aligned else 0.0
        start = self.boxes * self.scale - offset
        size = start[:, 2:] - start[:, :2]
        if not self.aligned:
            size = numpy.maximum(size, 1.0)
        fractions_y = (numpy.arange(ph)[:, None] + (numpy.arange(s)[None, :] + 0.5) / s).reshape(-1)
        fractions_x = (numpy.arange(pw)[:, None] + (numpy.arange(s)[None, :] + 0.5) / s).reshape(-1)
        ys = start[:, 1:2] + size[:, 1:2] / ph * fractions_y                  # (R, Py)
        xs = start[:, 0:1] + size[:, 0:1] / pw * fractions_x                  # (R, Px)
        y_low, y_high, wy_low, wy_high = _axis(ys, height)
        x_low, x_high, wx_low, wx_high = _axis(xs, width)
        base = self.box_indices[:, None, None] * height
        index = numpy.stack([
            ((base + y_low[:, :, None]) * width + x_low[:, None, :]),
            ((base + y_low[:, :, None]) * width + x_high[:, None, :]),
            ((base + y_high[:, :, None]) * width + x_low[:, None, :]),
            ((base + y_high[:, :, None]) * width + x_high[:, None, :]),
        ], axis=-1)
        weight = numpy.stack([
            wy_low[:, :, None] * wx_low[:, None, :], wy_low[:, :, None] * wx_high[:, None, :],
            wy_high[:, :, None] * wx_low[:, None, :], wy_high[:, :, None] * wx_high[:, None, :],
        ], axis=-1)
        return index, weight

    def forward(self, features):
        xp = backend.array_module(features)
        self.shape = features.shape
        index, weight = self._sampling(features.shape)
        self.index, self.weight = xp.asarray(index), xp.asarray(weight, dtype=features.dtype)
        flat = features.reshape(-1, features.shape[-1])
        samples = (flat[self.index] * self.weight[..., None]).sum(axis=3)        # (R, Py, Px, C)
        (ph, pw), s = self.output_size, self.samples
        r, c = samples.shape[0], samples.shape[-1]
        return samples.reshape(r, ph, s, pw, s, c).mean(axis=(2, 4))

    def backward(self, grad):
        xp = backend.array_module(grad)
        (ph, pw), s = self.output_size, self.samples
        r, c = grad.shape[0], grad.shape[-1]
        per_sample = xp.broadcast_to((grad / (s * s))[:, :, None, :, None, :], (r, ph, s, pw, s, c))
        per_sample = per_sample.reshape(r, ph * s, pw * s, 1, c) * self.weight[..., None]
        flat = xp.zeros((self.shape[0] * self.shape[1] * self.shape[2], c), dtype=grad.dtype)
        if xp is numpy:
            numpy.add.at(flat, self.index.reshape(-1), per_sample.reshape(-1, c))
        else:
            xp.add.at(flat, self.index.reshape(-1), per_sample.reshape(-1, c))
        return (flat.reshape(self.shape),)


def _axis(coords, length):
    """Bilinear neighbours along one axis, as torchvision's roi_align: samples beyond one cell outside
    the map weigh 0; inside, coordinates clamp to [0, length − 1]."""
    outside = (coords < -1.0) | (coords > length)
    coords = numpy.clip(coords, 0.0, None)
    low = numpy.floor(coords).astype(numpy.int64)
    at_end = low >= length - 1
    low = numpy.where(at_end, length - 1, low)
    high = numpy.where(at_end, length - 1, low + 1)
    coords = numpy.where(at_end, low.astype(numpy.float64), coords)
    frac = coords - low
    keep = ~outside
    return low, high, (1.0 - frac) * keep, frac * keep


def roi_align(features, boxes, box_indices=None, output_size=(7, 7), spatial_scale=1.0, sampling_ratio=2,
              aligned=True):
    """Pool the features under each box into an ``output_size`` grid (RoIAlign).

    Bin (i, j) of box r is the mean over S x S sample points (S = ``sampling_ratio``) evenly
    placed inside it of the bilinear interpolation of the feature map at that point; the box in
    feature coordinates is ``box · spatial_scale`` (minus half a cell when ``aligned``, so that
    a box's edges fall on pixel edges). Differentiable in ``features`` (not in the boxes).

    Args:
        features: (N, H, W, C) feature maps (channels_last).
        boxes: (R, 4) boxes as (x_min, y_min, x_max, y_max) in input-image pixels.
        box_indices: (R,) the image of ``features`` each box is on (all 0 by default).
        output_size: (ph, pw), or an int for a square grid.
        spatial_scale: feature cells per image pixel (1/8 for a map at stride 8).
        sampling_ratio: S, the samples per bin along each axis.
        aligned: shift by half a cell, as torchvision's ``aligned=True``.

    Returns:
        (R, ph, pw, C) pooled features.

    Example:
        >>> import numpy as np
        >>> f = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> roi_align(f, [[0, 0, 4, 4]], output_size=2, sampling_ratio=1).shape
        (1, 2, 2, 1)
    """
    features = as_float_tensor(features)
    if features.ndim != 4:
        raise ValueError(f"roi_align: features must be (batch, height, width, channels), received shape "
                         f"{features.shape}")
    boxes = numpy.asarray(backend.to_numpy(getattr(boxes, "data", boxes)), dtype=numpy.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"roi_align: boxes must have shape (R, 4), received shape {boxes.shape}")
    if box_indices is None:
        box_indices = numpy.zeros(len(boxes), numpy.int64)
    box_indices = numpy.asarray(backend.to_numpy(getattr(box_indices, "data", box_indices))).reshape(-1)
    if len(box_indices) != len(boxes) or (len(boxes) and (box_indices.min() < 0
                                                          or box_indices.max() >= features.shape[0])):
        raise ValueError(f"roi_align: box_indices must give an image in [0, {features.shape[0]}) for each of the "
                         f"{len(boxes)} boxes")
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    output_size = tuple(int(n) for n in output_size)
    if len(output_size) != 2 or min(output_size) < 1 or int(sampling_ratio) < 1:
        raise ValueError(f"roi_align: output_size must be two positive ints and sampling_ratio >= 1, received "
                         f"{output_size} and {sampling_ratio}")
    return RoIAlign(boxes, box_indices, output_size, spatial_scale, sampling_ratio, aligned)(features)

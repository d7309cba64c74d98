"""R-CNN: region proposals, a CNN on each warped region, box regression, non-maximum suppression.

Girshick, Donahue, Darrell and Malik, "Rich feature hierarchies for accurate object detection and
semantic segmentation", CVPR 2014, as nerve builds it for 64x64 digit scenes:

1. **Proposals**: dense multi-scale windows kept where there is ink
   (:func:`nerve.vision.proposals.propose`; R-CNN used selective search, ~2,000 per image).
2. **Warp**: each proposal, dilated so that ``context`` pixels of the warped crop are surrounding
   context (the paper's p = 16 at 227 px; here 2 at 24 px), is cropped and resized bilinearly to
   ``warp_size`` x ``warp_size`` (:func:`warp_regions`).
3. **CNN per region**: conv-ReLU-pool blocks, a hidden Dense layer, then two heads: class scores
   over 11 classes (background + ten digits) and class-specific box offsets (4 per digit class).
   R-CNN trained SVMs on the CNN features and a separate ridge regressor; like its successors,
   nerve trains the softmax classifier and the regressor jointly with one loss.
4. **Training** (:func:`sample_rois`): a proposal whose best IoU with a true box is ≥ 0.5 is a
   positive (class = that box's digit, regression target = that box); one below ``negative_iou``
   is background; those between are not used. ``negative_iou`` = 0.3 is R-CNN's SVM rule; its
   fine-tuning (and nerve's recipe, detection_run) takes everything below 0.5 as background, so
   that windows on part of a digit learn to score low. The true boxes are added to the pool (as
   R-CNN's fine-tuning did), and each minibatch is 25% positives. The loss of a minibatch of R regions, P of them positive:

       L = (1/R) Σ_r CE(p_r, c_r)  +  λ (1/P) Σ_{r positive} Σ_{i∈x,y,w,h} smoothL1(t̂_{r,c_r,i} − w_i t_{r,i})

   with t = :func:`nerve.vision.encode_boxes` of the true box relative to the proposal, scaled by
   w = (10, 10, 5, 5) (the usual normalisation: the raw offsets are ~0.1), smoothL1 = Huber δ=1.
5. **Detection** (:func:`postprocess`): softmax scores per proposal and class, each class's offsets
   decoded into a box and clipped to the image, background dropped, scores below a threshold
   dropped, NMS within each class (IoU 0.3, R-CNN's), the ``max_detections`` best kept.

:class:`RCNN` holds the per-region network; :class:`nerve.applications.fast_rcnn.FastRCNN` shares
this module's sampling, loss, training loop and post-processing, differing only in
:meth:`RegionDetector.region_outputs`.
"""

import json
import os

import numpy

from .. import layers, ops
from ..autodiff import grad, no_grad
from ..models import Model
from ..utils.file_utils import atomic_write
from ..vision.boxes import batched_nms, box_iou, clip_boxes, decode_boxes, encode_boxes
from ..vision.proposals import propose

NUM_CLASSES = 11                                  # background + ten digits
BOX_WEIGHTS = numpy.array([10.0, 10.0, 5.0, 5.0])


# ---- networks -------------------------------------------------------------------------------

def conv_features(x, filters=(16, 32, 64), prefix=""):
    """3x3 conv + ReLU per entry of ``filters``, a 2x2 max pool between them: stride 2^(len − 1)."""
    for i, width in enumerate(filters):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{prefix}conv{i + 1}")(x)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D(2, name=f"{prefix}pool{i + 1}")(x)
    return x


def region_head(x, hidden=128, classes=NUM_CLASSES):
    """Flatten, Dense(hidden, ReLU), then ``cls_score`` (classes logits) and ``bbox_pred``
    (4 offsets per non-background class, initialised small as Fast R-CNN's, std 0.001)."""
    from .. import initializers
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(hidden, activation="relu", name="fc")(x)
    logits = layers.Dense(classes, name="cls_score")(x)
    deltas = layers.Dense(4 * (classes - 1), name="bbox_pred",
                          kernel_initializer=initializers.RandomNormal(stddev=0.001))(x)
    return [logits, deltas]


def rcnn_classifier(warp_size=24, channels=1, filters=(16, 32, 64), hidden=128, classes=NUM_CLASSES):
    """R-CNN's per-region network: a (warp_size, warp_size, channels) crop -> [class logits, box offsets]."""
    crop = layers.Input(shape=(warp_size, warp_size, channels), name="region")
    return Model(crop, region_head(conv_features(crop, filters), hidden, classes), name="rcnn")


def warp_regions(images, boxes, box_indices, size, context=0):
    """Bilinear crop-and-resize of each box to ``size`` x ``size``: (R, size, size, C) float32.

    Output pixel (i, j) of box (x0, y0, x1, y1) samples the image at
    (x0 + (j + ½)(x1 − x0)/size − ½, y0 + (i + ½)(y1 − y0)/size − ½) in pixel-centre coordinates,
    bilinearly (it is :func:`nerve.ops.roi_align` with one sample per bin, run on the image). With
    ``context`` > 0 the box is first dilated about its centre by size / (size − 2·context), so the
    original box fills the crop but ``context`` pixels on each side (R-CNN's warp with context
    padding); samples past the image's edge are edge-replicated up to one pixel, then zero.
    """
    boxes = numpy.asarray(boxes, numpy.float64).reshape(-1, 4)
    if context:
        if not 0 <= 2 * context < size:
            raise ValueError(f"warp_regions: context must be in [0, size/2), received {context} for size {size}")
        boxes = dilate(boxes, size / (size - 2 * context))
    with no_grad():
        crops = ops.roi_align(numpy.asarray(images, numpy.float32), boxes, box_indices, output_size=size,
                              sampling_ratio=1, aligned=True)
    return numpy.asarray(crops.data, numpy.float32)


def dilate(boxes, factor):
    """Boxes scaled by ``factor`` about their centres."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) * factor / 2
    return numpy.concatenate([centre - half, centre + half], axis=1)


# ---- training samples ----------------------------------------------------------------------------

def sample_rois(proposals, true_boxes, true_labels, rois=32, positive_fraction=0.25, rng=None,
                positive_iou=0.5, negative_iou=0.3):
    """Draw one image's training regions from its proposals plus its true boxes.

    Args:
        proposals: (n, 4) boxes. true_boxes: (g, 4). true_labels: (g,) digits 0-9 (g may be 0:
            an empty scene gives only background samples).
        rois: how many regions to draw (fewer when the pool is smaller).
        positive_fraction: the share of positives aimed at (the rest is filled with background).

    Returns:
        ``(boxes (k, 4), classes (k,), targets (k, 4))``: classes 0 = background, 1 + d = digit d;
        targets are BOX_WEIGHTS · encode_boxes(matched true box, region), zero for background.
    """
    rng = rng if rng is not None else numpy.random.default_rng()
    proposals = numpy.asarray(proposals, numpy.float64).reshape(-1, 4)
    true_boxes = numpy.asarray(true_boxes, numpy.float64).reshape(-1, 4)
    true_labels = numpy.asarray(true_labels, numpy.int64).reshape(-1)
    if len(true_boxes) != len(true_labels):
        raise ValueError(f"sample_rois: {len(true_boxes)} true boxes but {len(true_labels)} labels")
    pool = numpy.concatenate([proposals, true_boxes])
    if len(true_boxes):
        overlaps = box_iou(pool, true_boxes)
        best, match = overlaps.max(axis=1), overlaps.argmax(axis=1)
    else:
        best, match = numpy.zeros(len(pool)), numpy.zeros(len(pool), numpy.int64)
    positives = numpy.flatnonzero(best >= positive_iou)
    negatives = numpy.flatnonzero(best < negative_iou)
    n_pos = min(int(round(positive_fraction * rois)), len(positives))
    n_neg = min(rois - n_pos, len(negatives))
    chosen_pos = rng.choice(positives, n_pos, replace=False)
    chosen_neg = rng.choice(negatives, n_neg, replace=False)
    boxes = numpy.concatenate([pool[chosen_pos], pool[chosen_neg]])
    classes = numpy.concatenate([true_labels[match[chosen_pos]] + 1, numpy.zeros(n_neg, numpy.int64)])
    targets = numpy.zeros((len(boxes), 4))
    if n_pos:
        targets[:n_pos] = encode_boxes(true_boxes[match[chosen_pos]], pool[chosen_pos]) * BOX_WEIGHTS
    return boxes, classes, targets


def check_scene(boxes, labels, height, width, where="detector"):
    """Raise a ValueError for true boxes that are empty, outside the image, or labels not 0-9."""
    boxes = numpy.asarray(boxes, numpy.float64).reshape(-1, 4)
    labels = numpy.asarray(labels).reshape(-1)
    if len(boxes) != len(labels):
        raise ValueError(f"{where}: {len(boxes)} true boxes but {len(labels)} labels")
    if len(boxes) == 0:
        return
    if not numpy.isfinite(boxes).all() or (boxes[:, 2] <= boxes[:, 0]).any() or (boxes[:, 3] <= boxes[:, 1]).any():
        raise ValueError(f"{where}: true boxes need x_min < x_max and y_min < y_max, received {boxes.tolist()}")
    if boxes[:, :2].min() < 0 or (boxes[:, 2] > width).any() or (boxes[:, 3] > height).any():
        raise ValueError(f"{where}: true boxes must lie inside the {height}x{width} image, received {boxes.tolist()}")
    if labels.min() < 0 or labels.max() > NUM_CLASSES - 2:
        raise ValueError(f"{where}: labels must be digits 0-{NUM_CLASSES - 2}, received {labels.tolist()}")


def detection_loss(logits, deltas, classes, targets, box_weight=1.0):
    """Cross-entropy over all regions + box_weight · smooth-L1 of the true class's offsets, mean over
    positives (zero when there are none). ``deltas`` is (R, 4·10); ``classes`` (R,) 0-10."""
    classes = numpy.asarray(classes, numpy.int64)
    classification = ops.mean(ops.sparse_categorical_crossentropy(classes, logits, from_logits=True))
    positive = classes > 0
    if not positive.any():
        return classification
    digits = numpy.zeros((len(classes), NUM_CLASSES - 1, 1), numpy.float32)     # one-hot of the true digit
    digits[numpy.flatnonzero(positive), classes[positive] - 1, 0] = 1.0
    chosen = ops.sum(ops.reshape(deltas, (len(classes), NUM_CLASSES - 1, 4)) * digits, axis=1)   # (R, 4)
    per_region = ops.huber(targets.astype(numpy.float32), chosen, delta=1.0) * 4.0   # sum over x, y, w, h
    regression = ops.sum(per_region * positive.astype(numpy.float32)) / float(positive.sum())
    return classification + regression * box_weight


# ---- detection ------------------------------------------------------------------------------------

def postprocess(proposals, logits, deltas, height, width, score_threshold=0.05, nms_iou=0.3,
                max_detections=10, pre_nms=300):
    """One image's detections from its regions' outputs.

    For each proposal and digit class: probability = softmax(logits)[1 + d], box =
    decode_boxes(offsets_d / BOX_WEIGHTS, proposal) clipped to the image. Pairs scoring under
    ``score_threshold`` or with an empty box are dropped, the ``pre_nms`` best kept, NMS runs within
    each class at ``nms_iou``, and the ``max_detections`` best remain.

    Returns:
        ``(boxes (k, 4), scores (k,), classes (k,) digits 0-9)``, by decreasing score.
    """
    proposals = numpy.asarray(proposals, numpy.float64).reshape(-1, 4)
    logits = numpy.asarray(logits, numpy.float64)
    digits = NUM_CLASSES - 1
    if len(proposals) == 0:
        return numpy.zeros((0, 4)), numpy.zeros(0), numpy.zeros(0, numpy.int64)
    if logits.shape != (len(proposals), NUM_CLASSES) or numpy.shape(deltas) != (len(proposals), 4 * digits):
        raise ValueError(f"postprocess: expected logits ({len(proposals)}, {NUM_CLASSES}) and deltas "
                         f"({len(proposals)}, {4 * digits}), received {logits.shape} and {numpy.shape(deltas)}")
    probs = numpy.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    offsets = numpy.asarray(deltas, numpy.float64).reshape(-1, 4) / BOX_WEIGHTS
    boxes = clip_boxes(decode_boxes(offsets, numpy.repeat(proposals, digits, axis=0)), height, width)
    scores = probs[:, 1:].reshape(-1)
    classes = numpy.tile(numpy.arange(digits), len(proposals))
    keep = (scores >= score_threshold) & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    keep = numpy.flatnonzero(keep)
    keep = keep[numpy.argsort(-scores[keep], kind="stable")[:pre_nms]]
    kept = keep[batched_nms(boxes[keep], scores[keep], classes[keep], nms_iou)][:max_detections]
    return boxes[kept], scores[kept], classes[kept]


class RegionDetector:
    """What R-CNN and Fast R-CNN share: proposals, training step, detection. A subclass supplies
    ``models`` (name -> Model) and :meth:`region_outputs`."""

    name = "detector"

    def __init__(self, proposal_options=None):
        self.proposal_options = dict(proposal_options or {})

    def region_outputs(self, images, boxes, box_indices, training=False):
        """[class logits (R, 11), box offsets (R, 40)] of the regions ``boxes`` on ``images``."""
        raise NotImplementedError(f"{type(self).__name__} must define region_outputs")

    @property
    def trainable_weights(self):
        return [w for model in self.models.values() for w in model.trainable_weights]

    def count_params(self):
        return sum(model.count_params() for model in self.models.values())

    def proposals(self, image):
        return propose(image, **self.proposal_options)

    def train_step(self, images, true_boxes, true_labels, proposals, optimizer, rng, rois_per_image=32,
                   positive_fraction=0.25, negative_iou=0.3):
        """One step on a few images: sample regions, forward both heads, one optimizer update.

        Args:
            images: (N, H, W, C) float32 in [0, 1]. true_boxes, true_labels, proposals: one entry per image.
            negative_iou: regions overlapping every true box by less are background (see :func:`sample_rois`).

        Returns:
            the loss (a float); 0.0, and no update, when the images give no region at all (empty
            canvases without proposals).
        """
        height, width = images.shape[1:3]
        boxes, indices, classes, targets = [], [], [], []
        for i in range(len(images)):
            check_scene(true_boxes[i], true_labels[i], height, width, f"{self.name}.train_step")
            b, c, t = sample_rois(proposals[i], true_boxes[i], true_labels[i], rois_per_image, positive_fraction, rng,
                                  negative_iou=negative_iou)
            boxes.append(b)
            indices.append(numpy.full(len(b), i))
            classes.append(c)
            targets.append(t)
        boxes, indices = numpy.concatenate(boxes), numpy.concatenate(indices)
        classes, targets = numpy.concatenate(classes), numpy.concatenate(targets)
        if len(boxes) == 0:                     # empty canvases with no proposals: nothing to learn from
            return 0.0
        logits, deltas = self.region_outputs(images, boxes, indices, training=True)
        loss = detection_loss(logits, deltas, classes, targets)
        weights = self.trainable_weights
        optimizer.apply(grad(loss, weights), weights)
        return float(loss.data)

    def detect(self, images, proposals=None, images_per_batch=8, max_regions=2048, **postprocess_options):
        """Detections for each image: a list of ``(boxes, scores, classes)`` (see :func:`postprocess`).

        Args:
            images: (N, H, W, C) uint8 (0-255) scenes.
            proposals: one (n, 4) array per image (computed by :meth:`proposals` when None).
        """
        images = numpy.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"{self.name}.detect: images must be (batch, height, width, channels), received "
                             f"shape {images.shape}")
        if images.dtype != numpy.uint8:
            raise TypeError(f"{self.name}.detect: images must be uint8 (0-255, as mnist_scenes gives them), "
                            f"received {images.dtype}")
        if proposals is None:
            proposals = [self.proposals(image) for image in images]
        if len(proposals) != len(images):
            raise ValueError(f"{self.name}.detect: {len(images)} images but {len(proposals)} proposal sets")
        height, width = images.shape[1:3]
        results = []
        for start in range(0, len(images), images_per_batch):
            batch = images[start:start + images_per_batch].astype(numpy.float32) / 255.0
            sets = proposals[start:start + images_per_batch]
            boxes = numpy.concatenate([numpy.asarray(p, numpy.float64).reshape(-1, 4) for p in sets])
            indices = numpy.repeat(numpy.arange(len(sets)), [len(p) for p in sets])
            logits, deltas = self.batch_outputs(batch, boxes, indices, max_regions)
            bounds = numpy.cumsum([0] + [len(p) for p in sets])
            for i in range(len(sets)):
                part = slice(bounds[i], bounds[i + 1])
                results.append(postprocess(boxes[part], logits[part], deltas[part], height, width,
                                           **postprocess_options))
        return results

    def batch_outputs(self, images, boxes, indices, max_regions):
        """Inference outputs as NumPy arrays, at most ``max_regions`` regions per forward pass."""
        logits, deltas = [], []
        with no_grad():
            outputs_of = self.inference_on(images)
            for start in range(0, len(boxes), max_regions):
                part = slice(start, start + max_regions)
                out = outputs_of(boxes[part], indices[part])
                logits.append(numpy.asarray(out[0].data))
                deltas.append(numpy.asarray(out[1].data))
        if not logits:
            return numpy.zeros((0, NUM_CLASSES)), numpy.zeros((0, 4 * (NUM_CLASSES - 1)))
        return numpy.concatenate(logits), numpy.concatenate(deltas)

    def inference_on(self, images):
        """A function (boxes, box_indices) -> region outputs on ``images`` in inference; a detector
        whose regions share work per image (Fast R-CNN's backbone) does that work once here."""
        return lambda boxes, box_indices: self.region_outputs(images, boxes, box_indices, training=False)

    def settings(self):
        """What a saved detector needs besides its networks: numbers only (``detector.json``)."""
        return {"proposal_options": {k: list(v) if isinstance(v, (tuple, list)) else v
                                     for k, v in self.proposal_options.items()}}

    def save(self, folder):
        """Each network as ``folder/<name>.nerve`` (nerve's model files: standard layers only) and the
        settings as ``folder/detector.json``."""
        os.makedirs(folder, exist_ok=True)
        for name, model in self.models.items():
            model.save(os.path.join(folder, f"{name}.nerve"))
        with atomic_write(os.path.join(folder, "detector.json"), "w") as f:
            json.dump({"detector": self.name, **self.settings()}, f, indent=2)

    @classmethod
    def _load(cls, folder, names):
        """The networks and the checked settings of a saved detector (nothing in them is imported or run)."""
        from ..saving import load_model
        with open(os.path.join(folder, "detector.json")) as f:
            settings = json.load(f)
        if not isinstance(settings, dict) or settings.get("detector") != cls.name:
            raise ValueError(f"{cls.__name__}.load: {folder}/detector.json does not describe a {cls.name}")
        options = settings.get("proposal_options", {})
        known = {"sizes", "aspect_ratios", "stride", "threshold", "min_ink"}
        if not isinstance(options, dict) or not set(options) <= known or not all(
                _numbers(v) for v in options.values()):
            raise ValueError(f"{cls.__name__}.load: proposal_options must map {sorted(known)} to numbers, "
                             f"received {options!r}")
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        settings = {k: v for k, v in settings.items() if k not in ("detector", "proposal_options")}
        if not all(_numbers(v) for v in settings.values()):
            raise ValueError(f"{cls.__name__}.load: settings must be numbers, received {settings!r}")
        models = {name: load_model(os.path.join(folder, f"{name}.nerve"), compile=False) for name in names}
        return models, options, settings


def _numbers(value):
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


class RCNN(RegionDetector):
    """R-CNN: every proposal warped to ``warp_size`` (with ``context`` pixels of surround) and run
    through its own copy of the CNN (:func:`rcnn_classifier`)."""

    name = "rcnn"

    def __init__(self, classifier=None, warp_size=24, context=2, proposal_options=None, **network_options):
        super().__init__(proposal_options)
        self.classifier = classifier if classifier is not None else rcnn_classifier(warp_size, **network_options)
        self.warp_size = int(self.classifier.inputs[0].shape[1])
        self.context = context
        self.models = {"rcnn": self.classifier}

    def region_outputs(self, images, boxes, box_indices, training=False):
        crops = warp_regions(images, boxes, box_indices, self.warp_size, self.context)
        return self.classifier(crops, training=training)

    def settings(self):
        return {**super().settings(), "context": self.context}

    @classmethod
    def load(cls, folder):
        """The R-CNN saved by :meth:`save` in ``folder``."""
        models, options, settings = cls._load(folder, ["rcnn"])
        return cls(models["rcnn"], context=settings.get("context", 2), proposal_options=options)

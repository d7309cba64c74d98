"""Fast R-CNN: the convolutions run once per image; each proposal pools its features from the shared map.

Girshick, "Fast R-CNN", ICCV 2015. R-CNN runs its CNN once per proposal (hundreds per image);
Fast R-CNN runs the convolutional layers once on the whole image, and for each proposal pools the
part of the feature map under it into a fixed grid (here RoIAlign, :func:`nerve.ops.roi_align`,
the refinement of the paper's RoI max pooling), on which the same kind of head (hidden Dense
layer, class scores, class-specific box offsets) runs. Everything is trained end to end with the
multi-task loss of :func:`nerve.applications.rcnn.detection_loss`, the gradient flowing from the
head through RoIAlign into the shared convolutions.

nerve's two detectors are built to be compared: the same proposals, the same conv blocks
(conv 16-32-64 with two 2x2 pools: stride 4), the same head on a 6x6x64 grid (R-CNN's 24x24 warp
after its stride-4 convolutions is 6x6 too), the same parameter count, the same sampling, loss and
post-processing. What differs is only where the convolutions run: on each of ~500 warped crops,
or once on the 64x64 scene.

RoIAlign takes one bilinear sample per bin by default (``sampling_ratio=1``), as R-CNN's warp takes
one per output pixel. With 2x2 samples per bin, nerve's ``roi_align`` gathers a (regions, 12, 12,
4, channels) array at once: measured 13.5 s against 0.37 s for 6,463 regions of 8 scenes (64
channels, 2 cores shared), so four times the samples cost 36 times the time there.
"""

from .. import layers, ops
from ..models import Model
from .rcnn import NUM_CLASSES, RegionDetector, conv_features, region_head


def fast_rcnn_backbone(input_shape=(64, 64, 1), filters=(16, 32, 64)):
    """The shared convolutions: a scene -> its feature map at stride 2^(len(filters) − 1)."""
    image = layers.Input(shape=tuple(input_shape), name="image")
    return Model(image, conv_features(image, filters), name="backbone")


def fast_rcnn_head(pooled_size=6, channels=64, hidden=128, classes=NUM_CLASSES):
    """The per-region head on pooled (pooled_size, pooled_size, channels) features -> [logits, offsets]."""
    pooled = layers.Input(shape=(pooled_size, pooled_size, channels), name="pooled")
    return Model(pooled, region_head(pooled, hidden, classes), name="head")


class FastRCNN(RegionDetector):
    """Fast R-CNN over :func:`fast_rcnn_backbone` and :func:`fast_rcnn_head` (RoIAlign between them)."""

    name = "fast_rcnn"

    def __init__(self, backbone=None, head=None, input_shape=(64, 64, 1), filters=(16, 32, 64), pooled_size=6,
                 hidden=128, sampling_ratio=1, proposal_options=None):
        super().__init__(proposal_options)
        self.backbone = backbone if backbone is not None else fast_rcnn_backbone(input_shape, filters)
        feature_shape = self.backbone.outputs[0].shape
        self.head = head if head is not None else fast_rcnn_head(pooled_size, feature_shape[-1], hidden)
        image_height = self.backbone.inputs[0].shape[1]
        if feature_shape[1] is None or image_height is None or image_height % feature_shape[1]:
            raise ValueError(f"FastRCNN: the backbone must map a fixed-size image to a map at an integer stride, "
                             f"received input {self.backbone.inputs[0].shape} -> features {feature_shape}")
        self.stride = image_height // feature_shape[1]
        self.pooled_size = int(self.head.inputs[0].shape[1])
        self.sampling_ratio = int(sampling_ratio)
        self.models = {"backbone": self.backbone, "head": self.head}

    def region_outputs(self, images, boxes, box_indices, training=False):
        return self._head_outputs(self.backbone(images, training=training), boxes, box_indices, training)

    def inference_on(self, images):
        """The backbone runs once for all of the batch's regions (Fast R-CNN's point)."""
        features = self.backbone(images, training=False)
        return lambda boxes, box_indices: self._head_outputs(features, boxes, box_indices, training=False)

    def _head_outputs(self, features, boxes, box_indices, training):
        pooled = ops.roi_align(features, boxes, box_indices, output_size=self.pooled_size,
                               spatial_scale=1.0 / self.stride, sampling_ratio=self.sampling_ratio,
                               aligned=True)
        return self.head(pooled, training=training)

    def settings(self):
        return {**super().settings(), "sampling_ratio": self.sampling_ratio}

    @classmethod
    def load(cls, folder):
        """The Fast R-CNN saved by :meth:`save` in ``folder``."""
        models, options, settings = cls._load(folder, ["backbone", "head"])
        return cls(models["backbone"], models["head"], sampling_ratio=settings.get("sampling_ratio", 1),
                   proposal_options=options)

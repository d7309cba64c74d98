"""Whole-scene vision: boxes (IoU, non-maximum suppression, R-CNN's box regression), region proposals, and the
scores of segmentation (IoU per class) and detection (average precision, mAP@0.5)."""

from .boxes import (batched_nms, box_area, box_iou, clip_boxes, decode_boxes, encode_boxes,  # noqa: F401
                    nms)
from .evaluation import average_precision, segmentation_iou  # noqa: F401
from .proposals import ink_filter, propose, sliding_windows  # noqa: F401

"""RetinaFace face detector: biubug6 Pytorch_Retinaface checkpoints run by our own torch network.

Contract (shared/reference/FORMATS.md §1): BGR float input minus the mean (104, 117, 123), no scaling; anchors with
min sizes (16, 32) / (64, 128) / (256, 512) at strides 8 / 16 / 32; SSD-style decoding with variances (0.1, 0.2).
Priors and decoding here work in input pixels rather than the upstream's [0, 1] units; that is the same arithmetic
with the image size factored out.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from inference.detect.common import nms, resize_to_fit
from inference.detect.retinaface_net import Backbone, fuse_batchnorm_, load_retinaface
from inference.types import Detection

BGR_MEAN = np.array([104.0, 117.0, 123.0], dtype=np.float32)
STEPS = (8, 16, 32)
MIN_SIZES = ((16, 32), (64, 128), (256, 512))
VARIANCE = (0.1, 0.2)


@lru_cache(maxsize=8)
def prior_boxes(height: int, width: int) -> np.ndarray:
    """Anchors (P, 4) as cx, cy, w, h in pixels, ordered level, row, column, anchor size (the heads' order)."""
    levels = []
    for step, sizes in zip(STEPS, MIN_SIZES, strict=True):
        rows, cols = math.ceil(height / step), math.ceil(width / step)
        cy, cx = np.meshgrid((np.arange(rows) + 0.5) * step, (np.arange(cols) + 0.5) * step, indexing="ij")
        grid = np.empty((rows, cols, len(sizes), 4), dtype=np.float32)
        grid[..., 0] = cx[..., None]
        grid[..., 1] = cy[..., None]
        grid[..., 2] = grid[..., 3] = np.asarray(sizes, dtype=np.float32)
        levels.append(grid.reshape(-1, 4))
    priors = np.concatenate(levels)
    priors.setflags(write=False)  # cached and shared between calls
    return priors


def decode_boxes(loc: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """(N, 4) offsets -> (N, 4) x1, y1, x2, y2: centre shifted by loc*0.1*size, size scaled by exp(loc*0.2)."""
    centre = priors[:, :2] + loc[:, :2] * VARIANCE[0] * priors[:, 2:]
    size = priors[:, 2:] * np.exp(loc[:, 2:] * VARIANCE[1])
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


def decode_landmarks(landms: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """(N, 10) offsets -> (N, 5, 2) points: prior centre + offset*0.1*prior size."""
    offsets = landms.reshape(-1, 5, 2)
    return priors[:, None, :2] + offsets * VARIANCE[0] * priors[:, None, 2:]


def to_input(rgb: np.ndarray) -> torch.Tensor:
    """HWC RGB uint8 -> (1, 3, H, W) float32 BGR minus the BGR mean (the training contract, no /255)."""
    h, w = rgb.shape[:2]
    out = np.empty((1, 3, h, w), dtype=np.float32)
    # One plane at a time straight into the NCHW buffer: 5x faster than astype + transpose + copy.
    for c in range(3):
        np.subtract(rgb[:, :, 2 - c], BGR_MEAN[c], out=out[0, c], dtype=np.float32)
    return torch.from_numpy(out)


class RetinaFaceDetector:
    """Implements `inference.types.FaceDetector` with a RetinaFace checkpoint (mnet or R50 release layout)."""

    def __init__(
        self,
        weights: Path,
        backbone: Backbone = "mobilenet0.25",
        max_side: int = 1600,
        score_threshold: float = 0.6,
        nms_iou: float = 0.4,
    ) -> None:
        self.name = f"retinaface-{backbone}"
        self.net = fuse_batchnorm_(load_retinaface(Path(weights), backbone))
        self.max_side = max_side
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 image, highest score first, in the image's own pixel coordinates."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
        small, _ = resize_to_fit(image, self.max_side)
        loc, scores, landms = self._run(small)
        priors = prior_boxes(*small.shape[:2])
        if len(priors) != len(scores):
            raise RuntimeError(f"network gave {len(scores)} anchors, priors expect {len(priors)}")
        # Thresholding before NMS gives the same result as upstream's 0.02 + NMS + 0.6: greedy NMS only lets a
        # box suppress lower-scored ones, so boxes under the threshold never change which higher ones survive.
        hits = np.flatnonzero(scores > self.score_threshold)
        boxes = decode_boxes(loc[hits], priors[hits])
        points = decode_landmarks(landms[hits], priors[hits])
        keep = nms(boxes, scores[hits], self.nms_iou)
        # Per-axis factors: resize_to_fit rounds each side, so one factor would be off by a fraction of a pixel.
        sx, sy = image.shape[1] / small.shape[1], image.shape[0] / small.shape[0]
        boxes = boxes[keep] * np.array([sx, sy, sx, sy], dtype=np.float32)
        points = points[keep] * np.array([sx, sy], dtype=np.float32)
        kept = zip(boxes, scores[hits][keep], points, strict=True)
        return [self._detection(b, float(s), p, image.shape) for b, s, p in kept]

    def _run(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with torch.inference_mode():
            loc, scores, landms = self.net(to_input(rgb))
        return loc[0].numpy(), scores[0].numpy(), landms[0].numpy()

    @staticmethod
    def _detection(box: np.ndarray, score: float, points: np.ndarray, shape: tuple[int, ...]) -> Detection:
        # Boxes are clipped so downstream crops stay inside the image; landmarks are left as predicted.
        h, w = shape[:2]
        clipped = np.clip(box, 0, [w, h, w, h]).astype(np.float32)
        return Detection(box=clipped, score=score, landmarks=points.astype(np.float32))

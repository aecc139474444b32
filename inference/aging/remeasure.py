"""Measure aged results as the product measures any photo: find the face again, read its age and identity.

All results of one request are measured in a single pass: the same window around the face is cut from the
original and from every result and the cuts are tiled into one mosaic, so the detector runs once and the age
and identity networks each run one batch (on 2 cores, four separate passes cost more than the aging itself).
The original's cut is measured in the same mosaic, so input and results get identical treatment (same
crop, same resampling) and the identity distance compares like with like. In each tile the detection
overlapping the face's box most is the face; a tile with none gets no numbers (reported as None, not guessed).
A large face is measured from a mosaic scaled down to `MEASURE_FACE` pixels a face: the networks read 64-150 px
chips anyway, and the dlib embedding of a full-size 900 px face alone had cost more than the whole edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np

from inference.analyze import FaceAnalyzer
from inference.attributes import identity_distance
from inference.types import Detection, Face

if TYPE_CHECKING:
    from inference.aging.pipeline import AgedPhoto

WINDOW = 0.6  # box sides added on each side of the face box
MIN_IOU = 0.3
MEASURE_FACE = 320  # largest face-box side measured, pixels (the evaluation's 512 px photos stay unscaled)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / max(area, 1e-6))


def window(box: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    w, h = box[2] - box[0], box[3] - box[1]
    x1, y1 = max(0, int(box[0] - WINDOW * w)), max(0, int(box[1] - WINDOW * h))
    x2, y2 = min(shape[1], int(box[2] + WINDOW * w) + 1), min(shape[0], int(box[3] + WINDOW * h) + 1)
    return x1, y1, x2, y2


def mosaic(images: Sequence[np.ndarray], win: tuple[int, int, int, int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The same window of every image on a near-square grid, and each tile's (x, y) offset from the window."""
    x1, y1, x2, y2 = win
    w, h = x2 - x1, y2 - y1
    cols = int(np.ceil(np.sqrt(len(images))))
    rows = -(-len(images) // cols)
    canvas = np.zeros((rows * h, cols * w, 3), np.uint8)
    offsets = []
    for k, image in enumerate(images):
        r, c = divmod(k, cols)
        canvas[r * h : (r + 1) * h, c * w : (c + 1) * w] = image[y1:y2, x1:x2]
        offsets.append(np.array([c * w - x1, r * h - y1], np.float32))
    return canvas, offsets


class Measurer:
    def __init__(self, analyzer: FaceAnalyzer) -> None:
        self.analyzer = analyzer

    def measure(self, rgb: np.ndarray, face: Face, results: Sequence[AgedPhoto]) -> None:
        """Fill in `estimated_age` and `identity_distance` of each result (None where no face is found)."""
        win = window(face.box, rgb.shape)
        canvas, offsets = mosaic([rgb, *(r.image for r in results)], win)
        scale = min(1.0, MEASURE_FACE / float(max(face.box[2] - face.box[0], face.box[3] - face.box[1])))
        if scale < 1.0:
            size = (max(1, round(canvas.shape[1] * scale)), max(1, round(canvas.shape[0] * scale)))
            canvas = cv2.resize(canvas, size, interpolation=cv2.INTER_AREA)
        boxes = [((face.box + np.tile(off, 2)) * scale).astype(np.float32) for off in offsets]
        found = self.analyzer.detector.detect(canvas)
        picks = [_pick(found, box) for box in boxes]
        # The original always has its own detection (moved into its tile) for the reference identity.
        picks[0] = Detection(boxes[0], face.score, ((face.landmarks5 + offsets[0]) * scale).astype(np.float32))
        kept = [(k, d) for k, d in enumerate(picks) if d is not None]
        dets = [d for _, d in kept]
        ages = self.analyzer.age_gender.predict_many(canvas, dets)
        vectors = self.analyzer.embedding.embed_many(canvas, dets)
        by_tile = {k: (a.age, v) for (k, _), a, v in zip(kept, ages, vectors, strict=True)}
        reference = by_tile[0][1]
        for k, result in enumerate(results, start=1):
            if k in by_tile:
                result.estimated_age = by_tile[k][0]
                result.identity_distance = identity_distance(reference, by_tile[k][1])


def _pick(found: Sequence[Detection], box: np.ndarray) -> Detection | None:
    best = max(found, key=lambda d: iou(d.box, box), default=None)
    return best if best is not None and iou(best.box, box) > MIN_IOU else None

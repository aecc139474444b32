"""Measure an aged result as the product measures any photo: find the face again, read its age and identity.

The face is re-detected (a grown chin moves the box and the keypoints) in a window around the original face
only, which is faster than the whole photo and cannot pick a neighbour; the detection overlapping the original
box most is the aged face.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from inference.analyze import FaceAnalyzer
from inference.attributes import identity_distance
from inference.types import Detection, Face

if TYPE_CHECKING:
    from inference.aging.pipeline import AgedPhoto

WINDOW = 1.0  # box sides added on each side of the face box


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / max(area, 1e-6))


class Measurer:
    def __init__(self, analyzer: FaceAnalyzer) -> None:
        self.analyzer = analyzer

    def redetect(self, rgb: np.ndarray, box: np.ndarray) -> Detection | None:
        """The face at `box` found again in a window around it, or None."""
        w, h = box[2] - box[0], box[3] - box[1]
        x1, y1 = max(0, int(box[0] - WINDOW * w)), max(0, int(box[1] - WINDOW * h))
        x2, y2 = min(rgb.shape[1], int(box[2] + WINDOW * w)), min(rgb.shape[0], int(box[3] + WINDOW * h))
        found = self.analyzer.detector.detect(np.ascontiguousarray(rgb[y1:y2, x1:x2]))
        shift = np.array([x1, y1], np.float32)
        moved = [Detection(d.box + np.tile(shift, 2), d.score, d.landmarks + shift) for d in found]
        best = max(moved, key=lambda d: _iou(d.box, box), default=None)
        return best if best is not None and _iou(best.box, box) > 0.3 else None

    def measure(self, rgb: np.ndarray, face: Face, results: Sequence[AgedPhoto]) -> None:
        """Fill in `estimated_age` and `identity_distance` of each result (left None where no face is found)."""
        source = Detection(face.box, face.score, face.landmarks5)
        reference = face.embedding if face.embedding is not None else self.analyzer.embedding.embed(rgb, source)
        for result in results:
            found = self.redetect(result.image, face.box)
            if found is None:
                continue
            result.estimated_age = self.analyzer.age_gender.predict(result.image, found).age
            vector = self.analyzer.embedding.embed(result.image, found)
            result.identity_distance = identity_distance(reference, vector)

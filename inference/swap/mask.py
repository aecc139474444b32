"""The feathered alpha that decides which target pixels the donor replaces: the face, not hair, ears or background."""

from __future__ import annotations

import cv2
import numpy as np

from inference.swap.landmarks import JAW, face_size, forehead

_SHIFT = 4
# Alpha below this is set to exactly 0, so 'outside the mask' means bit-identical target pixels rather than
# a 1e-9 blend that still rounds to the same value most of the time.
_FLOOR = 1.0 / 512


def face_polygon(points: np.ndarray, forehead_height: float, inset: float) -> np.ndarray:
    """Jaw outline plus the lifted brows, pulled `inset` × face size towards the centre.

    Pulling in keeps the feather inside the face: outside the jaw the donor image holds its own background.
    """
    outline = np.concatenate([points[JAW], forehead(points, forehead_height)[::-1]])
    centre = points.mean(axis=0)
    to_centre = centre - outline
    dist = np.linalg.norm(to_centre, axis=1, keepdims=True)
    shift = np.minimum(inset * face_size(points), 0.5 * dist)  # never fold over the centre on tiny faces
    return outline + to_centre / np.maximum(dist, 1e-6) * shift


def feathered_mask(
    points: np.ndarray, shape: tuple[int, int], forehead_height: float, inset: float, feather: float
) -> np.ndarray:
    """(H, W) float32 alpha in 0..1; `feather` is the Gaussian sigma as a fraction of face size."""
    h, w = shape
    hard = np.zeros((h, w), dtype=np.float32)
    poly = np.round(face_polygon(points, forehead_height, inset) * (1 << _SHIFT)).astype(np.int32)
    cv2.fillPoly(hard, [poly], 1.0, lineType=cv2.LINE_AA, shift=_SHIFT)
    sigma = max(0.8, feather * face_size(points))
    soft = cv2.GaussianBlur(hard, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)
    soft[soft < _FLOOR] = 0.0
    return np.clip(soft, 0.0, 1.0)

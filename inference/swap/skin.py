"""Keep the donor's hair and background out of the mask, and the target's fringe in the picture.

The mask is drawn from landmarks, so it cannot know that a donor's fringe hangs over its forehead, that a turned
donor shows a strip of its background along the jaw, or that the target's own hair covers part of its forehead
(hair must stay). Pixels are compared with the face's own skin (sampled on both cheeks) and the alpha is lowered
where they are clearly not skin, only where hair and background can be: above the brows and in the mask's
feathered rim. The donor is tested in both, the target only above the brows (lower down, a beard is exactly what
the mask must cover). Inside the face a donor's lip shadow or stubble is left alone: gating it there let the
target's moustache show through and cost identity distance on the Solvay photo.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.swap.landmarks import BROWS, INNER, eye_mouth_distance, face_size

_CHEEKS = ((31, 3), (35, 13))  # nostril and jaw point: halfway between them is cheek skin on any face
_SAMPLE_RADIUS = 0.07  # × face size
_NEAR, _FAR = 3.0, 6.0  # robust deviations: below _NEAR fully skin, above _FAR fully not
_BROW_MARGIN = 0.15  # × eye-to-mouth distance above the highest brow point
_RIM = 0.97  # alpha below this (before gating) is the feathered rim
_WORK_SIDE = 256  # px: skin maps are computed at most this wide


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _cheek_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    radius = max(1, round(_SAMPLE_RADIUS * face_size(points)))
    for a, b in _CHEEKS:
        centre = np.round((points[a] + points[b]) / 2).astype(int)
        cv2.circle(mask, (int(centre[0]), int(centre[1])), radius, 1, -1)
    return mask.astype(bool)


def not_skin(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """0..1 per pixel: how clearly it differs from the cheek skin of the face with these landmarks.

    Computed at most `_WORK_SIDE` px wide and scaled back: the result is blurred before use anyway.
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    if scale < 1.0:
        small = cv2.resize(
            np.clip(rgb, 0, 255).astype(np.float32), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )
        return cv2.resize(_not_skin(small, points * scale), (w, h), interpolation=cv2.INTER_LINEAR)
    return _not_skin(rgb, points)


def _not_skin(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    lab = _lab(rgb)
    sample = lab[_cheek_mask(points, lab.shape[:2])]
    if len(sample) < 8:
        return np.zeros(lab.shape[:2], dtype=np.float32)
    median = np.median(sample, axis=0)
    # Floors keep a flat cheek (tiny spread) from calling every shadow "not skin".
    spread = np.maximum(1.4826 * np.median(np.abs(sample - median), axis=0), (5.0, 3.0, 3.0))
    distance = np.sqrt((((lab - median) / spread) ** 2).sum(axis=2))
    return np.clip((distance - _NEAR) / (_FAR - _NEAR), 0.0, 1.0).astype(np.float32)


def _feature_zone(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """1 on the brows, eyes, nose and mouth (never gated: they are not skin-coloured on anyone), soft edge."""
    zone = np.zeros(shape, dtype=np.float32)
    cv2.fillConvexPoly(zone, cv2.convexHull(np.round(points[INNER]).astype(np.int32)), 1.0)
    sigma = 0.04 * face_size(points)
    return cv2.GaussianBlur(zone, (0, 0), sigmaX=sigma, sigmaY=sigma)


def _above_brows(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """1 above a line parallel to the outer brow ends that clears every brow point by a margin: the forehead.

    The target's own brows are not skin and must not be gated, so the line sits above their arch.
    """
    a, b = points[17], points[26]
    direction = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    normal = np.array([direction[1], -direction[0]])  # points up in the face (image y grows downwards)
    lift = float(((points[BROWS] - a) @ normal).max()) + _BROW_MARGIN * eye_mouth_distance(points)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    height = (xs - a[0]) * normal[0] + (ys - a[1]) * normal[1]
    return (height > lift).astype(np.float32)


def gate(alpha: np.ndarray, donor: np.ndarray, target: np.ndarray, points: np.ndarray, sigma: float) -> np.ndarray:
    """`alpha` lowered where the (warped) donor is not skin, or where the target's forehead is not skin."""
    shape = alpha.shape
    free = 1.0 - _feature_zone(points, shape)
    above = _above_brows(points, shape)
    rim = np.maximum((alpha < _RIM).astype(np.float32), above)
    block = np.maximum(not_skin(donor, points) * rim, not_skin(target, points) * above) * free
    block = cv2.GaussianBlur(block, (0, 0), sigmaX=sigma, sigmaY=sigma)
    out = alpha * (1.0 - np.clip(block, 0.0, 1.0))
    out[alpha == 0] = 0.0  # never extend the mask
    return out.astype(np.float32)

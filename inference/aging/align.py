"""The aligned frame every aging engine works in: a square crop with the eye centres level at fixed places.

Only the eyes fix the frame (a similarity: shift, turn, uniform scale). That is the frame growth is described in:
from a child to an adult the distance between the eyes grows less than the face below them, so with the eyes
held still the change reads directly as "the chin moves down, the nose lengthens". The frame is sized per face
(about the face's own resolution, within limits) so a large face is not blurred by the round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.swap.landmarks import eye_centres

EYE_Y = 0.40  # eye line, fraction of the frame side from the top
EYE_HALF = 0.125  # half the distance between the eye centres, fraction of the side (eye distance = S / 4)
MIN_SIZE, MAX_SIZE = 192, 512


@dataclass(frozen=True)
class Alignment:
    matrix: np.ndarray  # (2, 3) similarity: photo pixels -> frame pixels
    size: int

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, np.float64) @ self.matrix[:, :2].T + self.matrix[:, 2]

    def inverse(self) -> np.ndarray:
        """(2, 3) frame pixels -> photo pixels."""
        return cv2.invertAffineTransform(self.matrix)


def canonical_eyes(size: int) -> np.ndarray:
    """(2, 2) where the eye centres (image-left, image-right) sit in a frame of `size` pixels."""
    return np.array([[0.5 - EYE_HALF, EYE_Y], [0.5 + EYE_HALF, EYE_Y]]) * size


def natural_size(landmarks68: np.ndarray) -> int:
    """Frame side that keeps the face near its own resolution: eye distance = S / 4, within MIN..MAX."""
    left, right = eye_centres(np.asarray(landmarks68, np.float64))
    size = float(np.linalg.norm(right - left)) / (2 * EYE_HALF)
    return int(np.clip(round(size / 16) * 16, MIN_SIZE, MAX_SIZE))


def alignment(landmarks68: np.ndarray, size: int) -> Alignment:
    left, right = eye_centres(np.asarray(landmarks68, np.float64))
    (dl, dr) = canonical_eyes(size)
    src, dst = complex(*(right - left)), complex(*(dr - dl))
    a = dst / src if abs(src) > 1e-6 else 1.0 + 0j  # rotation and scale as one complex factor
    shift = complex(*dl) - a * complex(*left)
    matrix = np.array([[a.real, -a.imag, shift.real], [a.imag, a.real, shift.imag]])
    return Alignment(matrix, size)


def warp_to_frame(rgb: np.ndarray, align: Alignment) -> np.ndarray:
    """The aligned crop; strong down-scaling area-averages first (bilinear sampling alone would alias)."""
    scale = float(np.hypot(*align.matrix[:, 0]))
    matrix, image = align.matrix, rgb
    if scale < 0.7:
        image = cv2.resize(rgb, None, fx=scale * 1.4, fy=scale * 1.4, interpolation=cv2.INTER_AREA)
        matrix = matrix.copy()
        matrix[:, :2] /= scale * 1.4
    out = cv2.warpAffine(
        image, matrix, (align.size, align.size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.ascontiguousarray(out)


def align_face(
    rgb: np.ndarray, landmarks68: np.ndarray, size: int | None = None
) -> tuple[np.ndarray, np.ndarray, Alignment]:
    """(crop, landmarks in the crop, alignment) for the face with these landmarks."""
    align = alignment(landmarks68, size or natural_size(landmarks68))
    return warp_to_frame(rgb, align), align.to_frame(landmarks68), align

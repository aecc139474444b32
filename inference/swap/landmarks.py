"""Index groups of the dlib/iBUG 68-point layout and the frame of a face derived from them."""

from __future__ import annotations

import cv2
import numpy as np

from inference.attributes.landmarks import mirror_landmarks68

JAW = np.arange(0, 17)
BROWS = np.arange(17, 27)
NOSE = np.arange(27, 36)
EYES = np.arange(36, 48)
MOUTH = np.arange(48, 68)
# Everything inside the outline: its layout (eye spacing, nose length, mouth width) is what the identity
# embedding reads, so this is the part that follows the donor.
INNER = np.arange(17, 68)


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points[36:42].mean(axis=0), points[42:48].mean(axis=0)


def up_vector(points: np.ndarray) -> np.ndarray:
    """Unit vector from the mouth towards the eyes: 'up' in the face's own frame, robust to roll."""
    left, right = eye_centres(points)
    v = (left + right) / 2 - points[48:68].mean(axis=0)
    return v / max(float(np.linalg.norm(v)), 1e-6)


def eye_mouth_distance(points: np.ndarray) -> float:
    left, right = eye_centres(points)
    return float(np.linalg.norm((left + right) / 2 - points[48:68].mean(axis=0)))


def face_size(points: np.ndarray) -> float:
    """Side of a square with the area of the landmark hull: stable under yaw, unlike the eye distance."""
    import cv2

    hull = cv2.convexHull(points.astype(np.float32))
    return float(np.sqrt(max(cv2.contourArea(hull), 1.0)))


def forehead(points: np.ndarray, height: float) -> np.ndarray:
    """The ten brow points lifted by `height` × the eye-to-mouth distance: dlib has no forehead points."""
    lift = up_vector(points) * height * eye_mouth_distance(points)
    return points[BROWS] + lift


def turn_ratio(points: np.ndarray) -> float:
    """Where the nose tip sits between the two jaw ends, along the eye line: -1..1, 0 for a frontal face.

    A cheap stand-in for yaw that needs nothing but the landmarks; its sign follows image left/right.
    """
    left, right = eye_centres(points)
    axis = (right - left) / max(float(np.linalg.norm(right - left)), 1e-6)
    to_left = float(np.dot(points[30] - points[0], axis))
    to_right = float(np.dot(points[16] - points[30], axis))
    return (to_left - to_right) / max(to_left + to_right, 1e-6)


def mirror(image: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The horizontally flipped image and its landmarks, re-ordered so index i still names the same feature."""
    flipped = mirror_landmarks68(points, image.shape[1]).astype(np.float64)
    return cv2.flip(np.ascontiguousarray(image), 1), flipped  # cv2's flip: ~10x numpy's reversed copy

"""Head pose (yaw, pitch, roll in degrees) from the 68 landmarks: cv2.solvePnP against a generic 3D face.

The 3D face below is our own rough adult average in millimetres, written in the camera's axes for a frontal face
(x to the image's right, y down, z away from the camera, origin at the nose tip), so a frontal face solves to the
identity rotation. Only points that stay put on a face are used: jaw contour points slide along the silhouette
when the head turns and lips/chin move when people laugh, so we keep brows, nose, eyes and the mouth corners.

The angles are measured against the ray from the camera to the face, not the optical axis: a face at the edge of
a wide group photo that looks into the lens reads yaw 0, which is what "how turned does this face look" needs.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.types import Pose

# index in the 68-point order -> (x, y, z) mm; the image-right half is the mirror (x -> -x) of the left half.
# x, y: the median shape of dlib's landmarks over the 36 faces of our test photos and their mirrors, scaled to
# 90 mm between the outer eye corners; z: depth behind the nose tip, rough adult anthropometry.
_LEFT_HALF: dict[int, tuple[float, float, float]] = {
    17: (-60, -46, 45),  # brow, outer end
    18: (-51, -55, 35),
    19: (-37, -58, 28),
    20: (-22, -57, 24),
    21: (-9, -51, 22),  # brow, inner end
    31: (-14, 10, 18),  # nostril wing
    32: (-8, 13, 12),
    36: (-45, -37, 38),  # eye, outer corner
    37: (-37, -41, 32),
    38: (-27, -41, 30),
    39: (-19, -36, 28),  # eye, inner corner
    40: (-28, -33, 30),
    41: (-37, -33, 33),
    48: (-27, 38, 28),  # mouth corner
}
_MIDLINE: dict[int, tuple[float, float, float]] = {
    27: (0, -39, 22),  # between the eyes
    28: (0, -27, 15),
    29: (0, -13, 8),
    30: (0, 0, 0),  # nose tip
    33: (0, 14, 14),  # under the nose
}
_MIRROR = {17: 26, 18: 25, 19: 24, 20: 23, 21: 22, 31: 35, 32: 34, 48: 54}
_MIRROR |= {36: 45, 37: 44, 38: 43, 39: 42, 40: 47, 41: 46}


def _model() -> tuple[np.ndarray, np.ndarray]:
    points = dict(_MIDLINE) | _LEFT_HALF
    points |= {_MIRROR[i]: (-x, y, z) for i, (x, y, z) in _LEFT_HALF.items()}
    indices = np.array(sorted(points), dtype=np.int64)
    return indices, np.array([points[i] for i in indices], dtype=np.float64)


MODEL_INDICES, MODEL_POINTS = _model()


def _camera(image_shape: tuple[int, ...]) -> np.ndarray:
    h, w = image_shape[:2]
    focal = float(max(h, w))  # ~53 degree field of view: a normal lens; the ray correction makes it matter little
    return np.array([[focal, 0, w / 2], [0, focal, h / 2], [0, 0, 1]], dtype=np.float64)


def _towards_axis(ray: np.ndarray) -> np.ndarray:
    """Rotation that turns the unit vector `ray` onto the optical axis (0, 0, 1)."""
    axis = np.cross(ray, [0.0, 0.0, 1.0])
    sin = float(np.linalg.norm(axis))
    if sin < 1e-9:
        return np.eye(3)
    angle = np.arctan2(sin, float(ray[2]))
    return cv2.Rodrigues(axis / sin * angle)[0]


def _frontal_guess(image_points: np.ndarray, camera: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A frontal face at the distance that matches its size in the image: the solver's starting point."""
    model_span = np.ptp(MODEL_POINTS[:, :2], axis=0).max()
    image_span = max(np.ptp(image_points, axis=0).max(), 1.0)
    depth = camera[0, 0] * model_span / image_span
    nose = image_points[MODEL_INDICES.tolist().index(30)]
    x, y = (nose - camera[:2, 2]) * depth / camera[0, 0]
    return np.zeros((3, 1)), np.array([[x], [y], [depth]], dtype=np.float64)


def rotation(landmarks68: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """3x3 rotation of the generic face, relative to the camera-to-face ray."""
    image_points = np.asarray(landmarks68, dtype=np.float64)[MODEL_INDICES]
    camera = _camera(image_shape)
    rvec, tvec = _frontal_guess(image_points, camera)
    # Without a guess, the iterative solver's linear start sometimes lands on the mirror solution behind the camera.
    ok, rvec, tvec = cv2.solvePnP(MODEL_POINTS, image_points, camera, None, rvec, tvec, useExtrinsicGuess=True)
    if not ok or tvec[2, 0] <= 0:
        raise ValueError("solvePnP found no pose in front of the camera for these landmarks")
    ray = tvec.ravel() / np.linalg.norm(tvec)
    return _towards_axis(ray) @ cv2.Rodrigues(rvec)[0]


def estimate_pose(landmarks68: np.ndarray, image_shape: tuple[int, ...]) -> Pose:
    """Yaw > 0: face turns to the image's right; pitch > 0: looks up; roll > 0: head tilted clockwise."""
    r = rotation(landmarks68, image_shape)
    forward = r @ np.array([0.0, 0.0, -1.0])  # out of the face, towards the camera when frontal
    across = r @ np.array([1.0, 0.0, 0.0])  # from the image-left eye to the image-right eye
    yaw = np.degrees(np.arctan2(forward[0], -forward[2]))
    pitch = np.degrees(np.arctan2(-forward[1], np.hypot(forward[0], forward[2])))
    roll = np.degrees(np.arctan2(across[1], across[0]))  # y points down, so clockwise on screen is positive
    return Pose(yaw=float(yaw), pitch=float(pitch), roll=float(roll))

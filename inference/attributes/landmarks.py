"""dlib's 68-point landmarks (iBUG 300-W order), started from the five keypoints every detector emits.

dlib's shape predictors regress from a mean shape placed inside the box they are given, and they were trained on
boxes from dlib's HOG detector. Our detectors box faces differently (SCRFD's box reaches the hairline), so we
derive a HOG-shaped box from the five keypoints instead of passing the detector's box. Fitted on the 36 faces of
t1.jpg, the Solvay photo and Tom Hanks where dlib's HOG detector also fired: the HOG box is centred on the
midpoint between the eye centre and the mouth centre (median offset < 0.04 of that distance) and its side is
~2.4x the eye-to-mouth distance (spread 2.0-2.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dlib
import numpy as np

from inference.types import Detection

HOG_SIDE_PER_EYE_MOUTH = 2.4

# Index each landmark takes after a horizontal mirror: the face's left/right parts swap places in the order.
MIRROR_68 = np.array(
    [
        *range(16, -1, -1),  # jaw, 0..16 reversed
        *range(26, 21, -1),  # brows: 17..21 <-> 26..22
        *range(21, 16, -1),
        *(27, 28, 29, 30),  # nose bridge stays
        *(35, 34, 33, 32, 31),  # nostrils reversed
        *(45, 44, 43, 42, 47, 46),  # eyes: 36..41 <-> 45, 44, 43, 42, 47, 46
        *(39, 38, 37, 36, 41, 40),
        *(54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55),  # outer lip
        *(64, 63, 62, 61, 60, 67, 66, 65),  # inner lip
    ],
    dtype=np.int64,
)


def hog_box(keypoints5: np.ndarray) -> np.ndarray:
    """A (4,) x1, y1, x2, y2 box shaped like dlib's HOG detector box for the face with these 5 keypoints."""
    k = np.asarray(keypoints5, dtype=np.float64)
    eyes, mouth = (k[0] + k[1]) / 2, (k[3] + k[4]) / 2
    half = HOG_SIDE_PER_EYE_MOUTH * float(np.linalg.norm(mouth - eyes)) / 2
    cx, cy = (eyes + mouth) / 2
    return np.array([cx - half, cy - half, cx + half, cy + half], dtype=np.float32)


def dlib_rect(box: np.ndarray) -> dlib.rectangle:
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    return dlib.rectangle(x1, y1, x2, y2)


def shape_to_array(shape: dlib.full_object_detection) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def mirror_landmarks68(points: np.ndarray, width: int) -> np.ndarray:
    """Landmarks of the horizontally mirrored image: x -> width-1-x, and left/right parts swap their indices."""
    mirrored = np.asarray(points, dtype=np.float32).copy()
    mirrored[:, 0] = (width - 1) - mirrored[:, 0]
    return mirrored[MIRROR_68]


class FivePointModel:
    """dlib's own 5-point predictor (`dlib/shape_predictor_5_face_landmarks.dat`): the alignment dlib's face-chip
    networks (age/gender, identity) were built around. Its points are eye corners and the nose base, a different
    set from the detectors' five keypoints, so it runs on a HOG-shaped box like the 68-point model."""

    def __init__(self, path: Path) -> None:
        self._predictor = dlib.shape_predictor(str(path))

    def shape(self, image: np.ndarray, face: Detection) -> dlib.full_object_detection:
        return self.shapes(image, [face])[0]

    def shapes(self, image: np.ndarray, faces: Sequence[Detection]) -> list[dlib.full_object_detection]:
        """One shape per face. Computed once and shared: the age/gender and identity chips align on the same."""
        image = np.ascontiguousarray(image)
        return [self._predictor(image, dlib_rect(hog_box(face.landmarks))) for face in faces]


class LandmarkModel:
    """dlib's 68-point shape predictor (`dlib/shape_predictor_68_face_landmarks.dat`)."""

    def __init__(self, path: Path) -> None:
        self._predictor = dlib.shape_predictor(str(path))

    def predict(self, image: np.ndarray, face: Detection | np.ndarray) -> np.ndarray:
        """(68, 2) float32 pixel coordinates for the face given by a detection or its (5, 2) keypoints."""
        keypoints = face.landmarks if isinstance(face, Detection) else face
        rect = dlib_rect(hog_box(keypoints))
        return shape_to_array(self._predictor(np.ascontiguousarray(image), rect))

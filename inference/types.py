"""The data that flows through inference/: images are RGB uint8 numpy arrays (H, W, 3), C-contiguous.

Landmark order for the 5-point set, in image coordinates: the eye on the image's left, the eye on the image's
right, nose tip, mouth corner on the image's left, mouth corner on the image's right (the order RetinaFace,
SCRFD and CenterFace all emit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

Gender = Literal["male", "female"]


@dataclass(frozen=True)
class Detection:
    box: np.ndarray  # (4,) float32: x1, y1, x2, y2 in pixels
    score: float
    landmarks: np.ndarray  # (5, 2) float32


class FaceDetector(Protocol):
    """Finds faces with five landmarks in an RGB image of any size."""

    name: str

    def detect(self, image: np.ndarray) -> list[Detection]: ...


@dataclass(frozen=True)
class Pose:
    yaw: float  # degrees, positive = the face turns towards the image's right
    pitch: float  # degrees, positive = looking up
    roll: float  # degrees, positive = head tilted clockwise in the image


@dataclass(frozen=True)
class SkinTone:
    ita: float  # individual typology angle in degrees (higher = lighter), from CIELAB L* and b*
    category: str  # "very light" … "dark", the ITA bands of Chardon et al.
    rgb: tuple[int, int, int]  # median skin colour


@dataclass
class Face:
    number: int  # 1-based, reading order: rows top to bottom, then left to right
    box: np.ndarray
    score: float
    landmarks5: np.ndarray
    landmarks68: np.ndarray  # (68, 2) float32, dlib/iBUG order
    age: float
    gender: Gender
    gender_confidence: float  # probability of the reported gender, 0.5..1
    pose: Pose
    skin: SkinTone
    embedding: np.ndarray | None = field(default=None, repr=False)  # (128,) dlib identity, on request

    def to_dict(self) -> dict[str, object]:
        x1, y1, x2, y2 = (round(float(v), 1) for v in self.box)
        return {
            "number": self.number,
            "box": [x1, y1, x2, y2],
            "score": round(self.score, 3),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.landmarks5],
            "age": round(self.age, 1),
            "gender": self.gender,
            "gender_confidence": round(self.gender_confidence, 3),
            "pose": {k: round(v, 1) for k, v in vars(self.pose).items()},
            "skin": {"ita": round(self.skin.ita, 1), "category": self.skin.category, "rgb": list(self.skin.rgb)},
        }

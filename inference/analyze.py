"""`analyze(image) -> list[Face]`: detection, 68 landmarks, age, gender, pose, skin tone, and (on request) the
identity embedding, with faces numbered in reading order. Models load once per `FaceAnalyzer`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inference.attributes import AgeGenderModel, EmbeddingModel, LandmarkModel, estimate_pose, estimate_skin
from inference.attributes.dlib_resnet import onnx_path as identity_onnx
from inference.attributes.landmarks import FivePointModel
from inference.detect.registry import DEFAULT_DETECTOR, make_detector
from inference.order import reading_order
from inference.types import Detection, Face, FaceDetector, Pose, SkinTone
from models import ModelStore

SP5 = "dlib/shape_predictor_5_face_landmarks.dat"


class FaceAnalyzer:
    def __init__(self, store: ModelStore, detector: str | FaceDetector = DEFAULT_DETECTOR) -> None:
        self.store = store
        self.detector = make_detector(detector, store) if isinstance(detector, str) else detector
        self.landmarks = LandmarkModel(store.path("dlib/shape_predictor_68_face_landmarks.dat"))
        # dlib's 5-point shapes align both the age/gender and the identity chips: computed once per face, shared.
        self.five = FivePointModel(store.path(SP5))
        self.age_gender = AgeGenderModel(store.path("age-v1.onnx"), store.path("gender-v1.onnx"), store.path(SP5))
        self._embedding: EmbeddingModel | None = None

    @property
    def embedding(self) -> EmbeddingModel:
        """Loaded on first use: most callers never need identity vectors."""
        if self._embedding is None:
            self._embedding = EmbeddingModel(identity_onnx(self.store), self.store.path(SP5))
        return self._embedding

    def analyze(self, rgb: np.ndarray, *, embeddings: bool = False) -> list[Face]:
        rgb = np.ascontiguousarray(rgb)
        detections = self.detector.detect(rgb)
        ordered = [detections[i] for i in reading_order([d.box for d in detections])]
        return self.describe(rgb, ordered, embeddings=embeddings)

    def describe(self, rgb: np.ndarray, detections: Sequence[Detection], *, embeddings: bool = False) -> list[Face]:
        """Faces for given detections, numbered 1.. in the given order."""
        if not detections:
            return []
        shapes = self.five.shapes(rgb, detections)
        age_gender = self.age_gender.predict_many(rgb, detections, shapes=shapes)
        vectors = self.embedding.embed_many(rgb, detections, shapes) if embeddings else [None] * len(detections)
        faces = []
        for number, (det, ag, vector) in enumerate(zip(detections, age_gender, vectors, strict=True), start=1):
            points = self.landmarks.predict(rgb, det)
            faces.append(
                Face(
                    number=number,
                    box=det.box,
                    score=det.score,
                    landmarks5=det.landmarks,
                    landmarks68=points,
                    age=ag.age,
                    gender=ag.gender,
                    gender_confidence=ag.confidence,
                    pose=_pose(points, rgb.shape),
                    skin=_skin(rgb, points),
                    embedding=vector,
                )
            )
        return faces


def _pose(points: np.ndarray, shape: tuple[int, ...]) -> Pose:
    try:
        return estimate_pose(points, shape)
    except ValueError:  # degenerate landmarks (a sliver of a face at the border): report no rotation
        return Pose(0.0, 0.0, 0.0)


def _skin(rgb: np.ndarray, points: np.ndarray) -> SkinTone:
    try:
        return estimate_skin(rgb, points)
    except ValueError:  # skin regions fell outside the image
        return SkinTone(float("nan"), "unknown", (0, 0, 0))

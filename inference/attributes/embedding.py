"""Identity embedding: dlib's ResNet face descriptor (`dlib/dlib_face_recognition_resnet_model_v1.dat`), 128-D.

dlib cuts its own 150 px chip from a dlib shape. We give it the shape of dlib's 5-point predictor, the alignment
dlib's own face-recognition example uses: on t1.jpg the closest pair of different people was 0.64 apart with it
and 0.58 (a false "same person") with the 68-point landmarks. Same person < 0.6 (Euclidean) is dlib's published
operating point; it does not hold on small grey faces (the Solvay photo: half its different-person pairs are
under 0.6). ~80-200 ms per face on 2 cores, so the product computes it only on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dlib
import numpy as np

from inference.attributes.landmarks import FivePointModel
from inference.types import Detection

SAME_PERSON_BELOW = 0.6


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors; below `SAME_PERSON_BELOW` means the same person."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


class EmbeddingModel:
    def __init__(self, path: Path, sp5_path: Path) -> None:
        self._net = dlib.face_recognition_model_v1(str(path))
        self._five = FivePointModel(sp5_path)

    def embed(self, image: np.ndarray, face: Detection) -> np.ndarray:
        """(128,) float32 descriptor of one detected face."""
        return self.embed_many(image, [face])[0]

    def embed_many(self, image: np.ndarray, faces: Sequence[Detection]) -> list[np.ndarray]:
        """One descriptor per face; dlib runs the chips of one image as a single batch."""
        if not faces:
            return []
        image = np.ascontiguousarray(image)
        shapes = dlib.full_object_detections()
        for face in faces:
            shapes.append(self._five.shape(image, face))
        vectors = self._net.compute_face_descriptor(image, shapes)
        return [np.asarray(v, dtype=np.float32) for v in vectors]

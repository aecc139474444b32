"""SCRFD-2.5G-KPS (InsightFace) face detector on onnxruntime: boxes and five landmarks, any input size.

The exported file is fixed to 640x640 twice over: in its declared input and in the two FPN upsampling Resize
nodes, which carry absolute output sizes. The derived copy makes the input symbolic and turns those sizes into
2x scale factors, so the network runs on any canvas whose sides are multiples of 32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from inference.detect.onnx_session import create_session, make_io_symbolic
from inference.detect.strategy import Policy, RawDetections, detect_faces
from inference.types import Detection
from models import ModelStore

SOURCE = "scrfd_2.5g_bnkps.onnx"
DERIVED = "scrfd_2.5g_bnkps_dynamic.onnx"
STRIDES = (8, 16, 32)
ANCHORS_PER_CELL = 2
# Smallest face (px, in the canvas) found reliably: on Solvay shrunk until faces are ~10 px, all 29 still score
# >= 0.64; at ~8 px recall drops (28, then 26 of 29). 16 keeps a margin; smaller faces get the zoomed pass.
RELIABLE_FACE = 16.0


class ScrfdDetector:
    name = "scrfd"

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
        """`model` is the dynamic copy from `ScrfdDetector.model_path(store)`."""
        self.session = create_session(model, threads)
        self.input_name = self.session.get_inputs()[0].name
        if isinstance(self.session.get_inputs()[0].shape[2], int):
            raise ValueError(f"{model} has a fixed input size; pass ScrfdDetector.model_path(store) instead")
        self.policy = Policy(
            score_threshold=score_threshold,
            nms_iou=nms_iou,
            min_face=min_face,
            max_side=max_side,
            reliable_face=RELIABLE_FACE if zoom else 0.0,
        )
        self._centers: dict[tuple[int, int, int], np.ndarray] = {}

    @classmethod
    def from_store(cls, store: ModelStore, **options: Any) -> ScrfdDetector:
        return cls(cls.model_path(store), **options)

    @staticmethod
    def model_path(store: ModelStore) -> Path:
        return store.derived(DERIVED, source=SOURCE, build=build_dynamic_model)

    def detect(self, image: np.ndarray) -> list[Detection]:
        return detect_faces(image, self.run, STRIDES[-1], self.policy)

    def run(self, canvas: np.ndarray, min_score: float) -> RawDetections:
        """Detections on an RGB canvas whose sides are multiples of 32, in canvas pixels."""
        h, w = canvas.shape[:2]
        blob = (canvas.astype(np.float32) - 127.5) / 128.0
        blob = np.ascontiguousarray(blob.transpose(2, 0, 1)[None])
        outputs = self.session.run(None, {self.input_name: blob})
        by_name = dict(zip((o.name for o in self.session.get_outputs()), outputs, strict=True))
        parts = [self._decode(by_name, stride, h, w, min_score) for stride in STRIDES]
        return RawDetections(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))

    def _decode(
        self, out: dict[str, np.ndarray], stride: int, h: int, w: int, min_score: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Outputs are looked up by name (score_8, bbox_8, kps_8, ...), not by position, which differs between exports.
        scores = out[f"score_{stride}"].reshape(-1)
        keep = np.flatnonzero(scores >= min_score)
        centers = self._anchor_centers(stride, h, w)[keep]
        # Distances to the box sides and landmark offsets are in units of the stride.
        dist = out[f"bbox_{stride}"].reshape(-1, 4)[keep] * stride
        boxes = np.concatenate([centers - dist[:, :2], centers + dist[:, 2:]], axis=1)
        kps = out[f"kps_{stride}"].reshape(-1, 5, 2)[keep] * stride + centers[:, None, :]
        return boxes.astype(np.float32), scores[keep].astype(np.float32), kps.astype(np.float32)

    def _anchor_centers(self, stride: int, h: int, w: int) -> np.ndarray:
        """(x, y) of every anchor, row-major over the feature map, each cell's anchors adjacent."""
        key = (stride, h, w)
        if key not in self._centers:
            ys, xs = np.mgrid[: h // stride, : w // stride]
            cells = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
            self._centers[key] = np.repeat(cells, ANCHORS_PER_CELL, axis=0)
            if len(self._centers) > 64:  # bounded: photo sizes vary without end
                self._centers.pop(next(iter(self._centers)))
        return self._centers[key]


def build_dynamic_model(source: Path, target: Path) -> None:
    """Write a copy of the SCRFD graph that accepts any input size (sides multiples of 32)."""
    model = onnx.load(str(source))
    shapes = onnx.shape_inference.infer_shapes(model)  # static shapes at 640, to turn Resize sizes into scales
    known = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in shapes.graph.value_info}
    inits = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Resize" and len(node.input) == 4 and node.input[3]:
            _sizes_to_scales(model, node, inits, known[node.input[0]])
    make_io_symbolic(model)
    _drop_unused_initializers(model)
    onnx.save(model, str(target))


def _sizes_to_scales(
    model: onnx.ModelProto, node: onnx.NodeProto, inits: dict[str, onnx.TensorProto], in_shape: list[int]
) -> None:
    sizes = numpy_helper.to_array(inits[node.input[3]]).astype(np.float32)
    scales = sizes / np.asarray(in_shape, dtype=np.float32)
    name = f"{node.name}_scales"
    model.graph.initializer.append(numpy_helper.from_array(scales, name))
    del node.input[3]
    node.input[2] = name


def _drop_unused_initializers(model: onnx.ModelProto) -> None:
    used = {name for node in model.graph.node for name in node.input}
    kept = [i for i in model.graph.initializer if i.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)

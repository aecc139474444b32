"""dlib's face-recognition network rebuilt as ONNX, against dlib's own implementation, on the real weights."""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np
import onnx
import pytest
from conftest import load_rgb

from inference.attributes import EmbeddingModel
from inference.attributes.dlib_resnet import DlibFormatError, build_onnx, onnx_path
from inference.detect.registry import make_detector
from models import ModelStore

NET = "dlib/dlib_face_recognition_resnet_model_v1.dat"
SP5 = "dlib/shape_predictor_5_face_landmarks.dat"


@pytest.mark.parametrize("name", ["t1.jpg", "solvay_conference_1927.jpg", "Tom_Hanks_54745.png"])
def test_graph_matches_dlibs_own_descriptor(store: ModelStore, images_dir: Path, name: str) -> None:
    image = load_rgb(images_dir / name)
    faces = make_detector("scrfd", store).detect(image)[:8]
    ours = EmbeddingModel(onnx_path(store), store.path(SP5))
    shapes = dlib.full_object_detections()
    for face in faces:
        shapes.append(ours._five.shape(image, face))
    reference = np.array(dlib.face_recognition_model_v1(str(store.path(NET))).compute_face_descriptor(image, shapes))
    port = np.array(ours.embed_many(image, faces))
    assert port.shape == (len(faces), 128) == reference.shape
    # Float summation order differs; the published operating point is a distance of 0.6.
    assert np.linalg.norm(port - reference, axis=1).max() < 1e-4


def test_derived_graph_is_cached_and_valid(store: ModelStore) -> None:
    path = onnx_path(store)
    assert path == onnx_path(store) and path.parent.name == "derived"
    model = onnx.load(path)
    onnx.checker.check_model(model)
    assert sum(node.op_type == "Conv" for node in model.graph.node) == 29


def test_reader_refuses_other_files(store: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(DlibFormatError):
        build_onnx(store.path(SP5), tmp_path / "out.onnx")
    truncated = tmp_path / "net.dat"
    truncated.write_bytes(store.path(NET).read_bytes()[:5_000_000])
    with pytest.raises(DlibFormatError):
        build_onnx(truncated, tmp_path / "out.onnx")
    assert not (tmp_path / "out.onnx").exists()

"""RetinaFace: checkpoint layout against the reference manifests, priors, decoding and real detections."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from conftest import load_rgb

from inference.detect.retinaface import (
    RetinaFaceDetector,
    decode_boxes,
    decode_landmarks,
    prior_boxes,
    to_input,
)
from inference.detect.retinaface_net import RetinaFaceNet, fuse_batchnorm_, load_retinaface, read_state_dict
from models import ModelStore

MNET = "retinaface_mobilenet0.25_Final.pth"


def _manifest(images_dir: Path, name: str) -> dict[str, list]:
    path = images_dir.parent / "reference" / "manifests" / f"{name}.json"
    return json.loads(path.read_text())


def _layout(state: dict[str, torch.Tensor], prefix: str = "") -> dict[str, list]:
    """The manifest's own format: key -> [shape, dtype name], in state order."""
    return {prefix + k: [list(v.shape), str(v.dtype).removeprefix("torch.")] for k, v in state.items()}


@pytest.fixture(scope="module")
def detector(store: ModelStore) -> RetinaFaceDetector:
    return RetinaFaceDetector(store.path(MNET))


# ----- checkpoint layout -----
def test_mnet_checkpoint_matches_manifest_and_loads_strictly(store: ModelStore, images_dir: Path) -> None:
    expected = _manifest(images_dir, "retinaface_mobilenet0.25_Final")
    on_disk = read_state_dict(store.path(MNET))
    assert list(_layout(on_disk)) == list(expected)  # order too, not just the set
    assert _layout(on_disk) == expected
    net = load_retinaface(store.path(MNET))  # strict=True inside
    assert _layout(net.state_dict()) == expected
    assert not net.training


def test_r50_layout_matches_release_manifest(images_dir: Path) -> None:
    expected = _manifest(images_dir, "retinaface_Resnet50_Final")
    got = _layout(RetinaFaceNet("resnet50").state_dict(), prefix="module.")
    assert list(got) == list(expected)
    assert got == expected


def test_r50_synthetic_release_file_loads_through_loader(images_dir: Path, tmp_path: Path) -> None:
    expected = _manifest(images_dir, "retinaface_Resnet50_Final")
    gen = torch.Generator().manual_seed(0)
    synthetic = {
        k: torch.randint(0, 100, shape, generator=gen) if dtype == "int64" else torch.randn(shape, generator=gen)
        for k, (shape, dtype) in expected.items()
    }
    path = tmp_path / "Resnet50_Final.pth"
    torch.save(synthetic, path)
    net = load_retinaface(path, "resnet50")
    loaded = net.state_dict()
    assert all(torch.equal(loaded[k.removeprefix("module.")], v) for k, v in synthetic.items())


def test_loader_rejects_a_missing_key(store: ModelStore, tmp_path: Path) -> None:
    state = read_state_dict(store.path(MNET))
    del state["LandmarkHead.2.conv1x1.bias"]
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    with pytest.raises(RuntimeError, match=r"LandmarkHead\.2\.conv1x1\.bias"):
        load_retinaface(path)


@pytest.mark.parametrize("backbone", ["mobilenet0.25", "resnet50"])
def test_network_anchor_count_equals_priors_on_odd_sizes(backbone: str) -> None:
    # 75x131 is not a multiple of any stride: the net's feature maps must still be ceil(size / stride).
    net = RetinaFaceNet(backbone).eval()  # type: ignore[arg-type]
    with torch.inference_mode():
        loc, scores, landms = net(torch.zeros(1, 3, 75, 131))
    n = len(prior_boxes(75, 131))
    assert loc.shape == (1, n, 4) and scores.shape == (1, n) and landms.shape == (1, n, 10)


def test_batchnorm_fusion_keeps_mnet_outputs(store: ModelStore, images_dir: Path) -> None:
    x = to_input(cv2.resize(load_rgb(images_dir / "t1.jpg"), (320, 221)))
    plain, fused = load_retinaface(store.path(MNET)), fuse_batchnorm_(load_retinaface(store.path(MNET)))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    with torch.inference_mode():
        for a, b in zip(plain(x), fused(x), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)


def test_batchnorm_fusion_covers_resnet_bottlenecks() -> None:
    torch.manual_seed(0)
    net = RetinaFaceNet("resnet50").eval()
    for m in net.modules():  # non-trivial statistics, so a skipped or wrong fold would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2.0)
    x = torch.randn(1, 3, 64, 96)
    with torch.inference_mode():
        expected = net(x)
        fuse_batchnorm_(net)
        got = net(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    for a, b in zip(expected, got, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)


# ----- priors and decoding -----
def test_prior_count_for_640() -> None:
    priors = prior_boxes(640, 640)
    assert priors.shape == (16_800, 4)  # (80² + 40² + 20²) cells x 2 anchors
    # The first two anchors share the first stride-8 cell; the last is the 512 anchor of the last stride-32 cell.
    np.testing.assert_allclose(priors[:2], [[4, 4, 16, 16], [4, 4, 32, 32]])
    np.testing.assert_allclose(priors[-1], [624, 624, 512, 512])


def test_prior_order_is_row_then_column() -> None:
    priors = prior_boxes(16, 24)  # stride 8 level: 2 rows x 3 columns
    np.testing.assert_allclose(priors[2:6:2, :2], [[12, 4], [20, 4]])  # along the first row
    np.testing.assert_allclose(priors[6, :2], [4, 12])  # then the second row


def test_decode_hand_made() -> None:
    priors = np.array([[100, 50, 20, 40], [10, 10, 16, 16]], dtype=np.float32)
    loc = np.array([[0, 0, 0, 0], [1, -2, np.log(2) / 0.2, 0]], dtype=np.float32)
    boxes = decode_boxes(loc, priors)
    np.testing.assert_allclose(boxes[0], [90, 30, 110, 70], atol=1e-5)  # zero offsets give the prior itself
    # centre moves by 0.1 * size per unit (+1.6, -3.2); width doubles (16 -> 32), height stays 16
    np.testing.assert_allclose(boxes[1], [11.6 - 16, 6.8 - 8, 11.6 + 16, 6.8 + 8], atol=1e-4)
    landms = np.tile(np.array([[1, 2]], dtype=np.float32), (2, 5))
    points = decode_landmarks(landms, priors)
    assert points.shape == (2, 5, 2)
    np.testing.assert_allclose(points[0], np.tile([[102, 58]], (5, 1)), atol=1e-5)
    np.testing.assert_allclose(points[1], np.tile([[11.6, 13.2]], (5, 1)), atol=1e-5)


def test_to_input_is_bgr_minus_mean_in_nchw() -> None:
    rgb = np.zeros((2, 3, 3), dtype=np.uint8)
    rgb[..., 0], rgb[0, 1, 2] = 200, 50  # red everywhere, some blue at (row 0, column 1)
    x = to_input(rgb)
    assert x.shape == (1, 3, 2, 3) and x.dtype == torch.float32
    assert x[0, 2, 1, 1] == 200 - 123 and x[0, 1, 0, 0] == -117  # channel 2 is red (BGR), channel 1 green
    assert x[0, 0, 0, 1] == 50 - 104 and x[0, 0, 1, 1] == -104


# ----- real photos -----
def _assert_plausible(det, image: np.ndarray) -> None:
    h, w = image.shape[:2]
    x1, y1, x2, y2 = det.box
    assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    assert det.box.dtype == np.float32 and det.landmarks.shape == (5, 2)
    eyes_y, mouth_y = det.landmarks[:2, 1].mean(), det.landmarks[3:, 1].mean()
    assert eyes_y < det.landmarks[2, 1] < mouth_y  # upright faces: eyes, nose, mouth from top to bottom
    assert det.landmarks[0, 0] < det.landmarks[1, 0]  # image-left eye first


def test_t1_has_six_faces(detector: RetinaFaceDetector, images_dir: Path) -> None:
    image = load_rgb(images_dir / "t1.jpg")
    found = detector.detect(image)
    assert len(found) == 6
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    for det in found:
        _assert_plausible(det, image)


def test_small_tom_hanks_face_is_found_without_upscaling(detector: RetinaFaceDetector, images_dir: Path) -> None:
    image = load_rgb(images_dir / "Tom_Hanks_54745.png")
    (face,) = detector.detect(image)
    _assert_plausible(face, image)
    assert face.score > 0.9
    # The face fills most of the 112 px crop.
    assert face.box[2] - face.box[0] > 0.4 * image.shape[1]


def test_solvay_has_29_faces_at_default_size(detector: RetinaFaceDetector, images_dir: Path) -> None:
    image = load_rgb(images_dir / "solvay_conference_1927.jpg")  # 3000 px wide, shrunk to 1600
    found = detector.detect(image)
    assert len(found) == 29
    widths = np.array([d.box[2] - d.box[0] for d in found])
    # Faces are 69-94 px wide in the 3000 px original; unscaled output from the 1600 px copy would be under 51.
    assert widths.min() > 55 and widths.max() < 120


@pytest.mark.parametrize("name", ["mask_black.jpg", "mask_blue.jpg", "mask_green.jpg", "mask_white.jpg"])
def test_mask_textures_are_not_faces(detector: RetinaFaceDetector, images_dir: Path, name: str) -> None:
    # These files are flat surgical-mask textures (insightface's masking augmentation), with no face in them.
    assert detector.detect(load_rgb(images_dir / name)) == []


def test_rejects_non_rgb_input(detector: RetinaFaceDetector) -> None:
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect(np.zeros((10, 10), dtype=np.uint8))

"""How a photo of any size reaches a fully convolutional detector, and how its raw output comes back.

Decided by measurement on the shared photos (2 cores, SCRFD; CenterFace behaves alike with a higher floor):
- never enlarge: the only face of the 112 px Tom Hanks portrait is found at its own size and lost at 640;
- pad, don't stretch: the canvas keeps the aspect ratio, sides rounded up to the network's stride;
- a first pass on a small canvas (long side 640) finds faces down to ~10 px in that canvas (CenterFace ~15 px)
  at a quarter of the cost of a 1280 px canvas (t1: ~60 vs ~270 ms CPU), with 29/29 on the 3000 px Solvay photo;
- a smaller face still leaves a weak (low-score) response. When such small candidates exist and the photo was
  shrunk, a second pass looks only at the region holding them, at a resolution where they become `zoom_face` px,
  and replaces them with what it finds. On four Solvay photos tiled to 6000 px (116 faces, ~8 px at 640) one
  pass finds 104, the two passes 116. Ordinary photos pay for one small pass; crowds pay for the second."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from inference.detect.common import nms, resize_to_fit
from inference.types import Detection

# run(canvas, min_score) -> detections on that canvas (sides multiples of the stride), in canvas pixels.
RunFn = Callable[[np.ndarray, float], "RawDetections"]


@dataclass(frozen=True)
class RawDetections:
    boxes: np.ndarray  # (N, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (N,) float32
    landmarks: np.ndarray  # (N, 5, 2) float32

    @staticmethod
    def empty() -> RawDetections:
        return RawDetections(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), np.zeros((0, 5, 2), np.float32))

    def select(self, which: np.ndarray) -> RawDetections:
        return RawDetections(self.boxes[which], self.scores[which], self.landmarks[which])

    def mapped(self, scale: float, dx: float = 0.0, dy: float = 0.0) -> RawDetections:
        """Coordinates multiplied by `scale`, then shifted by (dx, dy)."""
        shift = np.array([dx, dy], np.float32)
        return RawDetections(
            self.boxes * scale + np.tile(shift, 2), self.scores, self.landmarks * scale + shift[None, None, :]
        )

    def sides(self) -> np.ndarray:
        return np.minimum(self.boxes[:, 2] - self.boxes[:, 0], self.boxes[:, 3] - self.boxes[:, 1])

    @staticmethod
    def concat(parts: list[RawDetections]) -> RawDetections:
        return RawDetections(
            np.concatenate([p.boxes for p in parts]),
            np.concatenate([p.scores for p in parts]),
            np.concatenate([p.landmarks for p in parts]),
        )


@dataclass(frozen=True)
class Policy:
    score_threshold: float = 0.5
    nms_iou: float = 0.4
    min_face: float = 8.0  # px in the original photo; smaller boxes are noise, and too small to anonymise anyway
    max_side: int = 640  # long side of the first-pass canvas (photos are never enlarged)
    reliable_face: float = 16.0  # px in the first-pass canvas; smaller candidates trigger the zoomed pass
    candidate_score: float = 0.25  # weakest first-pass response that counts as a possible small face
    zoom_max_side: int = 1600  # bounds the zoomed pass's cost whatever the photo

    @property
    def zoom_face(self) -> float:
        """px a small face gets in the zoomed pass: safely above reliable_face; cost grows with its square."""
        return 1.5 * self.reliable_face


def pad_to_stride(image: np.ndarray, stride: int) -> np.ndarray:
    """Pad bottom and right with black so both sides are a positive multiple of `stride`."""
    h, w = image.shape[:2]
    ph, pw = max(stride, -(-h // stride) * stride), max(stride, -(-w // stride) * stride)
    if (ph, pw) == (h, w):
        return image
    canvas = np.zeros((ph, pw, 3), dtype=image.dtype)
    canvas[:h, :w] = image
    return canvas


def detect_faces(image: np.ndarray, run: RunFn, stride: int, policy: Policy) -> list[Detection]:
    """All faces in `image`, in its pixels, best score first."""
    if image.ndim != 3 or image.shape[2] != 3 or image.size == 0 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    small, factor = resize_to_fit(image, policy.max_side)
    raw = run(pad_to_stride(small, stride), min(policy.candidate_score, policy.score_threshold))
    raw = raw.mapped(factor)
    is_tiny = (raw.sides() < policy.reliable_face * factor) & (factor > 1.0)
    found = raw.select(~is_tiny & (raw.scores >= policy.score_threshold))
    if is_tiny.any():
        # The zoomed pass replaces the first pass's small faces: their low-resolution boxes are too loose to be
        # merged reliably by NMS with the sharper ones, and would come out twice.
        zoomed = zoom_pass(image, raw.select(is_tiny), run, stride, policy, min_scale=1.0 / factor)
        found = RawDetections.concat([found, zoomed])
    return finish(found, image.shape[:2], policy)


def zoom_pass(
    image: np.ndarray, tiny: RawDetections, run: RunFn, stride: int, policy: Policy, min_scale: float
) -> RawDetections:
    """Run again on the region around small candidates (original pixels) at a resolution that suits them, but
    never coarser than the first pass (`min_scale`), whose results for them it replaces."""
    h, w = image.shape[:2]
    margin = float(tiny.sides().max())
    x0, y0 = (int(max(0.0, v - margin)) for v in tiny.boxes[:, :2].min(axis=0))
    x1, y1 = (int(min(lim, v + margin)) for v, lim in zip(tiny.boxes[:, 2:].max(axis=0), (w, h), strict=True))
    scale = min(1.0, policy.zoom_face / max(float(np.median(tiny.sides())), 1.0))
    scale = max(min_scale, min(scale, policy.zoom_max_side / max(x1 - x0, y1 - y0, 1)))
    region = image[y0:y1, x0:x1]
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    zoomed = region if scale == 1.0 else cv2.resize(region, size, interpolation=cv2.INTER_AREA)
    raw = run(pad_to_stride(np.ascontiguousarray(zoomed), stride), policy.score_threshold)
    raw = raw.mapped(1.0 / scale, x0, y0)
    return raw.select(~_cut_by_region(raw.boxes, (x0, y0, x1, y1), (w, h)))


def _cut_by_region(boxes: np.ndarray, region: tuple[int, int, int, int], shape_wh: tuple[int, int]) -> np.ndarray:
    """Boxes touching a region edge that is not also the photo's edge: likely half faces, which the first pass
    sees whole."""
    x0, y0, x1, y1 = region
    w, h = shape_wh
    tol = 2.0
    return (
        ((boxes[:, 0] <= x0 + tol) & (x0 > 0))
        | ((boxes[:, 1] <= y0 + tol) & (y0 > 0))
        | ((boxes[:, 2] >= x1 - tol) & (x1 < w))
        | ((boxes[:, 3] >= y1 - tol) & (y1 < h))
    )


def finish(raw: RawDetections, shape: tuple[int, int], policy: Policy) -> list[Detection]:
    """Clip to the photo, drop tiny boxes, suppress duplicates, best score first."""
    h, w = shape
    boxes = raw.boxes.copy()
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    raw = RawDetections(boxes, raw.scores, raw.landmarks)
    raw = raw.select(raw.sides() >= policy.min_face)
    raw = raw.select(nms(raw.boxes, raw.scores, policy.nms_iou))  # nms returns best first
    return [
        Detection(box=b.astype(np.float32), score=float(s), landmarks=lm.astype(np.float32))
        for b, s, lm in zip(raw.boxes, raw.scores, raw.landmarks, strict=True)
    ]

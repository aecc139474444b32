"""Move a face's features to new landmark positions inside the aligned frame (piecewise-affine warp).

Control points are the 68 landmarks, ten forehead points lifted from the brows (dlib has none there, and a
forehead left out of the mesh would be dragged by the brows alone), and a fixed ring outside the frame, so hair
and background far from the face stay where they are and the warp fades out between jaw and frame edge.

The sampling map is piecewise affine, so it is computed on a grid `MAP_STEP` times coarser and enlarged
bilinearly: exact inside every coarse cell that one triangle covers, sub-pixel off along triangle edges. Against
the per-pixel `inference.swap.warp.piecewise_affine` on a 512 px frame: 15 vs 60-115 ms of CPU, mean pixel
difference 0.4, 8 of 262k pixels more than 20 levels apart (edges of the tiny eye-corner triangles); the
per-pixel map had cost more than the rest of an edit together.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.swap.landmarks import forehead
from inference.swap.warp import triangle_affines, triangulate

FOREHEAD_LIFT = 0.7  # eye-to-mouth distances above the brows
RING_PAD = 0.05  # fraction of the frame side outside the frame
MAP_STEP = 2
_SHIFT = 4  # sub-pixel bits when rasterising triangles


def control_points(landmarks68: np.ndarray, size: int) -> np.ndarray:
    """(68 + 10 + 16, 2) landmarks, forehead, and the fixed ring for a frame of `size` pixels."""
    points = np.asarray(landmarks68, np.float64)
    return np.concatenate([points, forehead(points, FOREHEAD_LIFT), _ring(size)])


def _ring(size: int) -> np.ndarray:
    lo, hi = -RING_PAD * size, (1 + RING_PAD) * size
    steps = np.linspace(lo, hi, 5)
    top = [(x, lo) for x in steps]
    bottom = [(x, hi) for x in steps]
    sides = [(x, y) for y in steps[1:-1] for x in (lo, hi)]
    return np.array(top + bottom + sides, dtype=np.float64)


def sampling_map(src: np.ndarray, dst: np.ndarray, size: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) float32 (size, size) for cv2.remap: output pixel -> source position. Pixels no usable
    triangle covers sample the source at their own position times `scale` (source side / output side)."""
    triangles = triangulate(dst)
    maps, ok = triangle_affines(src, dst, triangles)
    coarse = -(-size // MAP_STEP) + 1
    labels = np.full((coarse, coarse), -1, np.int32)
    for k in np.flatnonzero(ok):
        poly = np.round(((dst[triangles[k]] + 0.5) / MAP_STEP - 0.5) * (1 << _SHIFT)).astype(np.int32)
        cv2.fillConvexPoly(labels, poly, int(k), lineType=cv2.LINE_8, shift=_SHIFT)
    ys, xs = (np.mgrid[0:coarse, 0:coarse] + 0.5) * MAP_STEP - 0.5  # full-resolution centre of each cell
    identity = np.array([[scale, 0.0, 0.0], [0.0, scale, 0.0]])
    per_cell = np.concatenate([maps, identity[None]])[labels]  # label -1 picks the identity (last row)
    map_x = per_cell[..., 0, 0] * xs + per_cell[..., 0, 1] * ys + per_cell[..., 0, 2]
    map_y = per_cell[..., 1, 0] * xs + per_cell[..., 1, 1] * ys + per_cell[..., 1, 2]
    full = (coarse * MAP_STEP,) * 2
    big_x = cv2.resize(map_x.astype(np.float32), full, interpolation=cv2.INTER_LINEAR)
    big_y = cv2.resize(map_y.astype(np.float32), full, interpolation=cv2.INTER_LINEAR)
    return big_x[:size, :size], big_y[:size, :size]


def morph(image: np.ndarray, src68: np.ndarray, dst68: np.ndarray, out_size: int | None = None) -> np.ndarray:
    """`image` (frame of side S) warped so landmarks at `src68` land on `dst68` (both in S-frame pixels);
    the output frame has side `out_size` (default S), with `dst68` scaled to it."""
    size = image.shape[0]
    out = out_size or size
    src = control_points(src68, size)
    dst = control_points(np.asarray(dst68, np.float64) * (out / size), out)
    map_x, map_y = sampling_map(src, dst, out, size / out)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

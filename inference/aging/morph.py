"""Move a face's features to new landmark positions inside the aligned frame (piecewise-affine warp).

Control points are the 68 landmarks, ten forehead points lifted from the brows (dlib has none there, and a
forehead left out of the mesh would be dragged by the brows alone), and a fixed ring outside the frame, so hair
and background far from the face stay where they are and the warp fades out between jaw and frame edge.
"""

from __future__ import annotations

import numpy as np

from inference.swap.landmarks import forehead
from inference.swap.warp import piecewise_affine, triangulate

FOREHEAD_LIFT = 0.7  # eye-to-mouth distances above the brows
RING_PAD = 0.05  # fraction of the frame side outside the frame
_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


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


def morph(image: np.ndarray, src68: np.ndarray, dst68: np.ndarray, out_size: int | None = None) -> np.ndarray:
    """`image` (frame of side S) warped so landmarks at `src68` land on `dst68` (both in S-frame pixels);
    the output frame has side `out_size` (default S), with `dst68` scaled to it."""
    size = image.shape[0]
    out = out_size or size
    src = control_points(src68, size)
    dst = control_points(np.asarray(dst68, np.float64) * (out / size), out)
    fallback = _IDENTITY * np.array([[size / out], [size / out]])
    return piecewise_affine(image, src, dst, triangulate(dst), (out, out), fallback)

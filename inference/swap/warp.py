"""Piecewise-affine warp: one affine map per triangle of control points, applied with a single cv2.remap."""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # sub-pixel bits for rasterising triangles, so neighbouring triangles meet without holes


def triangulate(points: np.ndarray) -> np.ndarray:
    """(T, 3) vertex indices of a Delaunay triangulation of `points` (N, 2)."""
    lo = np.floor(points.min(axis=0)) - 2
    hi = np.ceil(points.max(axis=0)) + 2
    subdiv = cv2.Subdiv2D((int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])))
    index: dict[tuple[float, float], int] = {}
    for i, (x, y) in enumerate(points.astype(np.float32)):
        key = (float(x), float(y))
        if key not in index:  # coincident points would break the triangulation; the first one represents them
            index[key] = i
            subdiv.insert(key)
    triangles = []
    for x1, y1, x2, y2, x3, y3 in subdiv.getTriangleList():
        ids = [index.get((float(x), float(y))) for x, y in ((x1, y1), (x2, y2), (x3, y3))]
        if None not in ids:  # triangles touching Subdiv2D's virtual outer vertices
            triangles.append(ids)
    return np.asarray(triangles, dtype=np.int64).reshape(-1, 3)


def _signed_area(tri: np.ndarray) -> float:
    (x1, y1), (x2, y2), (x3, y3) = tri
    return 0.5 * ((x2 - x1) * (y3 - y1) - (x3 - x1) * (y2 - y1))


def _affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """2x3 map dst -> src for one triangle; None when the destination is degenerate or the source is folded
    (mirrored orientation: a pose mismatch put a donor point on the wrong side of its neighbours)."""
    a_dst, a_src = _signed_area(dst), _signed_area(src)
    if abs(a_dst) < 1e-3 or a_dst * a_src <= 0:
        return None
    a = np.hstack([dst, np.ones((3, 1))])
    return np.linalg.solve(a, src).T


def piecewise_affine(
    image: np.ndarray,
    src_points: np.ndarray,
    dst_points: np.ndarray,
    triangles: np.ndarray,
    out_size: tuple[int, int],
    fallback: np.ndarray,
) -> np.ndarray:
    """Warp `image` so src_points land on dst_points (output coordinates, (width, height) = out_size).

    Pixels no triangle covers use `fallback`, a 2x3 output->source affine, so the result has no holes.
    """
    w, h = out_size
    labels = np.full((h, w), -1, dtype=np.int32)
    maps = [fallback.astype(np.float64)]
    for tri in triangles:
        m = _affine(src_points[tri].astype(np.float64), dst_points[tri].astype(np.float64))
        if m is None:
            continue
        maps.append(m)
        poly = np.round(dst_points[tri] * (1 << _SHIFT)).astype(np.int32)
        cv2.fillConvexPoly(labels, poly, len(maps) - 2, lineType=cv2.LINE_8, shift=_SHIFT)
    affines = np.stack(maps)[labels + 1]  # (h, w, 2, 3); label -1 picks the fallback
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    map_x = affines[..., 0, 0] * xs + affines[..., 0, 1] * ys + affines[..., 0, 2]
    map_y = affines[..., 1, 0] * xs + affines[..., 1, 1] * ys + affines[..., 1, 2]
    return cv2.remap(
        image, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )

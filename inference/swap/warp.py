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


def _signed_areas(tri: np.ndarray) -> np.ndarray:
    """(T,) twice the signed area of each (3, 2) triangle (np.cross on 2-vectors is deprecated in NumPy 2)."""
    u, v = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def triangle_affines(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2, 3) dst -> src maps of all triangles in one solve, and which of them are usable (not degenerate,
    not folded: a point pushed across its neighbours - a pose mismatch - would mirror the skin inside)."""
    d, s = dst[triangles].astype(np.float64), src[triangles].astype(np.float64)  # (T, 3, 2)
    area_d, area_s = _signed_areas(d), _signed_areas(s)
    ok = (np.abs(area_d) > 1e-3) & (area_d * area_s > 0)
    a = np.concatenate([d, np.ones((*d.shape[:2], 1))], axis=2)  # (T, 3, 3)
    a[~ok] = np.eye(3)  # placeholders keep the batch solvable; their maps are never used
    return np.linalg.solve(a, s).transpose(0, 2, 1), ok


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
    maps, ok = triangle_affines(src_points, dst_points, triangles)
    for k in np.flatnonzero(ok):
        poly = np.round(dst_points[triangles[k]] * (1 << _SHIFT)).astype(np.int32)
        cv2.fillConvexPoly(labels, poly, int(k), lineType=cv2.LINE_8, shift=_SHIFT)
    maps = np.concatenate([fallback[None].astype(np.float64), maps])
    affines = maps[labels + 1]  # (h, w, 2, 3); label -1 picks the fallback
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    map_x = affines[..., 0, 0] * xs + affines[..., 0, 1] * ys + affines[..., 0, 2]
    map_y = affines[..., 1, 0] * xs + affines[..., 1, 1] * ys + affines[..., 1, 2]
    return cv2.remap(
        image, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )

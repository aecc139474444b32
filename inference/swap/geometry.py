"""Where the donor's features go in the target: a least-squares similarity plus a hybrid landmark layout."""

from __future__ import annotations

import numpy as np

from inference.swap.landmarks import INNER, JAW


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 matrix of the rotation + uniform scale + shift that maps src onto dst with least squared error.

    Closed form via complex numbers: a similarity is z -> a·z + b with complex a, b.
    """
    s = src[:, 0] + 1j * src[:, 1]
    d = dst[:, 0] + 1j * dst[:, 1]
    sc, dc = s - s.mean(), d - d.mean()
    a = np.vdot(sc, dc) / max(float(np.vdot(sc, sc).real), 1e-12)
    b = d.mean() - a * s.mean()
    return np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag]], dtype=np.float64)


def apply_affine(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def hybrid_layout(target: np.ndarray, donor_aligned: np.ndarray, inner_weight: float) -> np.ndarray:
    """Target's outline with inner features moved `inner_weight` of the way to the aligned donor's.

    The outline stays the target's so the new face fits the head, hair and ears that are kept; the inner layout
    is the donor's because warping the donor fully onto the target's own layout kept identity too close.
    """
    layout = target.astype(np.float64).copy()
    layout[INNER] = target[INNER] + inner_weight * (donor_aligned[INNER] - target[INNER])
    layout[JAW] = target[JAW]
    return layout


def fit_affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 least-squares affine map src -> dst."""
    a = np.hstack([src, np.ones((len(src), 1))])
    sol, *_ = np.linalg.lstsq(a, dst, rcond=None)
    return sol.T

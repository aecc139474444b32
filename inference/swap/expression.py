"""Expression that geometry can carry: how far the eyes are open.

The donor's eye layout replaces the target's (identity), but wide-open donor eyes over a squint or closed lids
change the expression the brief says must stay. Squeezing the donor's lids together with the warp closes them
convincingly. Opening cannot be done by warping (there is no eyeball to stretch), so openings only shrink.

Mouths are deliberately not touched: squeezing a donor's grin shut left a row of crushed teeth between
misaligned lips, which looked worse than the grin. The donor picker should match the mouth instead
(`inference.generate.expression.mouth_open` / `smile`).
"""

from __future__ import annotations

import numpy as np

# (corner, corner, upper lid, upper lid, lower lid, lower lid) per eye, upper/lower pairs facing each other.
_EYES = ((36, 39, 37, 38, 41, 40), (42, 45, 43, 44, 47, 46))


def eye_opening(points: np.ndarray, eye: int) -> float:
    """Lid gap over eye width for eye 0 (image left) or 1 (about 0.3 for an open eye, under 0.15 closed)."""
    c1, c2, u1, u2, l1, l2 = _EYES[eye]
    gap = (np.linalg.norm(points[u1] - points[l1]) + np.linalg.norm(points[u2] - points[l2])) / 2
    return float(gap / max(float(np.linalg.norm(points[c1] - points[c2])), 1e-6))


def _close_eye(layout: np.ndarray, eye: int, ratio: float) -> None:
    c1, c2, *lids = _EYES[eye]
    corner = layout[c1]
    axis = (layout[c2] - corner) / max(float(np.linalg.norm(layout[c2] - corner)), 1e-6)
    for i in lids:  # keep each lid point's position along the eye, shrink its distance from the corner line
        rel = layout[i] - corner
        along = np.dot(rel, axis) * axis
        layout[i] = corner + along + (rel - along) * ratio


def keep_eye_openings(layout: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`layout` (donor features placed in the target) with eyes no more open than the target's."""
    out = layout.copy()
    for eye in (0, 1):
        have, want = eye_opening(out, eye), eye_opening(target, eye)
        if want < have:
            _close_eye(out, eye, want / max(have, 1e-6))
    return out

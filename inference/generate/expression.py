"""Smile and open mouth from the 68 landmarks, in units that do not depend on face size or roll.

Both are measured in the face's own frame: x along the line between the outer eye corners, y perpendicular to
it, lengths divided by the outer eye-corner distance. Roll and scale drop out; strong yaw still shortens the mouth.
- `smile`: how far the mouth corners sit above the mid-line of the lips (positive = corners lifted), plus how
  wide the mouth is. A smile both lifts and stretches the corners; either alone is weaker evidence.
- `mouth_open`: the gap between the inner lips divided by the mouth width (a mouth aspect ratio; ~0 when closed).
"""

from __future__ import annotations

import numpy as np

OUTER_EYE_CORNERS = (36, 45)
MOUTH_CORNERS = (48, 54)
UPPER_INNER_LIP = (61, 62, 63)
LOWER_INNER_LIP = (67, 66, 65)
# Typical neutral mouth width / outer-eye distance on adult faces (~0.55, dlib landmarks on FFHQ-style crops);
# subtracting it centres `smile` near 0 for a neutral face. It only shifts the scale, the direction fit is affine.
NEUTRAL_WIDTH = 0.55


def face_frame(landmarks68: np.ndarray) -> np.ndarray:
    """Landmarks rotated so the eyes are level, scaled so the outer eye corners are 1 apart, origin between them."""
    p = np.asarray(landmarks68, dtype=np.float64)
    left, right = p[OUTER_EYE_CORNERS[0]], p[OUTER_EYE_CORNERS[1]]
    axis = right - left
    scale = float(np.linalg.norm(axis))
    if scale < 1e-6:
        raise ValueError("degenerate landmarks: the eye corners coincide")
    cos, sin = axis / scale
    rot = np.array([[cos, sin], [-sin, cos]])
    return (p - (left + right) / 2) @ rot.T / scale


def mouth_open(landmarks68: np.ndarray) -> float:
    q = face_frame(landmarks68)
    gap = float(np.mean(q[list(LOWER_INNER_LIP), 1] - q[list(UPPER_INNER_LIP), 1]))
    width = float(np.linalg.norm(q[MOUTH_CORNERS[1]] - q[MOUTH_CORNERS[0]]))
    return max(gap, 0.0) / max(width, 1e-6)


def smile(landmarks68: np.ndarray) -> float:
    q = face_frame(landmarks68)
    # The lips' mid-line: halfway between the centre of the upper and lower inner lip (works open or closed).
    mid = (q[62, 1] + q[66, 1]) / 2
    corners_y = (q[MOUTH_CORNERS[0], 1] + q[MOUTH_CORNERS[1], 1]) / 2
    lift = mid - corners_y  # image y points down: corners above the mid-line give a positive lift
    width = float(np.linalg.norm(q[MOUTH_CORNERS[1]] - q[MOUTH_CORNERS[0]]))
    return float(lift + (width - NEUTRAL_WIDTH))

"""Reading order for faces: rows top to bottom, then left to right — the numbers users pick faces by."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def reading_order(boxes: Sequence[np.ndarray]) -> list[int]:
    """Indices of `boxes` (x1, y1, x2, y2) in reading order; deterministic for the same input.

    Faces sorted by centre height form one row until the next centre is more than half a median face height
    below the previous one. Chaining (rather than a band around the row's first face) keeps a staggered back
    row of a group photo together; a fixed pixel band would split or merge rows depending on image size.
    """
    if not boxes:
        return []
    arr = np.asarray(boxes, dtype=np.float64)
    cy = (arr[:, 1] + arr[:, 3]) / 2
    cx = (arr[:, 0] + arr[:, 2]) / 2
    band = 0.5 * float(np.median(arr[:, 3] - arr[:, 1]))
    by_y = sorted(range(len(arr)), key=lambda i: (cy[i], cx[i]))
    rows: list[list[int]] = []
    for i in by_y:
        if rows and cy[i] - cy[rows[-1][-1]] <= band:
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda j: (cx[j], cy[j]))]

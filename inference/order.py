"""Reading order for faces: rows top to bottom, then left to right — the numbers users pick faces by."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def reading_order(boxes: Sequence[np.ndarray]) -> list[int]:
    """Indices of `boxes` (x1, y1, x2, y2) in reading order; deterministic for the same input.

    A face joins the current row when its centre lies within half a median face height of the row's first
    face; group photos have staggered rows, so a fixed pixel band would split or merge them wrongly.
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
        if rows and cy[i] - cy[rows[-1][0]] <= band:
            rows[-1].append(i)
        else:
            rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda j: (cx[j], cy[j]))]

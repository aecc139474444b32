"""The one place replaced pixels enter the photo: alpha blending under a mask, bit-exact elsewhere."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def protect_boxes(shape: tuple[int, ...], boxes: Iterable[np.ndarray]) -> np.ndarray:
    """Boolean image, True inside any kept face's box: no mask may touch it (kept faces stay bit-identical)."""
    keep = np.zeros(shape[:2], dtype=bool)
    height, width = shape[:2]
    for box in boxes:
        x1, y1 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
        x2, y2 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
        keep[y1:y2, x1:x2] = True
    return keep


def blend(base: np.ndarray, new: np.ndarray, mask: np.ndarray, protect: np.ndarray | None = None) -> np.ndarray:
    """base·(1−m) + new·m, where m is `mask` zeroed on `protect`. Pixels with m == 0 are copied, not recomputed,
    so they stay bit-identical to `base` whatever rounding the blend does."""
    m = mask.astype(np.float32)
    if protect is not None:
        m = np.where(protect, 0.0, m)
    touched = m > 0
    out = base.copy()
    if not touched.any():
        return out
    ys, xs = np.nonzero(touched)
    y1, y2, x1, x2 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    mm = m[y1:y2, x1:x2, None]
    mixed = base[y1:y2, x1:x2] * (1.0 - mm) + new[y1:y2, x1:x2].astype(np.float32) * mm
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    region = out[y1:y2, x1:x2]
    region[touched[y1:y2, x1:x2]] = mixed[touched[y1:y2, x1:x2]]
    return out

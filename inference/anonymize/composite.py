"""The one place replaced pixels enter the photo: alpha blending under a mask, bit-exact elsewhere."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from inference.patch import Patch


def protect_boxes(shape: tuple[int, ...], boxes: Iterable[np.ndarray]) -> np.ndarray:
    """Boolean image, True inside any kept face's box: no mask may touch it (kept faces stay bit-identical)."""
    keep = np.zeros(shape[:2], dtype=bool)
    height, width = shape[:2]
    for box in boxes:
        x1, y1 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
        x2, y2 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
        keep[y1:y2, x1:x2] = True
    return keep


def blend(base: np.ndarray, new: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """base·(1−m) + new·m for same-sized arrays. Pixels with m == 0 are copied, not recomputed, so they stay
    bit-identical to `base` whatever rounding the blend does."""
    out = base.copy()
    _mix_into(out, base, new, mask.astype(np.float32))
    return out


def apply(
    photo: np.ndarray,
    patch: Patch,
    protect: np.ndarray | None = None,
    region: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """A copy of `photo` with `patch` blended in, its alpha zeroed where `protect` is True. With `region`
    (x1, y1, x2, y2, holding the patch's box) only that part is copied and returned: a try's verification needs
    the face's surroundings, not a copy of the whole photo."""
    rx1, ry1, rx2, ry2 = region if region is not None else (0, 0, photo.shape[1], photo.shape[0])
    out = photo[ry1:ry2, rx1:rx2].copy()
    x1, y1, x2, y2 = patch.box
    if x2 <= x1 or y2 <= y1:
        return out
    if not (rx1 <= x1 and ry1 <= y1 and x2 <= rx2 and y2 <= ry2):
        raise ValueError(f"patch {patch.box} is not inside region {(rx1, ry1, rx2, ry2)}")
    window = out[y1 - ry1 : y2 - ry1, x1 - rx1 : x2 - rx1]
    _mix_into(window, photo[y1:y2, x1:x2], patch.pixels, _alpha(patch, protect))
    return out


def apply_in_place(photo: np.ndarray, patch: Patch, protect: np.ndarray | None = None) -> None:
    """`apply` into `photo` itself: for the working copy of a request, once a patch is final."""
    x1, y1, x2, y2 = patch.box
    if x2 <= x1 or y2 <= y1:
        return
    window = photo[y1:y2, x1:x2]
    _mix_into(window, window.copy(), patch.pixels, _alpha(patch, protect))


def accumulate(mask: np.ndarray, patch: Patch, protect: np.ndarray | None = None) -> None:
    """Record in the photo-sized `mask`, in place, where `patch` may change pixels."""
    x1, y1, x2, y2 = patch.box
    np.maximum(mask[y1:y2, x1:x2], _alpha(patch, protect), out=mask[y1:y2, x1:x2])


def _alpha(patch: Patch, protect: np.ndarray | None) -> np.ndarray:
    if protect is None:
        return patch.alpha
    x1, y1, x2, y2 = patch.box
    return np.where(protect[y1:y2, x1:x2], np.float32(0.0), patch.alpha)


def _mix_into(out: np.ndarray, base: np.ndarray, new: np.ndarray, m: np.ndarray) -> None:
    touched = m > 0
    if not touched.any():
        return
    m3 = m[..., None]
    mixed = base * (1.0 - m3) + new.astype(np.float32) * m3
    out[touched] = np.clip(np.rint(mixed[touched]), 0, 255).astype(np.uint8)

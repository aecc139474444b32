"""Put an aged, aligned face back into the photo: inverse warp, colour cast matched, feathered alpha.

Only pixels under the mask change (`inference.anonymize.composite.blend` copies the rest bit for bit). The mask
is the union of the face outline before and after aging, so a chin that grew downwards is covered, with the
forehead up to the lifted brows; hair, ears and background stay the photo's own.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.aging.align import Alignment
from inference.aging.base import AgedFace
from inference.anonymize.composite import blend
from inference.swap.mask import feathered_mask

MASK_FOREHEAD = 0.7  # eye-to-mouth distances above the brows (matches the prototypes' texture mask)
MASK_INSET = 0.02  # fraction of face size inside the jaw line
MASK_FEATHER = 0.035  # Gaussian sigma, fraction of face size
_GAMMA = 2.2
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def frame_mask(before68: np.ndarray, after68: np.ndarray, size: int) -> np.ndarray:
    """(S, S) float32 alpha: the union of the face before and after the edit."""
    shape = (size, size)
    a = feathered_mask(before68, shape, MASK_FOREHEAD, MASK_INSET, MASK_FEATHER)
    b = feathered_mask(after68, shape, MASK_FOREHEAD, MASK_INSET, MASK_FEATHER)
    return np.maximum(a, b)


def match_cast(face: np.ndarray, photo: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """`face` (float RGB) with the photo's colour cast: per-channel gains in linear light, normalised to keep the
    face's own brightness, so an engine's darker stubble or paler skin survives but a tint does not."""
    sel = weight > 0.5
    if sel.sum() < 16:
        return face
    f_lin = (np.clip(face[sel], 0, 255) / 255.0) ** _GAMMA
    p_lin = (photo[sel].astype(np.float32) / 255.0) ** _GAMMA
    gain = p_lin.mean(axis=0) / np.maximum(f_lin.mean(axis=0), 1e-4)
    gain = np.clip(gain / max(float(gain @ _LUMA), 1e-4), 0.5, 2.0)
    # A gain g in linear light is the gain g ** (1 / gamma) on the encoded values: no per-pixel power needed.
    return np.clip(face * (gain ** (1.0 / _GAMMA)).astype(np.float32), 0.0, 255.0)


def _photo_box(align: Alignment, mask: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """x1, y1, x2, y2 of the photo region the frame's mask can touch."""
    ys, xs = np.nonzero(mask > 0)
    corners = np.array([[xs.min(), ys.min()], [xs.max(), ys.min()], [xs.min(), ys.max()], [xs.max(), ys.max()]])
    inv = align.inverse()
    pts = corners.astype(np.float64) @ inv[:, :2].T + inv[:, 2]
    h, w = shape
    x1, y1 = np.floor(pts.min(axis=0)).astype(int) - 2
    x2, y2 = np.ceil(pts.max(axis=0)).astype(int) + 3
    return max(int(x1), 0), max(int(y1), 0), min(int(x2), w), min(int(y2), h)


def paste(photo: np.ndarray, align: Alignment, aged: AgedFace, before68: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(new photo, (H, W) float32 alpha actually used) with the aged face in place."""
    size = aged.image.shape[0]
    mask = aged.mask if aged.mask is not None else frame_mask(before68, aged.landmarks68, size)
    full = np.zeros(photo.shape[:2], np.float32)
    if not (mask > 0).any():
        return photo.copy(), full
    x1, y1, x2, y2 = _photo_box(align, mask, photo.shape[:2])
    if x2 <= x1 or y2 <= y1:
        return photo.copy(), full
    inv = align.inverse()
    inv[:, 2] -= (x1, y1)  # into the region's coordinates
    region = (x2 - x1, y2 - y1)
    face = cv2.warpAffine(aged.image, inv, region, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(mask.astype(np.float32), inv, region, flags=cv2.INTER_LINEAR, borderValue=0.0)
    alpha[alpha < 1.0 / 512] = 0.0
    crop = photo[y1:y2, x1:x2]
    face = match_cast(face.astype(np.float32), crop, alpha)
    full[y1:y2, x1:x2] = alpha
    out = photo.copy()
    out[y1:y2, x1:x2] = blend(crop, face, alpha)
    return out, full

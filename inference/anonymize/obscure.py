"""The non-generative modes: blur, pixelate, solid. Also the fallback when a swap cannot be verified.

Each returns the region's new pixels and the mask that says where they apply; the caller composites, so the
"nothing changes outside the masks" rule is enforced in one place (`inference.anonymize.composite`).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

ObscureMode = Literal["blur", "pixelate", "solid"]


def face_region(box: np.ndarray, shape: tuple[int, ...], grow: float = 0.25) -> tuple[int, int, int, int]:
    """Integer (x1, y1, x2, y2) of the box grown by `grow` of its size each side (hairline, chin, cheeks)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    gx, gy = w * grow, h * grow
    height, width = shape[:2]
    return (
        max(0, int(np.floor(x1 - gx))),
        max(0, int(np.floor(y1 - gy * 1.2))),  # more room above: foreheads are under-boxed by detectors
        min(width, int(np.ceil(x2 + gx))),
        min(height, int(np.ceil(y2 + gy))),
    )


def ellipse_mask(shape: tuple[int, ...], region: tuple[int, int, int, int], feather: float = 0.15) -> np.ndarray:
    """Full-image float32 mask: 1 inside an ellipse inscribed in `region`, soft edge of `feather` x its size."""
    height, width = shape[:2]
    x1, y1, x2, y2 = region
    mask = np.zeros((height, width), np.float32)
    if x2 <= x1 or y2 <= y1:
        return mask
    centre = ((x1 + x2) / 2, (y1 + y2) / 2)
    axes = (max(1, (x2 - x1) / 2), max(1, (y2 - y1) / 2))
    core = (max(1, round(axes[0] * (1 - feather))), max(1, round(axes[1] * (1 - feather))))
    cv2.ellipse(mask, (round(centre[0]), round(centre[1])), core, 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    sigma = max(0.5, feather * min(axes) / 2)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    # The blur spreads the ellipse a little beyond the region; clip so the mask never leaves it.
    outside = np.ones_like(mask, dtype=bool)
    outside[y1:y2, x1:x2] = False
    mask[outside] = 0.0
    return np.clip(mask, 0.0, 1.0)


def obscure(image: np.ndarray, box: np.ndarray, mode: ObscureMode) -> tuple[np.ndarray, np.ndarray]:
    """New pixels for the whole image (only meaningful under the mask) and the mask for one face."""
    region = face_region(box, image.shape)
    x1, y1, x2, y2 = region
    out = image.copy()
    patch = image[y1:y2, x1:x2]
    if patch.size == 0:
        return out, np.zeros(image.shape[:2], np.float32)
    if mode == "blur":
        out[y1:y2, x1:x2] = _strong_blur(patch)
        mask = ellipse_mask(image.shape, region)
    elif mode == "pixelate":
        out[y1:y2, x1:x2] = _pixelate(patch, cells=8)
        mask = _hard_mask(image.shape, region)
    elif mode == "solid":
        out[y1:y2, x1:x2] = np.median(patch.reshape(-1, 3), axis=0).astype(np.uint8) // 2
        mask = ellipse_mask(image.shape, region, feather=0.04)
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return out, mask


def _strong_blur(patch: np.ndarray) -> np.ndarray:
    """Shrink to ~6 px across and blow back up smoothly: no feature survives, unlike a mild Gaussian."""
    h, w = patch.shape[:2]
    small = cv2.resize(patch, (max(1, round(6 * w / max(h, w))), max(1, round(6 * h / max(h, w)))), cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(big, (0, 0), max(1.0, min(h, w) / 12))


def _pixelate(patch: np.ndarray, cells: int) -> np.ndarray:
    h, w = patch.shape[:2]
    small = cv2.resize(patch, (max(1, cells * w // max(h, w)), max(1, cells * h // max(h, w))), cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _hard_mask(shape: tuple[int, ...], region: tuple[int, int, int, int]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.float32)
    x1, y1, x2, y2 = region
    mask[y1:y2, x1:x2] = 1.0
    return mask

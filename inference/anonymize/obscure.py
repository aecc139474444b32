"""The non-generative modes: blur, pixelate, solid. Also the fallback when a swap cannot be verified.

Each returns a `Patch` (the region's new pixels and the alpha that says where they apply); the caller
composites, so the "nothing changes outside the masks" rule is enforced in one place
(`inference.anonymize.composite`).
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from inference.patch import Patch

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


def ellipse_mask(region: tuple[int, int, int, int], feather: float = 0.15) -> np.ndarray:
    """Float32 alpha over `region` (x1, y1, x2, y2): 1 inside the inscribed ellipse, a soft edge of `feather` x its
    size, cut at the region's border."""
    x1, y1, x2, y2 = region
    h, w = y2 - y1, x2 - x1
    axes = (max(1, w / 2), max(1, h / 2))
    core = (max(1, round(axes[0] * (1 - feather))), max(1, round(axes[1] * (1 - feather))))
    sigma = max(0.5, feather * min(axes) / 2)
    # Drawn with a margin, so the blur sees what it would on the whole photo; the centre is rounded in photo
    # coordinates, as before masks became region-sized.
    margin = int(np.ceil(4 * sigma)) + 1
    canvas = np.zeros((h + 2 * margin, w + 2 * margin), np.float32)
    centre = (round((x1 + x2) / 2) - x1 + margin, round((y1 + y2) / 2) - y1 + margin)
    cv2.ellipse(canvas, centre, core, 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    return np.clip(canvas[margin : margin + h, margin : margin + w], 0.0, 1.0)


def obscure(image: np.ndarray, box: np.ndarray, mode: ObscureMode) -> Patch:
    """The patch that obscures one face (its box grown to take in hairline, chin and cheeks)."""
    region = face_region(box, image.shape)
    x1, y1, x2, y2 = region
    patch = image[y1:y2, x1:x2]
    if patch.size == 0:
        return Patch.empty()
    if mode == "blur":
        return Patch(_strong_blur(patch), ellipse_mask(region), region)
    if mode == "pixelate":
        return Patch(_pixelate(patch, cells=8), np.ones(patch.shape[:2], np.float32), region)
    if mode == "solid":
        colour = np.median(patch.reshape(-1, 3), axis=0).astype(np.uint8) // 2
        return Patch(np.broadcast_to(colour, patch.shape).copy(), ellipse_mask(region, feather=0.04), region)
    raise ValueError(f"unknown mode {mode!r}")


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

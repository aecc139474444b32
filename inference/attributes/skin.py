"""Skin tone: a robust median colour of the upper cheeks and the forehead, and its ITA angle in CIELAB.

Regions come from the 68 landmarks. Upper cheeks sit between the lower eyelid, the side of the nose and the
nostril line, so they exclude eyes, mouth and the beard/stubble zone (lower cheeks, jaw, chin, upper lip). The
forehead is a band above the inner brows. Hair (fringes), shadows and highlights still leak in, so pixels far
from the pooled median in CIELAB are dropped before the final median.

ITA = atan2(L* - 50, b*) in degrees (Chardon et al. 1991; atan2 so a b* of zero is defined). Bands (Del Bino
et al. 2006): very light > 55 > light > 41 > intermediate > 28 > tan > 10 > brown > -30 > dark. A grey photo has
no skin colour: when the skin's chroma is under `GREY_CHROMA` the category is "unknown" (ITA would read ~90).
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.types import SkinTone

ITA_BANDS: tuple[tuple[float, str], ...] = (
    (55.0, "very light"),
    (41.0, "light"),
    (28.0, "intermediate"),
    (10.0, "tan"),
    (-30.0, "brown"),
)
GREY_CHROMA = 4.0  # C*ab; real skin in colour photos measures well above this (b* alone is typically > 10)
KEEP_NEAREST = 0.6  # fraction of pixels, nearest the first median in CIELAB, that make the final median


def ita_category(ita: float) -> str:
    for lower, name in ITA_BANDS:
        if ita > lower:
            return name
    return "dark"


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


def _shrink(polygon: np.ndarray, factor: float) -> np.ndarray:
    """Pull a polygon towards its centroid, keeping the region clear of the features that bound it."""
    centre = polygon.mean(axis=0)
    return centre + (polygon - centre) * factor


def skin_regions(landmarks68: np.ndarray) -> list[np.ndarray]:
    """Polygons (float (N, 2)) of the two upper cheeks and the forehead."""
    p = np.asarray(landmarks68, dtype=np.float64)
    left_cheek = np.array([p[41], p[40], _lerp(p[39], p[31], 0.5), p[31], p[2], p[1]])
    right_cheek = np.array([p[46], p[47], _lerp(p[42], p[35], 0.5), p[35], p[14], p[15]])
    # Up = from the nose tip to between the brows; the band spans 0.15-0.6 of that length above the inner brows.
    up = (p[21] + p[22]) / 2 - p[30]
    forehead = np.array([p[19] + 0.15 * up, p[24] + 0.15 * up, p[24] + 0.6 * up, p[19] + 0.6 * up])
    return [_shrink(left_cheek, 0.7), _shrink(right_cheek, 0.7), _shrink(forehead, 0.9)]


def _region_pixels(image: np.ndarray, polygons: list[np.ndarray]) -> np.ndarray:
    """(N, 3) pixels inside the polygons; the mask only spans their bounds (a 3000 px photo holds many faces)."""
    h, w = image.shape[:2]
    corners = np.concatenate(polygons)
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [w, h])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 1, 0, [w, h])
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    for polygon in polygons:
        cv2.fillPoly(mask, [np.rint(polygon - [x0, y0]).astype(np.int32)], 1)
    return image[y0:y1, x0:x1][mask.astype(bool)]


def _lab(rgb_pixels: np.ndarray) -> np.ndarray:
    """(N, 3) CIELAB (L* 0..100, D65) of sRGB uint8 pixels; OpenCV applies the sRGB gamma for float input."""
    as_image = (rgb_pixels.astype(np.float32) / 255.0).reshape(-1, 1, 3)
    return cv2.cvtColor(as_image, cv2.COLOR_RGB2Lab).reshape(-1, 3)


def estimate_skin(image: np.ndarray, landmarks68: np.ndarray) -> SkinTone:
    pixels = _region_pixels(image, skin_regions(landmarks68))
    if len(pixels) == 0:
        raise ValueError("the skin regions of these landmarks hold no pixels")
    lab = _lab(pixels)
    distance = np.linalg.norm(lab - np.median(lab, axis=0), axis=1)
    nearest = distance <= np.quantile(distance, KEEP_NEAREST)
    lightness, a, b = np.median(lab[nearest], axis=0)
    rgb = np.median(pixels[nearest], axis=0)
    ita = float(np.degrees(np.arctan2(lightness - 50.0, b)))
    category = "unknown" if np.hypot(a, b) < GREY_CHROMA else ita_category(ita)
    return SkinTone(ita=ita, category=category, rgb=(int(rgb[0]), int(rgb[1]), int(rgb[2])))

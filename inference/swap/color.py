"""Colour and light: bring the warped donor to the target's palette, contrast and shading inside the face.

1. White balance and skin tone: one gain per channel in linear RGB (the von Kries model: a colour cast is a
   multiplication by the light's colour). An offset in LAB turned the donor's neutral pixels (eye whites, grey
   hair strands) cyan when a tanned donor went into a pale face; a gain moves them with the light instead.
2. Contrast in CIELAB: lightness std matched within limits; chroma spread only ever reduced, which drains the
   colour for sepia or grey scans and never turns irises electric blue or lips neon.
3. Shading: a smooth second-order polynomial offset per LAB channel, fitted to the remaining difference,
   carries directional light (and a coloured light on one cheek) across the face without copying the target's
   features (a blurred gain map at feature scale would paint the target's eye sockets and beard shadow back in).
All statistics come from skin-like pixels only: inside the mask and, in both images, near the median lightness,
so hair strands, eyebrows, teeth or a glimpse of the donor's background do not tint the whole face.
"""

from __future__ import annotations

import cv2
import numpy as np

_GREY_TOLERANCE = 2  # max channel spread (uint8 levels) for a pixel to count as grey
_GAMMA = 2.2
_STAT_PIXELS = 40_000
_LINEAR = ((np.arange(256, dtype=np.float32) / 255.0) ** _GAMMA).astype(np.float32)  # uint8 -> linear light


def is_grayscale(image: np.ndarray) -> bool:
    """True when (nearly) every pixel has R == G == B, as in a scanned black-and-white photo saved as RGB."""
    # Channel-wise maximum/minimum: numpy's reductions over a 3-long last axis are ~20x slower on a face crop.
    r, g, b = (image[..., c].astype(np.int16) for c in range(3))
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    return bool(np.count_nonzero(spread <= _GREY_TOLERANCE) > 0.99 * spread.size)


def skin_weight(donor: np.ndarray, target: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """`alpha` where it is > 0.5 and both images are within 2.5 robust deviations of their median lightness."""
    core = alpha > 0.5
    if core.sum() < 16:
        return alpha
    keep = core.copy()
    for image in (donor, target):
        lum = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        med = float(np.median(lum[core]))
        mad = float(np.median(np.abs(lum[core] - med))) * 1.4826 + 1.0
        keep &= np.abs(lum - med) < 2.5 * mad
    if keep.sum() < 16:
        return alpha * core
    return alpha * keep


def _stride(shape: tuple[int, ...]) -> int:
    """Sampling step so statistics read at most ~40k pixels: a 1000-px face needs no more to know its colour."""
    return max(1, int(np.sqrt(shape[0] * shape[1] / _STAT_PIXELS)))


def _weighted_stats(values: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = _stride(weight.shape)
    values, weight = values[::k, ::k], weight[::k, ::k]
    w = weight / max(float(weight.sum()), 1e-6)
    mean = np.einsum("ij,ijc->c", w, values)  # runs on every try: einsum skips the (h, w, c) weighted copy
    std = np.sqrt(np.einsum("ij,ijc->c", w, (values - mean) ** 2))
    return mean, std


def match_white_balance(donor: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Donor (float RGB 0..255) times a per-channel gain in linear light, so its mean face colour is the target's.

    A gain g in linear light is a gain g^(1/gamma) on the encoded values, so only the statistics are linearised
    (on the sampled pixels), not the whole crop."""
    k = _stride(weight.shape)
    d_lin = (np.clip(donor[::k, ::k], 0, 255) / 255.0) ** _GAMMA
    t_lin = _LINEAR[target[::k, ::k]]
    d_mean, _ = _weighted_stats(d_lin, weight[::k, ::k])
    t_mean, _ = _weighted_stats(t_lin, weight[::k, ::k])
    gain = np.clip(t_mean / np.maximum(d_mean, 1e-4), 0.2, 5.0) ** (1.0 / _GAMMA)
    return np.clip(np.clip(donor, 0, 255) * gain.astype(np.float32), 0.0, 255.0).astype(np.float32)


def match_contrast(donor_lab: np.ndarray, target_lab: np.ndarray, weight: np.ndarray) -> np.ndarray:
    d_mean, d_std = _weighted_stats(donor_lab, weight)
    _, t_std = _weighted_stats(target_lab, weight)
    gain = t_std / np.maximum(d_std, 1e-3)
    # Lightness contrast is limited both ways: a flat target must not wash out the donor's features (identity),
    # a harsh one must not turn skin texture into noise. Chroma spread may only shrink.
    gain[0] = np.clip(gain[0], 0.6, 1.6)
    gain[1:] = np.clip(gain[1:], 0.0, 1.0)
    return (donor_lab - d_mean) * gain + d_mean


def _poly_basis(h: int, w: int) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    x = xs / max(w - 1, 1) * 2 - 1
    y = ys / max(h - 1, 1) * 2 - 1
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)


def match_shading(donor_lab: np.ndarray, target_lab: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Add a second-order polynomial field per channel, fitted (weighted least squares) to target − donor."""
    h, w = weight.shape
    basis = _poly_basis(h, w)
    k = _stride(weight.shape)
    sub_w = weight[::k, ::k]
    sel = sub_w > 0.5
    if sel.sum() < 12:
        return donor_lab
    sw = np.sqrt(sub_w[sel])
    diff = (target_lab[::k, ::k] - donor_lab[::k, ::k])[sel]
    coef, *_ = np.linalg.lstsq(basis[::k, ::k][sel] * sw[:, None], diff * sw[:, None], rcond=None)
    return donor_lab + basis @ coef


def match_colour(donor: np.ndarray, target: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Donor crop recoloured to the target crop; float RGB 0..255. `alpha` is the face mask of the crop."""
    weight = skin_weight(donor, target, alpha)
    balanced = match_white_balance(donor.astype(np.float32), target, weight)
    d_lab = cv2.cvtColor(balanced / 255.0, cv2.COLOR_RGB2LAB)
    t_lab = cv2.cvtColor(target.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    out = match_shading(match_contrast(d_lab, t_lab, weight), t_lab, weight)
    rgb = cv2.cvtColor(out, cv2.COLOR_LAB2RGB) * 255.0
    if is_grayscale(target):
        rgb = np.repeat(rgb.mean(axis=2, keepdims=True), 3, axis=2)
    return rgb

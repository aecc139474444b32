"""Sharpness and grain: a 1024-px generated face is cleaner and crisper than almost any real photo of a face.

The donor is blurred (or, for a crisp target, sharpened: resampling in the warp softens it) until its
high-frequency energy inside the face matches the target's, with the target's own noise level added back, so a
modern studio-sharp face does not sit in a soft 1927 scan, nor a soft one in a crisp portrait.
"""

from __future__ import annotations

import cv2
import numpy as np

# Immerkær's noise operator: the difference of two Laplacians, blind to planes and slopes; for white noise of
# sigma s its response has standard deviation 6 s.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
# Negative steps are unsharp-mask amounts (radius 1 px), positive ones Gaussian blur sigmas, in order of falling
# detail, so the search can stop once it has passed the goal.
_STEPS = (-2.0, -1.5, -1.0, -0.6, -0.3, 0.0, 0.35, 0.5, 0.7, 0.9, 1.1, 1.4, 1.7, 2.0, 2.5, 3.0, 3.6, 4.3, 5.0)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def estimate_noise(gray: np.ndarray, weight: np.ndarray) -> float:
    """Noise sigma in uint8 levels from the median absolute response (robust to the face's own edges)."""
    response = np.abs(cv2.filter2D(gray, cv2.CV_32F, _NOISE_KERNEL))
    sel = weight > 0.5
    if sel.sum() < 16:
        return 0.0
    return float(1.4826 * np.median(response[sel]) / 6.0)


def detail_energy(gray: np.ndarray, weight: np.ndarray) -> float:
    lap = cv2.Laplacian(gray, cv2.CV_32F, ksize=1)
    return float((lap**2 * weight).sum() / max(float(weight.sum()), 1e-6))


def _filter(rgb: np.ndarray, step: float) -> np.ndarray:
    if step == 0:
        return rgb
    if step > 0:
        return cv2.GaussianBlur(rgb, (0, 0), sigmaX=step, sigmaY=step)
    soft = cv2.GaussianBlur(rgb, (0, 0), sigmaX=1.0, sigmaY=1.0)
    return rgb + (-step) * (rgb - soft)


def match_texture(donor: np.ndarray, target: np.ndarray, weight: np.ndarray, seed: int) -> np.ndarray:
    """Donor (float RGB 0..255) blurred and grained to the target's detail energy; same shape, float32.

    The grain is identical on the three channels (luminance grain), which also keeps grey photos grey.
    """
    t_gray = luminance(target)
    goal = detail_energy(t_gray, weight)
    sigma_n = estimate_noise(t_gray, weight)
    noise = np.random.default_rng(seed).normal(0.0, sigma_n, donor.shape[:2]).astype(np.float32)[..., None]
    best, best_err = donor, np.inf
    for step in _STEPS:
        candidate = _filter(donor.astype(np.float32), step) + noise
        err = abs(np.log((detail_energy(luminance(candidate), weight) + 1e-3) / (goal + 1e-3)))
        if err < best_err:
            best, best_err = candidate, err
        elif err > best_err:  # energy falls monotonically along the steps: once past the goal, stop
            break
    return best

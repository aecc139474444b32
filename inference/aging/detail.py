"""Fine skin structure (wrinkles, pores, creases) as a local amplitude, the part an average cannot carry.

Averaging many aligned faces keeps what sits in the same place on everyone (a nasolabial shadow) and washes out
what does not (each person's own wrinkles): a mean texture change ages the colouring and the shading but leaves
the skin as smooth as it was. Amplitudes do average: the local strength of the band-pass detail is positive on
everyone, so its mean change with age survives. The engine rescales the person's own detail by that change
(the idea of wavelet-amplitude prototypes in the face-perception literature), so a child's faint creases deepen
where adults have creases, and nothing is pasted from anyone else.
"""

from __future__ import annotations

import cv2
import numpy as np

FINE, COARSE = 1.2, 3.0  # Gaussian sigmas bounding the detail band, pixels of the prototype frame
SPREAD = 5.0  # sigma of the local averaging of the squared detail, prototype pixels
GAIN_LIMITS = (0.6, 2.5)


def band(lightness: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Band-pass detail of an L* image; `scale` converts prototype-frame pixels to this image's pixels."""
    fine = cv2.GaussianBlur(lightness, (0, 0), FINE * scale)
    coarse = cv2.GaussianBlur(lightness, (0, 0), COARSE * scale)
    return fine - coarse


def log_amplitude(lightness: np.ndarray) -> np.ndarray:
    """(T, T) log of the local RMS of the detail band (prototype frame)."""
    energy = cv2.GaussianBlur(band(lightness) ** 2, (0, 0), SPREAD)
    return np.log(np.sqrt(energy) + 0.05).astype(np.float32)


def rescale_detail(lightness: np.ndarray, log_gain: np.ndarray, scale: float) -> np.ndarray:
    """L* with its detail band multiplied by exp(log_gain) (same size as `lightness`, already warped there)."""
    gain = np.clip(np.exp(log_gain), *GAIN_LIMITS)
    return lightness + (gain - 1.0) * band(lightness, scale)

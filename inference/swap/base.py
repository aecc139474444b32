"""The contract every face swapper keeps, so a neural swapper (SimSwap and the like) can replace the classical one.

Landmarks are (68, 2) float arrays in dlib/iBUG order, in the pixel coordinates of the image they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.patch import Patch


@dataclass(frozen=True)
class SwapResult:
    """The target's face region with the donor blended in. Only the region is stored; `image` and `mask` build
    the photo-sized views on demand (tests, previews), so a pipeline trying many donors copies no photos."""

    target: np.ndarray  # the photo swapped into (a reference, not a copy)
    patch: Patch  # where its alpha is 0, its pixels are bit-identical to the target's

    @property
    def box(self) -> tuple[int, int, int, int]:
        """x1, y1, x2, y2 (exclusive): the only region where the mask may be > 0."""
        return self.patch.box

    @property
    def image(self) -> np.ndarray:
        return self.patch.full_image(self.target)

    @property
    def mask(self) -> np.ndarray:
        return self.patch.full_mask(self.target.shape)


class FaceSwapper(Protocol):
    """Puts the donor's face into the target at the target's pose, light and expression."""

    name: str

    def swap(
        self,
        target: np.ndarray,
        target_landmarks68: np.ndarray,
        donor: np.ndarray,
        donor_landmarks68: np.ndarray,
    ) -> SwapResult: ...


def composite(target: np.ndarray, face: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Alpha-blend float `face` over uint8 `target` (same size); pixels with alpha == 0 are copied, not recomputed,
    so the contract 'identical outside the mask' holds exactly rather than up to rounding."""
    a = alpha[..., None]
    blended = target.astype(np.float32) * (1.0 - a) + face.astype(np.float32) * a
    out = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return np.where(a > 0, out, target)

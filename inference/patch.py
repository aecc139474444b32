"""A `Patch`: new pixels for one rectangle of a photo and the alpha that says where they apply.

Swappers and the obscure modes return patches instead of whole images, so trying six donors on a 3000 px group
photo costs six face-sized arrays, not six photo-sized copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Patch:
    pixels: np.ndarray  # (y2 - y1, x2 - x1, 3) uint8
    alpha: np.ndarray  # (y2 - y1, x2 - x1) float32 in 0..1; 0 = the photo's pixel stays
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 (exclusive), inside the photo

    @staticmethod
    def empty() -> Patch:
        return Patch(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.float32), (0, 0, 0, 0))

    def full_image(self, photo: np.ndarray) -> np.ndarray:
        """The photo with the patch's pixels where alpha > 0 (no blending): for tests and previews."""
        out = photo.copy()
        x1, y1, x2, y2 = self.box
        window = out[y1:y2, x1:x2]
        window[self.alpha > 0] = self.pixels[self.alpha > 0]
        return out

    def full_mask(self, shape: tuple[int, ...]) -> np.ndarray:
        """(H, W) float32 alpha over the whole photo."""
        mask = np.zeros(shape[:2], np.float32)
        x1, y1, x2, y2 = self.box
        mask[y1:y2, x1:x2] = self.alpha
        return mask

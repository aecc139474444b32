"""The contract of an aging engine, so a GPU engine (FADING diffusion, later) can replace the portable one.

An engine sees one face already cut out of the photo and aligned (`align.FRAME`: eyes level at fixed places,
the frame's side in pixels chosen by the caller) and returns the same frame with the face aged. Everything
around it (finding the face, aligning, pasting back, colour matching, measuring) is the engine-free pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.types import Gender


@dataclass(frozen=True)
class AlignedFace:
    image: np.ndarray  # (S, S, 3) uint8 RGB, the face in the aligned frame
    landmarks68: np.ndarray  # (68, 2) float64, aligned-frame pixels, dlib/iBUG order
    age: float  # current age as our estimator reads it, years
    p_male: float  # probability the face is male, 0..1 (children are often ambiguous: engines may blend)

    @property
    def size(self) -> int:
        return int(self.image.shape[0])

    @property
    def gender(self) -> Gender:
        return "male" if self.p_male > 0.5 else "female"


@dataclass(frozen=True)
class AgedFace:
    image: np.ndarray  # (S, S, 3) uint8 RGB, same frame as the input
    landmarks68: np.ndarray  # (68, 2) where the features are now (a child's chin moves down as it grows)
    mask: np.ndarray | None = None  # (S, S) float32 0..1: where the engine changed the face; None = face outline


class AgeEditor(Protocol):
    """Aligned face + current age + gender (in `face`) + target age -> the aged face in the same frame."""

    name: str

    def edit(self, face: AlignedFace, target_age: float) -> AgedFace: ...

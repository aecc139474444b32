"""Where replacement faces come from: generated on demand to match the target face.

A `DonorSource` answers "a face of nobody for this face, try number k". Donors are always generated: never a
real person's face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.generate import DonorGenerator, TargetSpec
from inference.types import Face, Gender
from models import ModelStore


@dataclass(frozen=True)
class DonorFace:
    rgb: np.ndarray
    landmarks68: np.ndarray
    age: float  # as our estimator reads the donor
    gender: Gender
    key: str  # where it came from, for the report ("generated:<seed>" …)
    matched: bool  # every attribute within tolerance of the target


class DonorUnavailable(RuntimeError):
    """No donor could be produced for this face (the caller falls back to blur)."""


class DonorSource(Protocol):
    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        """A donor for `face`, reproducible in (seed, attempt); each attempt gives a different donor."""
        ...


class GeneratedDonors:
    """Steers MobileStyleGAN to the target's gender, age, pose, expression and skin, then measures the result.

    The generator loads on first use, so blur/pixelate/solid requests never pay for it.
    """

    def __init__(self, store: ModelStore, generator: DonorGenerator | None = None) -> None:
        self.store = store
        self._generator = generator

    @property
    def generator(self) -> DonorGenerator:
        if self._generator is None:
            self._generator = DonorGenerator(self.store)
        return self._generator

    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        seed = (seed + attempt) % (2**31)
        try:
            made = self.generator.generate(TargetSpec.from_face(face), seed)
        except RuntimeError as exc:  # e.g. no measurable face in the bounded tries
            raise DonorUnavailable(str(exc)) from exc
        return DonorFace(made.rgb, made.landmarks68, made.age, made.gender, f"generated:{seed}", made.accepted)

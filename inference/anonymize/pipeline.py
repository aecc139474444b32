"""Anonymize a photo: every face not kept becomes a verified face of nobody (or blur/pixelate/solid).

Read top to bottom:
1. analyze the photo (faces numbered as `nobody analyze` prints them) and check the keep list;
2. for each face to replace: take a donor matched to it, swap it in, and verify the result — the new face
   is still detected, no longer the same person (dlib distance above 0.6 plus a margin) and of the same
   gender; otherwise try another donor, and after the last try fall back to a strong blur;
3. composite: kept faces and every pixel outside the replaced regions stay bit-identical.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from inference.analyze import FaceAnalyzer
from inference.anonymize.bank import BankDonors
from inference.anonymize.composite import blend, protect_boxes
from inference.anonymize.donors import DonorFace, DonorSource, DonorUnavailable
from inference.anonymize.obscure import obscure
from inference.anonymize.verify import Verdict, Verifier
from inference.swap import ClassicalSwapper, FaceSwapper
from inference.types import Face

Mode = Literal["replace", "blur", "pixelate", "solid"]
log = logging.getLogger(__name__)
MAX_DONORS = 3  # tries per face before the blur fallback: each costs a generation + a swap + a check


class UnknownFace(ValueError):
    """The keep list names a face number the photo does not have."""


@dataclass
class FaceOutcome:
    number: int
    kept: bool
    box: list[float]
    mode: str  # what was done: "kept", "replace", "blur", "pixelate", "solid"
    original_age: float
    original_gender: str
    donor_age: float | None = None
    donor_gender: str | None = None
    donor: str | None = None
    identity_distance: float | None = None
    redetected: bool | None = None
    gender_kept: bool | None = None
    retries: int = 0
    fallback: str | None = None  # why a replace ended as blur


@dataclass
class AnonymizeResult:
    image: np.ndarray
    faces: list[FaceOutcome]
    mask: np.ndarray  # float32 (H, W): where pixels may differ from the input

    def report(self) -> dict[str, Any]:
        return {"faces": [asdict(f) for f in self.faces]}


class Anonymizer:
    def __init__(self, analyzer: FaceAnalyzer, donors: DonorSource, swapper: FaceSwapper) -> None:
        self.analyzer = analyzer
        self.donors = donors
        self.swapper = swapper
        self.verifier = Verifier(analyzer)

    @classmethod
    def from_analyzer(cls, analyzer: FaceAnalyzer) -> Anonymizer:
        return cls(analyzer, BankDonors(analyzer.store), ClassicalSwapper())

    def run(
        self,
        rgb: np.ndarray,
        keep: set[int] | frozenset[int] = frozenset(),
        mode: Mode = "replace",
        seed: int = 0,
        verify: bool = True,
        faces: list[Face] | None = None,
    ) -> AnonymizeResult:
        rgb = np.ascontiguousarray(rgb)
        faces = self.analyzer.analyze(rgb, embeddings=verify and mode == "replace") if faces is None else faces
        unknown = sorted(set(keep) - {f.number for f in faces})
        if unknown:
            raise UnknownFace(f"no face number {', '.join(map(str, unknown))}: this photo has {len(faces)} face(s)")
        protect = protect_boxes(rgb.shape, [f.box for f in faces if f.number in keep])
        image, mask = rgb.copy(), np.zeros(rgb.shape[:2], np.float32)
        outcomes = []
        for face in faces:
            outcome = _outcome(face, kept=face.number in keep)
            if not outcome.kept:
                if mode == "replace":
                    image, face_mask = self._replace(image, face, outcome, seed, verify, protect)
                else:
                    image, face_mask = _obscure(image, face, mode, protect)
                    outcome.mode = mode
                mask = np.maximum(mask, face_mask)
            outcomes.append(outcome)
        return AnonymizeResult(image, outcomes, np.where(protect, 0.0, mask).astype(np.float32))

    def _replace(
        self, image: np.ndarray, face: Face, outcome: FaceOutcome, seed: int, verify: bool, protect: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        verdict: Verdict | None = None
        for attempt in range(MAX_DONORS if verify else 1):
            try:
                donor = self.donors.donor(face, _donor_seed(seed, face.number, attempt))
            except DonorUnavailable as exc:  # never leave the face as it was: blur it below
                log.warning("face %d: no donor (%s)", face.number, exc)
                continue
            swapped = self.swapper.swap(image, face.landmarks68, donor.rgb, donor.landmarks68)
            candidate = blend(image, swapped.image, swapped.mask, protect)
            _record_donor(outcome, donor, attempt)
            if not verify:
                return candidate, swapped.mask
            verdict = self.verifier.check(candidate, face)
            outcome.identity_distance, outcome.redetected = verdict.distance, verdict.redetected
            outcome.gender_kept = verdict.gender_kept
            if verdict.ok:
                return candidate, swapped.mask
        outcome.mode, outcome.fallback = "blur", verdict.reason if verdict else "no donor could be generated"
        return _obscure(image, face, "blur", protect)


def _outcome(face: Face, kept: bool) -> FaceOutcome:
    return FaceOutcome(
        number=face.number,
        kept=kept,
        box=[round(float(v), 1) for v in face.box],
        mode="kept" if kept else "replace",
        original_age=round(face.age, 1),
        original_gender=face.gender,
    )


def _record_donor(outcome: FaceOutcome, donor: DonorFace, attempt: int) -> None:
    outcome.donor, outcome.donor_age, outcome.donor_gender = donor.key, round(donor.age, 1), donor.gender
    outcome.retries = attempt


def _obscure(image: np.ndarray, face: Face, mode: str, protect: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pixels, mask = obscure(image, face.box, mode)  # type: ignore[arg-type]
    return blend(image, pixels, mask, protect), np.where(protect, 0.0, mask).astype(np.float32)


def _donor_seed(seed: int, number: int, attempt: int) -> int:
    """Distinct, reproducible donor per (request seed, face, attempt)."""
    return (seed * 1_000_003 + number * 101 + attempt) % (2**31)

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
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from inference.analyze import FaceAnalyzer
from inference.anonymize.bank import BankDonors
from inference.anonymize.composite import accumulate, apply, apply_in_place, protect_boxes
from inference.anonymize.donors import DonorFace, DonorSource, DonorUnavailable
from inference.anonymize.obscure import obscure
from inference.anonymize.verify import AGE_TOLERANCE, MARGIN, Verdict, Verifier, window
from inference.patch import Patch
from inference.swap import ClassicalSwapper, FaceSwapper
from inference.types import Face

Mode = Literal["replace", "blur", "pixelate", "solid"]
log = logging.getLogger(__name__)
# Tries per face before the blur fallback; a bank try is a swap + a check (~25 ms), a generated one ~1 s. Old men
# of the grey Solvay photo sit close together in dlib's space: for two of them only 34-41 % of the male bank donors
# over 40 end past 0.6 (7-14 % past the margin). With 6 tries a bank built on another machine blurred those two;
# with 12 none. Most faces stop at the first or second try, so this bounds only the hard ones.
MAX_DONORS = 12
AGE_TRIES = 3  # tries that must also read within AGE_TOLERANCE of the original's age; bounds what age costs


MAX_LOOKUPS = 4 * MAX_DONORS  # donor lookups per face, counting those skipped as already used in the photo


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
    age_error: float | None = None  # the result's estimated age minus the original's
    redetected: bool | None = None
    gender_kept: bool | None = None
    retries: int = 0
    fallback: str | None = None  # why a replace ended as blur
    note: str | None = None  # e.g. a donor accepted without the verification margin


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
        used: set[str] = set()  # donors already given to a face of this photo
        outcomes = []
        for face in faces:
            outcome = _outcome(face, kept=face.number in keep)
            if not outcome.kept:
                if mode == "replace":
                    image, patch = self._replace(image, face, outcome, seed, verify, protect, used)
                else:
                    image, patch = _obscure(image, face, mode, protect)
                    outcome.mode = mode
                accumulate(mask, patch, protect)
            outcomes.append(outcome)
        return AnonymizeResult(image, outcomes, mask)

    def _replace(
        self,
        image: np.ndarray,
        face: Face,
        outcome: FaceOutcome,
        seed: int,
        verify: bool,
        protect: np.ndarray,
        used: set[str],
    ) -> tuple[np.ndarray, Patch]:
        tries: list[_Try] = []
        for attempt in range(MAX_LOOKUPS):
            if len(tries) == (MAX_DONORS if verify else 1):
                break
            try:
                donor = self.donors.donor(face, _donor_seed(seed, face.number), attempt)
            except DonorUnavailable as exc:  # never leave the face as it was: blur it below
                log.warning("face %d: no donor (%s)", face.number, exc)
                tries.append(_Try(None, Patch.empty()))
                continue
            if donor.key in used:  # one new face per person: a group must not turn into twins
                continue
            swapped = self.swapper.swap(image, face.landmarks68, donor.rgb, donor.landmarks68)
            # The patch's pixels already hold the swapper's own alpha blend; blending them in with that alpha
            # again softens the edge to alpha squared. Every measured and viewed result was made this way.
            candidate = _Try(donor, swapped.patch)
            if verify:
                candidate.verdict = self._check(image, face, candidate.patch, protect)
            tries.append(candidate)
            if not verify or _accepted(candidate.verdict, len(tries)):
                return _use(outcome, candidate, len(tries) - 1, used, image, protect)
        fallback = max((t for t in tries if t.verdict and t.verdict.acceptable), key=_rank, default=None)
        if fallback is not None:  # no try passed every check; the best one is still not the same person
            outcome.note = _fallback_note(fallback.verdict, len(tries))  # type: ignore[arg-type]
            return _use(outcome, fallback, len(tries) - 1, used, image, protect)
        if tries:
            _record(outcome, tries[-1], len(tries) - 1)
        outcome.mode = "blur"
        outcome.fallback = tries[-1].verdict.reason if tries and tries[-1].verdict else "no donor could be generated"
        return _obscure(image, face, "blur", protect)

    def _check(self, image: np.ndarray, face: Face, patch: Patch, protect: np.ndarray) -> Verdict:
        """Verify a try on a copy of the face's surroundings only (a group photo is large, tries are many)."""
        x1, y1, x2, y2 = window(image.shape, face.box)
        if patch.box[2] > patch.box[0]:
            px1, py1, px2, py2 = patch.box
            x1, y1, x2, y2 = min(x1, px1), min(y1, py1), max(x2, px2), max(y2, py2)
        local = apply(image, patch, protect, region=(x1, y1, x2, y2))
        return self.verifier.check(local, replace(face, box=face.box - np.array([x1, y1, x1, y1], np.float32)))


@dataclass
class _Try:
    donor: DonorFace | None  # None: the donor source had nothing to give
    patch: Patch
    verdict: Verdict | None = None


def _accepted(verdict: Verdict, tries: int) -> bool:
    """Every check passes; after AGE_TRIES tries, age no longer holds a new face of the right gender back."""
    return verdict.ok or (tries > AGE_TRIES and verdict.ok_but_age)


def _rank(t: _Try) -> tuple[bool, float]:
    """Fallback order: a try that cleared the margin (only its age was off) first, then the farthest."""
    assert t.verdict is not None and t.verdict.distance is not None
    return t.verdict.ok_but_age, t.verdict.distance


def _fallback_note(verdict: Verdict, tries: int) -> str:
    if verdict.ok_but_age:
        return f"none of {tries} donors read within {AGE_TOLERANCE:.0f} years of the original; the farthest kept"
    return f"farthest of {tries} donors accepted without the {MARGIN:.2f} margin"


def _use(
    outcome: FaceOutcome, t: _Try, retries: int, used: set[str], image: np.ndarray, protect: np.ndarray
) -> tuple[np.ndarray, Patch]:
    """Record the chosen try and blend it into the request's working image (`run` owns that copy)."""
    _record(outcome, t, retries)
    if t.donor is not None:
        used.add(t.donor.key)
    apply_in_place(image, t.patch, protect)
    return image, t.patch


def _record(outcome: FaceOutcome, t: _Try, retries: int) -> None:
    if t.donor is not None:
        outcome.donor, outcome.donor_age, outcome.donor_gender = t.donor.key, round(t.donor.age, 1), t.donor.gender
    outcome.retries = retries
    if t.verdict is not None:
        outcome.identity_distance, outcome.redetected = t.verdict.distance, t.verdict.redetected
        outcome.age_error = None if t.verdict.age_error is None else round(t.verdict.age_error, 1)
        outcome.gender_kept = t.verdict.gender_kept


def _outcome(face: Face, kept: bool) -> FaceOutcome:
    return FaceOutcome(
        number=face.number,
        kept=kept,
        box=[round(float(v), 1) for v in face.box],
        mode="kept" if kept else "replace",
        original_age=round(face.age, 1),
        original_gender=face.gender,
    )


def _obscure(image: np.ndarray, face: Face, mode: str, protect: np.ndarray) -> tuple[np.ndarray, Patch]:
    patch = obscure(image, face.box, mode)  # type: ignore[arg-type]
    apply_in_place(image, patch, protect)
    return image, patch


def _donor_seed(seed: int, number: int) -> int:
    """Distinct, reproducible donors per (request seed, face); the donor source varies them per attempt."""
    return (seed * 1_000_003 + number * 101) % (2**31)

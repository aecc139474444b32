"""A pre-generated, labelled bank of donor faces: the fast path for small and medium faces.

Generating a matched donor costs about a second on 2 cores; a photo with 29 faces cannot wait for that. The
bank holds a grid of generated faces (gender × age × head turn, a few seeds each), measured with the same
estimators as the targets and stored at 512 px in the model cache. A request picks, per face, among the few
closest entries (deterministic in the seed). Faces too large for a 512 px donor, or photos asked of an empty
bank, use on-demand generation instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from inference.anonymize.donors import DonorFace, GeneratedDonors
from inference.generate import DonorGenerator, TargetSpec
from inference.generate.target import GLASSES_CLEAR, tolerance
from inference.image_io import load_image
from inference.image_out import encode_image
from inference.types import Face
from models import ModelStore

FRAME = 512  # stored size of the 1024 px generator output
MAX_FACE = 220  # target faces wider than this (px) get an on-demand 1024 px donor: a 512 frame would blur
AGES = (5, 9, 13, 17, 22, 28, 35, 42, 50, 58, 66, 74)
YAWS = (-25.0, 0.0, 25.0)
# Age counts double in the ranking: the swap keeps the target's jaw, hair and skin, so the result reads between the
# two ages, and a donor far in age shows up more than one a few degrees off in pose.
AGE_WEIGHT = 2.0
TOP = 4  # a request chooses among this many closest entries, so repeated requests vary


@dataclass(frozen=True)
class BankEntry:
    file: str
    gender: str
    age: float
    yaw: float
    pitch: float
    smile: float
    mouth_open: float
    ita: float
    glasses: float
    landmarks68: list[list[float]]


def bank_dir(store: ModelStore) -> Path:
    return store.cache_dir / "derived" / "donor-bank"


def build_bank(
    store: ModelStore,
    per_cell: int = 2,
    seed: int = 0,
    generator: DonorGenerator | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Generate the grid into the cache (replacing any earlier bank) and return its directory."""
    generator = generator or DonorGenerator(store)
    out = bank_dir(store)
    out.mkdir(parents=True, exist_ok=True)
    specs = [
        TargetSpec(gender=g, age=float(a), yaw=y)  # type: ignore[arg-type]
        for g in ("female", "male")
        for a in AGES
        for y in YAWS
        for _ in range(per_cell)
    ]
    entries = []
    for k, spec in enumerate(specs):
        donor = generator.generate(spec, seed * 100_003 + k)
        m = donor.measured
        if m.gender != spec.gender or m.glasses >= GLASSES_CLEAR:
            continue  # a bank entry must be what its label says; near misses are fine for age and pose
        name = f"{k:04d}.jpg"
        small = cv2.resize(donor.rgb, (FRAME, FRAME), interpolation=cv2.INTER_AREA)
        (out / name).write_bytes(encode_image(small, "JPEG", quality=95))
        scale = FRAME / donor.rgb.shape[1]
        entries.append(
            BankEntry(
                name,
                m.gender,
                m.age,
                m.pose.yaw,
                m.pose.pitch,
                m.smile,
                m.mouth_open,
                m.skin.ita,
                m.glasses,
                (m.landmarks68 * scale).round(2).tolist(),
            )
        )
        if progress:
            progress(k + 1, len(specs))
    (out / "index.json").write_text(json.dumps([asdict(e) for e in entries]))
    return out


class BankDonors:
    """Donors from the bank, falling back to on-demand generation for large faces or an empty bank."""

    def __init__(self, store: ModelStore, fallback: GeneratedDonors | None = None) -> None:
        self.dir = bank_dir(store)
        self.fallback = fallback or GeneratedDonors(store)
        index = self.dir / "index.json"
        self.entries = [BankEntry(**e) for e in json.loads(index.read_text())] if index.is_file() else []
        self._images: dict[str, np.ndarray] = {}

    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        width = float(face.box[2] - face.box[0])
        ranked = self._ranked(face)
        if width > MAX_FACE or not ranked:
            return self.fallback.donor(face, seed, attempt)
        # The first attempts visit the TOP closest entries in a seed-dependent order (repeated requests vary);
        # later attempts go on down the ranking, so no attempt repeats an earlier donor.
        order = np.random.default_rng(seed).permutation(min(TOP, len(ranked)))
        entry = ranked[int(order[attempt]) if attempt < len(order) else min(attempt, len(ranked) - 1)]
        spec = TargetSpec.from_face(face)
        close = abs(entry.age - face.age) <= tolerance("age", face.age)
        matched = close and (spec.yaw is None or abs(abs(entry.yaw) - abs(spec.yaw)) <= 2 * tolerance("yaw", 0))
        landmarks = np.asarray(entry.landmarks68, np.float32)
        return DonorFace(self._image(entry.file), landmarks, entry.age, face.gender, f"bank:{entry.file}", matched)

    def _ranked(self, face: Face) -> list[BankEntry]:
        """Same gender, no glasses, then by a tolerance-scaled distance over age, |yaw|, pitch, expression, skin.
        |yaw| only: the swapper mirrors a donor that turns the other way."""
        spec = TargetSpec.from_face(face)
        pool = [e for e in self.entries if e.gender == face.gender and e.glasses < GLASSES_CLEAR]

        def cost(e: BankEntry) -> float:
            terms = [
                AGE_WEIGHT * (e.age - face.age) / tolerance("age", face.age),
                (abs(e.yaw) - abs(face.pose.yaw)) / tolerance("yaw", 0),
                (e.pitch - face.pose.pitch) / tolerance("pitch", 0),
            ]
            if spec.smile is not None:
                terms.append((e.smile - spec.smile) / tolerance("smile", 0))
            if spec.mouth_open is not None:
                terms.append((e.mouth_open - spec.mouth_open) / tolerance("mouth_open", 0))
            if spec.ita is not None:
                terms.append((e.ita - spec.ita) / tolerance("ita", 0))
            return float(np.sum(np.square(terms)))

        return sorted(pool, key=lambda e: (cost(e), e.file))

    def _image(self, name: str) -> np.ndarray:
        if name not in self._images:
            self._images[name] = load_image(self.dir / name, max_pixels=FRAME * FRAME, max_bytes=1 << 24).rgb
        return self._images[name]

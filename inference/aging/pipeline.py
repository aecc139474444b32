"""`Ager.run(photo, targets)`: pick a face, align it, age it once per target, paste it back, measure the results.

The engine is anything that keeps the `AgeEditor` contract; the measuring (estimated age of each result and its
identity distance to the input) uses the same analyzer as the rest of the product, so a report's numbers mean
what they mean everywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.aging.align import align_face
from inference.aging.base import AgedFace, AgeEditor, AlignedFace
from inference.aging.paste import paste
from inference.aging.remeasure import Measurer
from inference.aging.strip import Tile, render_strip
from inference.analyze import FaceAnalyzer
from inference.types import Face


class NoFace(ValueError):
    """The photo has no face, or not the one asked for."""


@dataclass
class AgedPhoto:
    target: float
    image: np.ndarray  # the whole photo with the face aged
    mask: np.ndarray  # (H, W) float32 alpha used: 0 = pixel untouched
    estimated_age: float | None = None
    identity_distance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "estimated_age": None if self.estimated_age is None else round(self.estimated_age, 1),
            "identity_distance": None if self.identity_distance is None else round(self.identity_distance, 3),
        }


@dataclass
class AgingResult:
    face: Face
    engine: str
    results: list[AgedPhoto]
    strip: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "face": self.face.to_dict(),
            "targets": [r.to_dict() for r in self.results],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def pick_face(faces: Sequence[Face], number: int | None) -> Face:
    """Face `number` (1-based, reading order) or, by default, the largest."""
    if not faces:
        raise NoFace("no face found in the photo")
    if number is None:
        return max(faces, key=lambda f: float((f.box[2] - f.box[0]) * (f.box[3] - f.box[1])))
    for face in faces:
        if face.number == number:
            return face
    raise NoFace(f"there is no face {number}; the photo has faces 1..{len(faces)}")


def p_male(face: Face) -> float:
    return face.gender_confidence if face.gender == "male" else 1.0 - face.gender_confidence


class Ager:
    def __init__(self, analyzer: FaceAnalyzer, editor: AgeEditor) -> None:
        self.analyzer = analyzer
        self.editor = editor
        self.measurer = Measurer(analyzer)

    def run(
        self, rgb: np.ndarray, targets: Sequence[float], number: int | None = None, *, measure: bool = True
    ) -> AgingResult:
        clock = time.perf_counter()
        face = pick_face(self.analyzer.analyze(rgb), number)
        seconds = {"analyze": time.perf_counter() - clock}
        clock = time.perf_counter()
        crop, marks, align = align_face(rgb, face.landmarks68)
        aligned = AlignedFace(crop, marks, face.age, p_male(face))
        results = []
        for target in targets:
            aged = self.editor.edit(aligned, float(target))
            results.append(AgedPhoto(float(target), *paste(rgb, align, aged, marks)))
        seconds["edit"] = time.perf_counter() - clock
        clock = time.perf_counter()
        if measure:
            self.measurer.measure(rgb, face, results)
        seconds["measure"] = time.perf_counter() - clock
        strip = render_strip(_tiles(rgb, face, results), face.box)
        return AgingResult(face, self.editor.name, results, strip, seconds)

    def edit_face(self, rgb: np.ndarray, face: Face, target: float) -> tuple[AgedFace, np.ndarray]:
        """The engine's aligned output for one target, and the aligned input's landmarks (for inspection)."""
        crop, marks, _ = align_face(rgb, face.landmarks68)
        return self.editor.edit(AlignedFace(crop, marks, face.age, p_male(face)), target), marks


def _tiles(rgb: np.ndarray, face: Face, results: Sequence[AgedPhoto]) -> list[Tile]:
    tiles = [Tile(rgb, "original", f"reads {face.age:.0f}")]
    for r in results:
        parts = [] if r.estimated_age is None else [f"reads {r.estimated_age:.0f}"]
        if r.identity_distance is not None:
            parts.append(f"id {r.identity_distance:.2f}")
        tiles.append(Tile(r.image, f"age {r.target:.0f}", " · ".join(parts)))
    return tiles

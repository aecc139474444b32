"""`nobody eval anonymize DIR`: replace every face of every photo and measure the result independently.

The pipeline verifies itself; this module does not trust that. It re-runs detection, identity, gender and age
on the final image, counts pixels changed outside the masks, and checks that a kept face stays bit-identical.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from inference.analyze import FaceAnalyzer
from inference.anonymize.composite import protect_boxes
from inference.anonymize.pipeline import Anonymizer
from inference.attributes import identity_distance
from inference.attributes.embedding import SAME_PERSON_BELOW
from inference.image_io import ImageError, load_image
from inference.types import Face

CROP = 128  # contact sheet tile size


@dataclass
class FaceScore:
    photo: str
    number: int
    mode: str
    distance: float | None  # None: the result is not detected as a face at all
    redetected: bool
    gender_kept: bool | None
    age_delta: float | None


@dataclass
class EvalResult:
    faces: list[FaceScore] = field(default_factory=list)
    outside_mask_changed: int = 0
    kept_identical: bool = True
    seconds: list[float] = field(default_factory=list)
    tiles: list[np.ndarray] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        n = max(1, len(self.faces))
        replaced = [f for f in self.faces if f.mode == "replace"]
        return {
            "faces": len(self.faces),
            "replaced_share": len(replaced) / n,
            "farther_than_0.6": sum(f.distance is None or f.distance > SAME_PERSON_BELOW for f in self.faces) / n,
            "redetected": sum(f.redetected for f in self.faces) / n,
            "gender_kept": sum(bool(f.gender_kept) for f in self.faces) / n,
            "age_within_10": sum(f.age_delta is not None and abs(f.age_delta) <= 10 for f in self.faces) / n,
            "outside_mask_changed_px": self.outside_mask_changed,
            "kept_face_bit_identical": float(self.kept_identical),
        }


def evaluate(anonymizer: Anonymizer, photos: list[Path], seed: int = 0) -> EvalResult:
    result = EvalResult()
    analyzer = anonymizer.analyzer
    for path in photos:
        try:
            rgb = load_image(path, max_pixels=100_000_000, max_bytes=1 << 28).rgb
        except ImageError:
            continue
        faces = analyzer.analyze(rgb, embeddings=True)
        started = time.perf_counter()
        out = anonymizer.run(rgb, seed=seed, faces=faces)
        result.seconds.append(time.perf_counter() - started)
        result.outside_mask_changed += int((np.any(out.image != rgb, axis=2) & (out.mask == 0)).sum())
        for face, outcome in zip(faces, out.faces, strict=True):
            result.faces.append(_score(analyzer, anonymizer, path.name, face, out.image, outcome.mode))
            result.tiles.append(_tile(rgb, out.image, face, outcome.mode))
        if faces:
            result.kept_identical &= _kept_identical(anonymizer, rgb, faces, seed)
    return result


def _score(
    analyzer: FaceAnalyzer, anonymizer: Anonymizer, photo: str, face: Face, image: np.ndarray, mode: str
) -> FaceScore:
    found = anonymizer.verifier.redetect(image, face.box)
    if found is None:
        return FaceScore(photo, face.number, mode, None, False, None, None)
    assert face.embedding is not None
    distance = identity_distance(analyzer.embedding.embed(image, found), face.embedding)
    estimate = analyzer.age_gender.predict(image, found)
    return FaceScore(photo, face.number, mode, distance, True, estimate.gender == face.gender, estimate.age - face.age)


def _kept_identical(anonymizer: Anonymizer, rgb: np.ndarray, faces: list[Face], seed: int) -> bool:
    """Keep face 1, replace the rest: face 1's box must come back bit for bit."""
    out = anonymizer.run(rgb, keep={1}, seed=seed, faces=faces, verify=False)
    inside = protect_boxes(rgb.shape, [faces[0].box])
    return bool(np.array_equal(out.image[inside], rgb[inside]))


def _tile(before: np.ndarray, after: np.ndarray, face: Face, mode: str) -> np.ndarray:
    x1, y1, x2, y2 = face.box
    side = 1.5 * max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    h, w = before.shape[:2]
    box = [
        int(max(0, cx - side / 2)),
        int(max(0, cy - side / 2)),
        int(min(w, cx + side / 2)),
        int(min(h, cy + side / 2)),
    ]
    pair = [
        cv2.resize(img[box[1] : box[3], box[0] : box[2]], (CROP, CROP), interpolation=cv2.INTER_AREA)
        for img in (before, after)
    ]
    tile = np.concatenate(pair, axis=1)
    if mode != "replace":  # mark fallbacks in red so they stand out on the sheet
        cv2.rectangle(tile, (CROP, 0), (2 * CROP - 1, CROP - 1), (255, 0, 0), 3)
    return tile


def contact_sheet(tiles: list[np.ndarray], columns: int = 6) -> np.ndarray:
    """Before|after pairs in a grid, row-major; empty cells stay white."""
    if not tiles:
        return np.full((CROP, 2 * CROP, 3), 255, np.uint8)
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * (CROP + 4), columns * (2 * CROP + 4), 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        sheet[r * (CROP + 4) : r * (CROP + 4) + CROP, c * (2 * CROP + 4) : c * (2 * CROP + 4) + 2 * CROP] = tile
    return sheet

"""Build the age prototypes from generator walks (`nobody age-prototypes`; a few minutes on 2 cores).

Half the people are steered male, half female. Each is walked across childhood to old age (`walk`), every point
is cut into a small aligned frame (`align`, side `TEXTURE_SIZE`), and the per-person changes are chained into
cumulative curves over `ANCHORS` (`longitudinal`): landmark positions directly, skin as CIELAB on a shape-free
face (every point warped onto the mean landmark layout, so only texture is compared, not where features sit).
Last, the engine's targets are calibrated to our estimator's ruler on separate generated faces (`calibrate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from inference.aging import calibrate as cal
from inference.aging.align import align_face
from inference.aging.detail import log_amplitude
from inference.aging.engine import PrototypeAgeEditor
from inference.aging.evaluate import ADULT_BAND, CHILD_BAND, generated_subjects
from inference.aging.longitudinal import ChainedMean, anchor_weights, at_anchors, monotone
from inference.aging.morph import morph
from inference.aging.pipeline import Ager
from inference.aging.prototypes import (
    FORMAT,
    AgePrototypes,
    default_path,
    load_prototypes,
    save_prototypes,
    source_key,
)
from inference.aging.walk import WALK_STEPS, pick_start, walk
from inference.analyze import FaceAnalyzer
from inference.generate.directions import Directions, check_source, load_directions
from inference.generate.directions import default_path as directions_path
from inference.generate.donor import DonorGenerator
from inference.generate.measure import FaceMeter
from inference.generate.stylegan import StyleGAN
from inference.swap.mask import feathered_mask
from models import ModelStore

ANCHORS = (2, 4, 6, 8, 10, 12, 14, 17, 20, 24, 28, 33, 38, 44, 50, 57, 65, 73)
TEXTURE_SIZE = 160
DEFAULT_PEOPLE = 24
DEFAULT_SEED = 1000  # far from the seeds the evaluation draws its faces from
MIN_SPAN = 10.0  # years a walk must cover to teach anything
# Texture mask: the face from the jaw to above the brows, as the paste mask will be.
MASK_FOREHEAD, MASK_INSET, MASK_FEATHER = 0.7, 0.02, 0.04

Progress = Callable[[int, int], None]


@dataclass
class Person:
    male: bool
    ages: np.ndarray  # (N,) measured, in walk order
    landmarks: np.ndarray  # (N, 68, 2) aligned frame, frame-side units
    crops: np.ndarray  # (N, T, T, 3) uint8 aligned frames


def collect(
    gan: StyleGAN,
    meter: FaceMeter,
    directions: Directions,
    n_people: int,
    seed: int,
    progress: Progress | None,
    walk_steps: tuple[float, ...] = WALK_STEPS,
) -> list[Person]:
    people = []
    for i in range(n_people):
        male = i % 2 == 1
        rng = np.random.default_rng(seed + i)  # one seed per person: person i is the same in any size of build
        points = walk(gan, meter, directions, pick_start(gan, directions, rng, male), walk_steps)
        crops, marks = [], []
        for p in points:
            crop, lm, _ = align_face(p.rgb, p.landmarks68, TEXTURE_SIZE)
            crops.append(crop)
            marks.append(lm / TEXTURE_SIZE)
        if points:
            people.append(Person(male, np.array([p.age for p in points]), np.array(marks), np.array(crops)))
        if progress:
            progress(i + 1, n_people)
    return people


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def aggregate(people: list[Person], anchors: np.ndarray) -> dict[str, np.ndarray]:
    """Shape, texture and detail curves, the mean shape and the coverage, from the collected walks."""
    t = TEXTURE_SIZE
    mean_shape = np.concatenate([p.landmarks for p in people]).mean(axis=0)
    shape = [ChainedMean(len(anchors), (68, 2)) for _ in range(2)]
    texture = [ChainedMean(len(anchors), (t, t, 3)) for _ in range(2)]
    detail = [ChainedMean(len(anchors), (t, t)) for _ in range(2)]
    for person in people:
        ages = monotone(person.ages)
        if ages[-1] - ages[0] < MIN_SPAN:
            continue
        weights = anchor_weights(ages, anchors)
        g = int(person.male)
        shape[g].add(at_anchors(person.landmarks, weights))
        free = np.stack(
            [_lab(morph(c, lm * t, mean_shape * t)) for c, lm in zip(person.crops, person.landmarks, strict=True)]
        )
        texture[g].add(at_anchors(free, weights))
        detail[g].add(at_anchors(np.stack([log_amplitude(f[..., 0]) for f in free]), weights))
    mask = feathered_mask(mean_shape * t, (t, t), MASK_FOREHEAD, MASK_INSET, MASK_FEATHER)
    return {
        "shape": np.stack([s.cumulative() for s in shape]),
        "texture": np.stack([x.cumulative() * mask[..., None] for x in texture]),
        "detail": np.stack([d.cumulative() * mask for d in detail]),
        "mean_shape": mean_shape,
        "coverage": np.stack([s.counts for s in shape]),
    }


def build_age_prototypes(
    store: ModelStore,
    n_people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    out_path: Path | None = None,
    directions: Directions | Path | None = None,
    progress: Progress | None = None,
    gan: StyleGAN | None = None,
    meter: FaceMeter | None = None,
    walk_steps: tuple[float, ...] = WALK_STEPS,
    calibrate: bool = True,
) -> AgePrototypes:
    """Walk `n_people` generated people through `walk_steps`, aggregate, calibrate (unless told not to), write
    the .npz (default: the cache)."""
    started = time.monotonic()
    directions = _directions(store, directions)
    gan = gan or StyleGAN(store)
    meter = meter or FaceMeter(store)
    people = collect(gan, meter, directions, n_people, seed, progress, walk_steps)
    anchors = np.array(ANCHORS, np.float64)
    curves = aggregate(people, anchors)
    meta = {
        "format": FORMAT,
        "source": source_key(),
        "directions_seed": directions.meta.get("seed"),
        "directions_samples": directions.meta.get("n_samples"),
        "seed": seed,
        "people": n_people,
        "walks_used": int(sum(1 for p in people if monotone(p.ages)[-1] - monotone(p.ages)[0] >= MIN_SPAN)),
        "walk_steps": list(walk_steps),
        "measured_age_range": [float(min(p.ages.min() for p in people)), float(max(p.ages.max() for p in people))],
    }
    protos = AgePrototypes(anchors=anchors, meta=meta, **curves)
    if calibrate:
        protos = calibrated(store, protos, DonorGenerator(store, directions, gan=gan, meter=meter))
    protos.meta["seconds"] = round(time.monotonic() - started, 1)
    save_prototypes(protos, out_path or default_path(store))
    return protos


def recalibrate(
    store: ModelStore, path: Path | None = None, directions: Directions | Path | None = None
) -> AgePrototypes:
    """Calibrate a built file (again) in place: the second half of a build made with `calibrate=False`, or after
    the age estimator changed (the walks stay valid, only the reading of the results moved)."""
    started = time.monotonic()
    path = path or default_path(store)
    protos = calibrated(store, load_prototypes(path), DonorGenerator(store, _directions(store, directions)))
    protos.meta["calibration_seconds"] = round(time.monotonic() - started, 1)
    save_prototypes(protos, path)
    return protos


def _directions(store: ModelStore, directions: Directions | Path | None) -> Directions:
    if isinstance(directions, Directions):
        return directions
    path = Path(directions or directions_path(store))
    if not path.is_file():
        raise FileNotFoundError(f"no latent directions at {path}: run `nobody models fit-directions` first")
    loaded = load_directions(path)
    check_source(loaded)
    return loaded


def calibrated(store: ModelStore, protos: AgePrototypes, donors: DonorGenerator) -> AgePrototypes:
    """`protos` with the engine's target calibration measured on the calibration subjects (`calibrate`)."""
    analyzer = FaceAnalyzer(store)
    ager = Ager(analyzer, PrototypeAgeEditor(protos, calibrated=False))
    subjects = generated_subjects(donors, analyzer, cal.CHILDREN, cal.SEED, CHILD_BAND)
    subjects += generated_subjects(donors, analyzer, cal.ADULTS, cal.SEED + 50, ADULT_BAND)
    medians = cal.response(ager, [rgb for _, rgb in subjects])
    meta = dict(
        protos.meta, calibration={"subjects": len(subjects), "grid": list(cal.GRID), "reads": _rounded(medians)}
    )
    return replace(protos, calibration=cal.inverse(cal.GRID, medians), meta=meta)


def _rounded(values: np.ndarray) -> list[list[float | None]]:
    return [[None if np.isnan(v) else round(float(v), 1) for v in row] for row in values]

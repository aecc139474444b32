"""Longitudinal pairs from the generator: one sampled person, walked along the age direction in w.

The fitted age direction alone drags gender, smile, pose and glasses along (in FFHQ older faces are more often
male, smile less and wear glasses). The walk uses `inference.generate.steer` to find the w step that raises the
predicted age by one year while every other fitted attribute reads the same, so two points of one walk differ
(as far as the linear models see) by age only: the same identity at two ages. Each point is synthesized at full
resolution and measured with the product's own estimators; the measured age, not the predicted one, is what the
prototypes are indexed by.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from inference.generate.directions import Directions
from inference.generate.measure import FaceMeter
from inference.generate.steer import steer
from inference.generate.stylegan import StyleGAN
from inference.generate.target import GENDER_LOGIT, GLASSES_CLEAR, tolerance

START_PSI = 0.7  # truncated starts: fewer broken faces at the far ends of a walk
POOL = 64  # candidate starts per person; about one in eight generated faces is a child
START_AGE = 6.0  # predicted age wanted at the start: toddlers grow into odd big-cheeked "adults" on a walk
MAX_START_YAW = 8.0  # degrees: frontal people give clean shape changes
# Walks start from children: a linear move from an adult's w towards "younger" stalls at a young adult (the
# generator keeps children in their own region of w), while a child walked forward grows up into an old person.
# Steps are predicted years from the start; the measured ages differ, and a gap of more than REFINE_GAP measured
# years between neighbours (the generator tends to jump from child to young adult) gets a point in between.
# The far end (+68, +80) is where the measured ages pass 55-70: without it old targets had no prototypes.
WALK_STEPS = (-4.0, 0.0, 4.0, 8.0, 13.0, 19.0, 26.0, 34.0, 44.0, 56.0, 68.0, 80.0)
REFINE_GAP = 7.0
MAX_REFINE = 3


@dataclass(frozen=True)
class WalkPoint:
    step: float  # predicted years from the start
    rgb: np.ndarray  # (1024, 1024, 3) uint8
    landmarks68: np.ndarray  # (68, 2) pixels of rgb
    age: float  # measured
    p_male: float  # measured


def _scales(values: dict[str, float]) -> dict[str, float]:
    return {n: tolerance(n, v) for n, v in values.items()}


def age_axis(directions: Directions) -> np.ndarray:
    """(512,) w step that raises the predicted age by one year and holds every other fitted attribute."""
    base = directions.w_avg
    now = directions.predict(base)
    wanted = {n: float(now[k]) for k, n in enumerate(directions.names)}
    wanted["age"] += 10.0  # ten years, then scaled down: keeps the tolerance weights those of a real move
    step = steer(base, directions, wanted, current=now, scale=_scales(wanted)) - base
    return (step / float(directions.coef[directions.index("age")] @ step)).astype(np.float32)


def pick_start(gan: StyleGAN, directions: Directions, rng: np.random.Generator, male: bool) -> np.ndarray:
    """A frontal, glasses-free child from a pool (predicted age nearest START_AGE), steered to a clear gender
    reading and a level pose."""
    pool = gan.truncate(gan.map(gan.sample_z(rng, POOL)), START_PSI)
    pred = directions.predict(pool)
    col = {n: pred[:, k] for k, n in enumerate(directions.names)}
    sign = 1.0 if male else -1.0
    unfit = np.abs(col["yaw"]) / MAX_START_YAW + np.maximum(col["glasses"] - GLASSES_CLEAR, 0)
    best = int(np.argmin(np.abs(col["age"] - START_AGE) / tolerance("age", START_AGE) + 2.0 * unfit))
    now = {n: float(col[n][best]) for n in directions.names}
    pitch_mean = float(np.nanmean(directions.labels[:, directions.index("pitch")]))
    glasses = min(now["glasses"], GLASSES_CLEAR - 0.8)
    wanted = dict(now, male=sign * GENDER_LOGIT, yaw=0.0, pitch=pitch_mean, glasses=glasses)
    return steer(pool[best], directions, wanted, current=pred[best], scale=_scales(wanted))


def walk(
    gan: StyleGAN, meter: FaceMeter, directions: Directions, start: np.ndarray, steps: tuple[float, ...] = WALK_STEPS
) -> list[WalkPoint]:
    """The start person synthesized at each step (predicted years from the start) plus refinements where the
    measured age jumps; sorted by step. Points without a measurable face are dropped."""
    axis = age_axis(directions)

    def point(step: float) -> WalkPoint | None:
        rgb = gan.synthesize(start + np.float32(step) * axis)
        found = meter.measure(rgb)
        return None if found is None else WalkPoint(step, rgb, found.landmarks68, found.age, found.p_male)

    points = [p for p in map(point, steps) if p is not None]
    for _ in range(MAX_REFINE):
        gaps = [b.age - a.age for a, b in pairwise(points)]
        if not gaps or max(gaps) <= REFINE_GAP:
            break
        k = int(np.argmax(gaps))
        extra = point((points[k].step + points[k + 1].step) / 2)
        if extra is None:
            break
        points.insert(k + 1, extra)
    return points

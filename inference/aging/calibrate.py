"""Calibrate what the engine is asked for to what our age estimator then reads.

The prototype change from age a to age b is an average over generated people, and an average ages less than
any one person does (individual wrinkles and creases cancel out), so a face edited "to 40" reads about 28-32.
The bias grows with the target age and hardly depends on the adult's starting age, but a child's face answers
the same prototype change more weakly (with one pooled curve, children aged "to 30" read about 20): so there is
one monotone curve per band of input age (`band`). Edit a calibration set (generated children and adults, seeds
disjoint from both the prototype build and the evaluation) to a grid of engine targets, take the median age our
estimator reads at each, per band, and invert. Asking for age T then runs the engine at the grid age whose
median reading, for inputs of that band, is T. Above the highest reading the engine reaches, the curve saturates
(reported, not extrapolated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from inference.aging.longitudinal import monotone
from inference.aging.pipeline import Ager

GRID = tuple(range(10, 86, 5))
MIN_GAP = 5.0  # years an engine target must lie above the input's age to count (aging, not holding still)
SEED = 9000  # build uses 1000+, evaluation 7000+
CHILDREN = (5, 7, 9, 11, 6, 8, 10, 12)
ADULTS = (25, 30, 35, 40)
CHILD_BELOW = 14.0  # inputs read younger than this use the children's curve
BANDS = 2  # 0: children, 1: teenagers and adults

Log = Callable[[str], None]


def band(age: float) -> int:
    return 0 if age < CHILD_BELOW else 1


def response(ager: Ager, photos: Sequence[np.ndarray], grid: Sequence[int] = GRID) -> np.ndarray:
    """(BANDS, len(grid)) median estimated age of the results at each engine target, inputs grouped by `band`;
    NaN where nobody counted."""
    readings: list[dict[int, list[float]]] = [{g: [] for g in grid} for _ in range(BANDS)]
    for rgb in photos:
        result = ager.run(rgb, list(grid))
        got = readings[band(result.face.age)]
        for r in result.results:
            if r.estimated_age is not None and r.target >= result.face.age + MIN_GAP:
                got[int(r.target)].append(r.estimated_age)
    return np.array([[np.median(got[g]) if got[g] else np.nan for g in grid] for got in readings])


def inverse(grid: Sequence[int], medians: np.ndarray) -> np.ndarray:
    """(BANDS, 2, K) tables, one per band: row 0 the readings (strictly increasing), row 1 the engine target that
    produces each; shorter tables are padded with NaN columns (see `table_for`)."""
    tables = [_inverse(grid, m) for m in np.atleast_2d(medians)]
    k = max(t.shape[1] for t in tables)
    return np.stack([np.pad(t, ((0, 0), (0, k - t.shape[1])), constant_values=np.nan) for t in tables])


def _inverse(grid: Sequence[int], medians: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(medians)
    if not ok.any():
        return np.zeros((2, 0))
    reads, targets = monotone(medians[ok]), np.asarray(grid, np.float64)[ok]
    keep = np.concatenate([[True], np.diff(reads) > 0.05])  # a flat stretch maps to its first grid age
    return np.stack([reads[keep], targets[keep]])


def table_for(calibration: np.ndarray, age: float) -> np.ndarray:
    """The (2, K) table for an input of this age; a file from before the bands holds one (2, K) table."""
    if calibration.ndim == 2:
        return calibration
    table = calibration[band(age)]
    return table[:, ~np.isnan(table[0])]


def engine_target(table: np.ndarray, wanted: float) -> float:
    """The engine target whose median reading is `wanted`; outside the table's readings, the nearest end.
    Below the table (a small step) the request is used as it is: there is nothing measured to correct."""
    if table.size == 0 or wanted <= table[0, 0]:
        return float(wanted) if table.size == 0 else float(min(wanted, table[1, 0]))
    return float(np.interp(wanted, table[0], table[1]))

"""Average age change from longitudinal series: each person seen at several measured ages.

A cross-sectional average (all children minus all adults) mixes who the children and adults are; here each
person is compared only with themselves. Per person, the measured ages are made monotone along the walk (the
estimator wobbles a few years between neighbouring points), every quantity is interpolated to fixed anchor ages
inside the range that person covers, and the change between neighbouring anchors is averaged over the people who
cover both. Chaining those steps gives a cumulative curve C(a); the change from age a to age b is C(b) - C(a),
even when no single person spans both.
"""

from __future__ import annotations

import numpy as np


def monotone(values: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit (pool-adjacent-violators), same length as `values`."""
    blocks: list[list[float]] = []  # [mean, weight]
    for v in np.asarray(values, np.float64):
        blocks.append([float(v), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    return np.concatenate([np.full(int(w), m) for m, w in blocks])


def anchor_weights(ages: np.ndarray, anchors: np.ndarray) -> list[tuple[int, int, float] | None]:
    """For each anchor: (i, j, t) so the value there is (1 - t) x_i + t x_j, or None outside the covered range.
    `ages` must be non-decreasing (see `monotone`); flat stretches are skipped."""
    out: list[tuple[int, int, float] | None] = []
    for a in anchors:
        if a < ages[0] or a > ages[-1]:
            out.append(None)
            continue
        j = int(np.searchsorted(ages, a, side="left"))
        if j == 0:
            out.append((0, 0, 0.0))
            continue
        i = j - 1
        span = ages[j] - ages[i]
        out.append((i, j, float((a - ages[i]) / span) if span > 0 else 0.0))
    return out


class ChainedMean:
    """Accumulates per-person anchor values of one quantity; `cumulative()` is the chained mean curve."""

    def __init__(self, n_anchors: int, shape: tuple[int, ...]) -> None:
        self.sums = np.zeros((n_anchors - 1, *shape), np.float64)
        self.counts = np.zeros(n_anchors - 1, np.int64)

    def add(self, values: list[np.ndarray | None]) -> None:
        """One person's value at each anchor (None where the person does not reach it)."""
        for k in range(len(values) - 1):
            a, b = values[k], values[k + 1]
            if a is not None and b is not None:
                self.sums[k] += b - a
                self.counts[k] += 1

    def cumulative(self) -> np.ndarray:
        """(A, ...) C with C[0] = 0; a step nobody covered counts as no change (the curve goes flat there)."""
        steps = self.sums / np.maximum(self.counts, 1).reshape(-1, *([1] * (self.sums.ndim - 1)))
        return np.concatenate([np.zeros_like(steps[:1]), np.cumsum(steps, axis=0)])


def at_anchors(values: np.ndarray, weights: list[tuple[int, int, float] | None]) -> list[np.ndarray | None]:
    """`values` (N, ...) interpolated to the anchors described by `weights`."""
    return [None if w is None else (1 - w[2]) * values[w[0]] + w[2] * values[w[1]] for w in weights]

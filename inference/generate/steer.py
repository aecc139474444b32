"""Move a w so the linear attribute models read the target values, changing w as little as possible.

With C the (K, 512) rows of the constrained attributes and r the wanted change of their labels, the smallest move
is dw = C^T (C C^T + lambda S^2)^-1 r: a least-squares solve over the whole direction set at once, so asking for
"older" while holding gender and yaw moves along the part of the age direction that leaves the other two alone
(in FFHQ older faces also turn male, lose smiles and gain glasses; a lone age direction drags those along).
lambda S^2 (S = each attribute's tolerance) lets a tight target win over a loose one when they conflict.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from inference.generate.directions import Directions

SOFTNESS = 1e-3  # lambda above: small, the targets are meant to be hit


def steer(
    w: np.ndarray,
    directions: Directions,
    wanted: Mapping[str, float],
    current: Mapping[str, float] | np.ndarray | None = None,
    scale: Mapping[str, float] | None = None,
    max_step: float | None = None,
) -> np.ndarray:
    """w moved so each attribute in `wanted` changes from `current` (default: the linear prediction at w) to its
    wanted value. Attributes held still must be listed in `wanted` with their current value."""
    names = list(wanted)
    if not names:
        return np.asarray(w, np.float32).copy()
    rows = np.array([directions.coef[directions.index(n)] for n in names])
    now = _current(w, directions, names, current)
    change = np.array([wanted[n] for n in names]) - now
    tol = np.array([(scale or {}).get(n, 1.0) for n in names])
    # Work in tolerance units so a 3-year age error and a 5-degree yaw error weigh alike.
    rows_t, change_t = rows / tol[:, None], change / tol
    gram = rows_t @ rows_t.T
    gram += SOFTNESS * np.trace(gram) / len(gram) * np.eye(len(gram))
    step = rows_t.T @ np.linalg.solve(gram, change_t)
    norm = float(np.linalg.norm(step))
    if max_step is not None and norm > max_step:
        step *= max_step / norm  # the fitted models are linear only near the data; far moves make artifacts
    return (np.asarray(w, np.float64) + step).astype(np.float32)


def _current(
    w: np.ndarray, directions: Directions, names: list[str], current: Mapping[str, float] | np.ndarray | None
) -> np.ndarray:
    if current is None:
        predicted = directions.predict(w)
        return np.array([predicted[directions.index(n)] for n in names])
    if isinstance(current, np.ndarray):
        return np.array([current[directions.index(n)] for n in names])
    return np.array([current[n] for n in names])

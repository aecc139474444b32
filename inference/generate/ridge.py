"""Multi-output ridge regression with the penalty of each output chosen by k-fold cross-validation.

w has 512 dimensions and a fit sees one to a few thousand faces, so plain least squares would fit noise; the
penalty that predicts held-out faces best is picked per attribute (age needs little, glasses much more).
One SVD per fold serves every penalty and every attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FOLDS = 5
# Penalties relative to the mean squared singular value of the data: from almost OLS to very strong shrinkage.
RELATIVE_PENALTIES = np.logspace(-3, 1.5, 19)


@dataclass(frozen=True)
class RidgeFit:
    coef: np.ndarray  # (K, P)
    intercept: np.ndarray  # (K,)
    penalty: np.ndarray  # (K,) absolute penalty picked per output
    r2: np.ndarray  # (K,) cross-validated R^2 at that penalty


def _solve(x: np.ndarray, y: np.ndarray, penalties: np.ndarray) -> np.ndarray:
    """(L, K, P) coefficients for each penalty; x and y already centred."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    uty = u.T @ y  # (R, K)
    shrink = s[None, :] / (s[None, :] ** 2 + penalties[:, None])  # (L, R)
    return np.einsum("lr,rk,rp->lkp", shrink, uty, vt)


def _fold_errors(x: np.ndarray, y: np.ndarray, penalties: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """(L, K) summed squared held-out error for each penalty and output."""
    errors = np.zeros((len(penalties), y.shape[1]))
    for fold in range(FOLDS):
        test, train = folds == fold, folds != fold
        x_mean, y_mean = x[train].mean(axis=0), y[train].mean(axis=0)
        coefs = _solve(x[train] - x_mean, y[train] - y_mean, penalties)
        predicted = np.einsum("np,lkp->lnk", x[test] - x_mean, coefs) + y_mean
        errors += ((predicted - y[test][None]) ** 2).sum(axis=1)
    return errors


def fit_ridge(x: np.ndarray, y: np.ndarray, seed: int = 0) -> RidgeFit:
    """Fit y (N, K) ~ intercept + x (N, P) @ coef.T with a cross-validated penalty per output."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 * FOLDS:
        raise ValueError(f"ridge needs at least {2 * FOLDS} samples, got {len(x)}")
    scale = float((x - x.mean(axis=0)).var(axis=0).sum())  # mean squared singular value ~ N * this / N
    penalties = RELATIVE_PENALTIES * scale * len(x) / min(x.shape)
    folds = np.random.default_rng(seed).permutation(len(x)) % FOLDS
    errors = _fold_errors(x, y, penalties, folds)
    best = errors.argmin(axis=0)  # (K,)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    r2 = 1.0 - errors[best, np.arange(y.shape[1])] / np.maximum(total, 1e-12)
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    coefs = _solve(x - x_mean, y - y_mean, penalties[best])  # (K, K, P): penalty l for output k is [k, k]
    coef = coefs[np.arange(y.shape[1]), np.arange(y.shape[1])]
    intercept = y_mean - coef @ x_mean
    return RidgeFit(coef=coef, intercept=intercept, penalty=penalties[best], r2=r2)

"""Linear attribute models in w, fitted with our own estimators on faces the generator makes.

For each attribute k we fit label_k ~ intercept_k + coef_k . (w - w_avg) by ridge regression on `n_samples`
generated faces (fixed seed, so a fit is reproducible), each measured on its cheap 128 px preview by the same
estimators the product runs on photos. `coef_k` is the direction that changes attribute k fastest per unit of
w, and its length says how fast: the donor generator solves for the move that hits target values.

The fit is stored as a small .npz in the model cache (never in git); `nobody models fit-directions` writes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.generate.measure import FaceMeter
from inference.generate.preview import Preview
from inference.generate.ridge import RidgeFit, fit_ridge
from inference.generate.stylegan import MAPPING_BIN, SYNTHESIS_BIN, StyleGAN
from inference.npz import load_npz, save_npz
from models import ModelStore, manifest

ATTRIBUTES = ("age", "male", "yaw", "pitch", "smile", "mouth_open", "ita", "glasses")
FIT_PSI = 1.0  # untruncated samples: the widest spread of ages and poses for the same number of faces
DEFAULT_SAMPLES = 1000  # cross-validated R^2 is flat from ~700 faces on; directions still sharpen slowly
DEFAULT_SEED = 0
FILE_NAME = "mobilestylegan-directions.npz"
# Skin ITA jumps towards +-90 when b* nears zero (grey-blue casts of odd samples and of the preview's colours):
# 1 % of samples read > 90 or < -66 where real skin spans about -60..80. Clipped, those few stop steering the fit.
FIT_CLIP = {"ita": (-60.0, 80.0)}
FORMAT = 1

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Directions:
    names: tuple[str, ...]
    coef: np.ndarray  # (K, 512): d label_k / d w
    intercept: np.ndarray  # (K,): label_k at w_avg
    w_avg: np.ndarray  # (512,) the w_avg the fit was centred on
    r2: np.ndarray  # (K,) cross-validated R^2 of each linear model (how far to trust it)
    labels: np.ndarray  # (N, K) the measured labels of the samples (NaN rows: no face found)
    meta: dict[str, object]

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no direction for {name!r}; fitted: {', '.join(self.names)}") from None

    def predict(self, w: np.ndarray) -> np.ndarray:
        """Labels the linear models expect for w: (K,) for one w, (N, K) for N."""
        return (np.asarray(w, np.float64) - self.w_avg) @ self.coef.T + self.intercept

    def unit(self, name: str) -> np.ndarray:
        """Unit-length direction in w that increases `name`."""
        row = self.coef[self.index(name)]
        return (row / np.linalg.norm(row)).astype(np.float32)

    def label_stats(self) -> dict[str, dict[str, float]]:
        ok = ~np.isnan(self.labels).any(axis=1)
        rows = self.labels[ok]
        return {
            n: {"mean": float(rows[:, k].mean()), "std": float(rows[:, k].std()), "r2": float(self.r2[k])}
            for k, n in enumerate(self.names)
        }


def default_path(store: ModelStore) -> Path:
    return store.cache_dir / "derived" / FILE_NAME


def _source_key() -> str:
    """The networks a fit belongs to; a fit for other weights must not be used silently."""
    return f"{manifest.get(MAPPING_BIN).sha256[:16]}-{manifest.get(SYNTHESIS_BIN).sha256[:16]}"


def measure_samples(gan: StyleGAN, meter: FaceMeter, ws: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """(N, K) labels of each w's preview; a row of NaN where no face was found."""
    preview = Preview(gan)
    labels = np.full((len(ws), len(ATTRIBUTES)), np.nan)
    for i, w in enumerate(ws):
        found = meter.measure(preview.render(w))
        if found is not None:
            values = found.labels()
            labels[i] = [values[name] for name in ATTRIBUTES]
        if progress:
            progress(i + 1, len(ws))
    return labels


def fit_directions(
    store: ModelStore,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    out_path: Path | None = None,
    progress: Progress | None = None,
    gan: StyleGAN | None = None,
    meter: FaceMeter | None = None,
) -> Directions:
    """Generate `n_samples` faces from `seed`, measure them, fit every direction, write the .npz to `out_path`
    (default: `default_path(store)`)."""
    started = time.monotonic()
    gan = gan or StyleGAN(store)
    meter = meter or FaceMeter(store, tta=False)
    ws = gan.truncate(gan.map(gan.sample_z(np.random.default_rng(seed), n_samples)), FIT_PSI)
    labels = measure_samples(gan, meter, ws, progress)
    ok = ~np.isnan(labels).any(axis=1)
    if ok.sum() < 2 * len(ATTRIBUTES):
        raise RuntimeError(f"only {ok.sum()} of {n_samples} generated faces were measurable; cannot fit")
    fit = fit_ridge(ws[ok] - gan.w_avg, clip_labels(labels[ok]), seed=seed)
    meta = {
        "format": FORMAT,
        "source": _source_key(),
        "seed": seed,
        "n_samples": n_samples,
        "n_measured": int(ok.sum()),
        "psi": FIT_PSI,
        "ridge": fit.penalty.tolist(),
        "seconds": round(time.monotonic() - started, 1),
    }
    directions = _directions(fit, gan.w_avg, labels, meta)
    save_directions(directions, out_path or default_path(store))
    return directions


def clip_labels(labels: np.ndarray) -> np.ndarray:
    clipped = labels.copy()
    for name, (low, high) in FIT_CLIP.items():
        k = ATTRIBUTES.index(name)
        clipped[:, k] = np.clip(clipped[:, k], low, high)
    return clipped


def _directions(fit: RidgeFit, w_avg: np.ndarray, labels: np.ndarray, meta: dict[str, object]) -> Directions:
    return Directions(ATTRIBUTES, fit.coef, fit.intercept, w_avg.astype(np.float64), fit.r2, labels, meta)


def save_directions(directions: Directions, path: Path) -> None:
    save_npz(
        path,
        directions.meta,
        names=np.array(directions.names),
        coef=directions.coef.astype(np.float32),
        intercept=directions.intercept,
        w_avg=directions.w_avg.astype(np.float32),
        r2=directions.r2,
        labels=directions.labels.astype(np.float32),
    )


def load_directions(path: Path) -> Directions:
    meta, data = load_npz(path, FORMAT, "direction file", "fit again")
    return Directions(
        names=tuple(str(n) for n in data["names"]),
        coef=data["coef"].astype(np.float64),
        intercept=data["intercept"].astype(np.float64),
        w_avg=data["w_avg"].astype(np.float64),
        r2=data["r2"].astype(np.float64),
        labels=data["labels"].astype(np.float64),
        meta=meta,
    )


def check_source(directions: Directions) -> None:
    """Raise if the fit belongs to other generator weights than the manifest's."""
    if directions.meta.get("source") != _source_key():
        raise ValueError("these directions belong to other generator weights: run `nobody models fit-directions`")

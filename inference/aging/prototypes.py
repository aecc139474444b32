"""Age prototypes: how shape and skin change with age, per gender, as cumulative curves over anchor ages.

- shape: (2, A, 68, 2) landmark change in the aligned frame, in units of the frame side (see `align`);
- texture: (2, A, T, T, 3) CIELAB change on a shape-free face (every face warped to `mean_shape` first),
  already multiplied by the face mask, so hair and background never change;
- detail: (2, A, T, T) change of the log amplitude of fine skin structure on the same shape-free face;
- index 0 is female, 1 male; `delta(a, b, p_male)` blends the two by the gender probability, because a
  child's gender reading is often unsure and a hard choice would sometimes age a boy into a woman.

Made by `build.build_age_prototypes` from generator walks, with the engine's target calibration
(`calibrate`); stored as a small .npz in the model cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from inference.generate.stylegan import MAPPING_BIN, SYNTHESIS_BIN
from inference.npz import load_npz, save_npz
from models import ModelStore, manifest

FILE_NAME = "age-prototypes.npz"
FORMAT = 1


@dataclass(frozen=True)
class AgePrototypes:
    anchors: np.ndarray  # (A,) years, increasing
    shape: np.ndarray  # (2, A, 68, 2) cumulative landmark change, frame-side units
    texture: np.ndarray  # (2, A, T, T, 3) cumulative CIELAB change, shape-free frame of side T
    detail: np.ndarray  # (2, A, T, T) cumulative change of the log detail amplitude (see `detail`)
    mean_shape: np.ndarray  # (68, 2) landmarks of the shape-free frame, frame-side units
    coverage: np.ndarray  # (2, A - 1) people behind each anchor-to-anchor step
    meta: dict[str, object]
    calibration: np.ndarray = field(default_factory=lambda: np.zeros((2, 0)))  # (bands, 2, K), see `calibrate`

    @property
    def texture_size(self) -> int:
        return int(self.texture.shape[2])

    def _at(self, curve: np.ndarray, age: float) -> np.ndarray:
        """Curve (A, ...) linearly interpolated at `age`; flat beyond the ends."""
        a = float(np.clip(age, self.anchors[0], self.anchors[-1]))
        j = int(np.clip(np.searchsorted(self.anchors, a), 1, len(self.anchors) - 1))
        t = (a - self.anchors[j - 1]) / (self.anchors[j] - self.anchors[j - 1])
        return (1 - t) * curve[j - 1].astype(np.float32) + t * curve[j].astype(np.float32)

    def delta(self, age: float, target: float, p_male: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shape (68, 2), texture (T, T, 3), log detail gain (T, T)) changes from `age` to `target`,
        gender-blended."""
        weights = (1.0 - p_male, p_male)

        def change(curves: np.ndarray) -> np.ndarray:
            return sum(w * (self._at(curves[g], target) - self._at(curves[g], age)) for g, w in enumerate(weights))

        return change(self.shape).astype(np.float64), change(self.texture), change(self.detail)


def source_key() -> str:
    """The generator weights prototypes come from (a build for other weights must not be used silently)."""
    return f"{manifest.get(MAPPING_BIN).sha256[:16]}-{manifest.get(SYNTHESIS_BIN).sha256[:16]}"


def default_path(store: ModelStore) -> Path:
    return store.cache_dir / "derived" / FILE_NAME


def save_prototypes(protos: AgePrototypes, path: Path) -> None:
    save_npz(
        path,
        protos.meta,
        compress=True,
        anchors=protos.anchors.astype(np.float32),
        shape=protos.shape.astype(np.float32),
        texture=protos.texture.astype(np.float16),  # smooth averages: half precision loses nothing visible
        detail=protos.detail.astype(np.float16),
        mean_shape=protos.mean_shape.astype(np.float32),
        coverage=protos.coverage.astype(np.int32),
        calibration=protos.calibration.astype(np.float32),
    )


def load_prototypes(path: Path) -> AgePrototypes:
    meta, data = load_npz(path, FORMAT, "age prototype", "build again")
    return AgePrototypes(
        anchors=data["anchors"].astype(np.float64),
        shape=data["shape"].astype(np.float32),
        texture=data["texture"].astype(np.float32),
        detail=data["detail"].astype(np.float32),
        mean_shape=data["mean_shape"].astype(np.float64),
        coverage=data["coverage"].astype(np.int64),
        meta=meta,
        calibration=data["calibration"].astype(np.float64),
    )

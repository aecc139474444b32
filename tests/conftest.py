"""Shared fixtures: the real model store (mirror from NOBODY_MODEL_MIRROR or ../shared/models) and real photos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from inference.aging.build import build_age_prototypes
from inference.aging.prototypes import default_path as prototypes_path
from inference.analyze import FaceAnalyzer
from inference.generate import Directions, FaceMeter, StyleGAN, fit_directions
from inference.generate.directions import default_path as directions_path
from models import ModelStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NOBODY_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def images_dir() -> Path:
    return SHARED / "images"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """The real weights through a fresh cache per test session: read from the mirrors (NOBODY_MODEL_MIRROR, else
    ../shared) and from an installed cache (NOBODY_MODEL_DIR) if there is one. Derived files (latent directions,
    donor bank, age prototypes) are made here, so tests run the same on a dev machine and on a clean CI clone and
    never write into the cache the product uses."""
    mirrors = [Path(p) for p in os.environ.get("NOBODY_MODEL_MIRROR", "").split(os.pathsep) if p]
    mirrors = mirrors or [SHARED / "models", SHARED / "images"]
    if os.environ.get("NOBODY_MODEL_DIR"):
        mirrors.append(Path(os.environ["NOBODY_MODEL_DIR"]).expanduser())
    return ModelStore(tmp_path_factory.mktemp("model-cache"), mirrors)


def load_rgb(path: Path) -> np.ndarray:
    """Test helper: decode a photo to RGB uint8 without the product's loader (kept independent on purpose)."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, path
    return np.ascontiguousarray(bgr[:, :, ::-1])


TINY_FIT = 96  # faces: enough for usable gender, yaw and age directions; the closed loop does the rest


@pytest.fixture(scope="session")
def analyzer(store: ModelStore) -> FaceAnalyzer:
    """The default analyzer on the session's store (stateless once loaded, so shared)."""
    return FaceAnalyzer(store)


@pytest.fixture(scope="session")
def gan(store: ModelStore) -> StyleGAN:
    return StyleGAN(store)


@pytest.fixture(scope="session")
def meter(store: ModelStore) -> FaceMeter:
    return FaceMeter(store)


@pytest.fixture(scope="session")
def tiny_fit(store: ModelStore, gan: StyleGAN) -> tuple[Directions, Path]:
    """Latent directions fitted on a few generated faces (about half a minute): good enough to steer gender and
    age coarsely in tests. Written where the session's store keeps them, so an `Engine` on that store (service,
    queue and bot tests) generates donors with them too."""
    path = directions_path(store)
    return fit_directions(store, n_samples=TINY_FIT, seed=3, out_path=path, gan=gan), path


@pytest.fixture(scope="session")
def tiny_directions(tiny_fit: tuple[Directions, Path]) -> Path:
    return tiny_fit[1]


@pytest.fixture(scope="session")
def tiny_age_prototypes(store: ModelStore, tiny_directions: Path, gan: StyleGAN, meter: FaceMeter) -> Path:
    """Age prototypes from 4 short generator walks, uncalibrated (about a minute): real edits, coarse ages.
    Written where the session's store keeps them, so the age job (service, bot) finds them as in production."""
    path = prototypes_path(store)
    walk = (0.0, 8.0, 16.0, 26.0, 40.0)  # predicted years from each child start
    build_age_prototypes(
        store, 4, seed=5, out_path=path, directions=tiny_directions, gan=gan, meter=meter, walk_steps=walk,
        calibrate=False,
    )  # fmt: skip
    return path

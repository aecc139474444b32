"""Shared fixtures: the real model store (mirror from NOBODY_MODEL_MIRROR or ../shared/models) and real photos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from models import ModelStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NOBODY_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def images_dir() -> Path:
    return SHARED / "images"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    mirrors = [Path(p) for p in os.environ.get("NOBODY_MODEL_MIRROR", "").split(os.pathsep) if p]
    mirrors = mirrors or [SHARED / "models", SHARED / "images"]
    cache = Path(os.environ.get("NOBODY_MODEL_DIR", tmp_path_factory.mktemp("model-cache")))
    return ModelStore(cache, mirrors)


def load_rgb(path: Path) -> np.ndarray:
    """Test helper: decode a photo to RGB uint8 without the product's loader (kept independent on purpose)."""
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, path
    return np.ascontiguousarray(bgr[:, :, ::-1])


@pytest.fixture(scope="session")
def tiny_directions(store: ModelStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Latent directions fitted on a few generated faces (about a minute): good enough to steer gender and
    age coarsely in tests. Written to a temp dir, never into the model cache the product uses."""
    from inference.generate import fit_directions

    path = tmp_path_factory.mktemp("directions") / "tiny.npz"
    fit_directions(store, n_samples=96, seed=3, out_path=path)
    return path

"""Detectors by name, so configuration can pick one without importing (or paying for) the others."""

from __future__ import annotations

from typing import Any

from inference.types import FaceDetector
from models import ModelStore

# SCRFD: 29/29 on the Solvay photo and 116/116 on a 6000 px crowd at the lowest cost of the three (see
# tests/test_detect.py and the numbers in inference/detect/strategy.py).
DEFAULT_DETECTOR = "scrfd"
DETECTORS = ("scrfd", "centerface", "retinaface")
RETINAFACE_WEIGHTS = "retinaface_mobilenet0.25_Final.pth"


def make_detector(name: str, store: ModelStore, **options: Any) -> FaceDetector:
    """A ready detector; `options` go to its constructor (max_side, score_threshold, ...)."""
    if name == "scrfd":
        from inference.detect.scrfd import ScrfdDetector

        return ScrfdDetector.from_store(store, **options)
    if name == "centerface":
        from inference.detect.centerface import CenterFaceDetector

        return CenterFaceDetector.from_store(store, **options)
    if name == "retinaface":
        # Imported here so that torch is only loaded by whoever asks for RetinaFace.
        from inference.detect.retinaface import RetinaFaceDetector

        return RetinaFaceDetector(store.path(RETINAFACE_WEIGHTS), **options)
    raise ValueError(f"unknown face detector {name!r}; choose one of {', '.join(DETECTORS)}")

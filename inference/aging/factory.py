"""The engine the product uses, and one shared `Ager` per analyzer (models load once per process)."""

from __future__ import annotations

import threading
import weakref
from pathlib import Path

from inference.aging.engine import PrototypeAgeEditor
from inference.aging.pipeline import Ager
from inference.aging.prototypes import AgePrototypes, default_path, load_prototypes, source_key
from inference.analyze import FaceAnalyzer
from models import ModelStore

_lock = threading.Lock()
_shared: weakref.WeakKeyDictionary[FaceAnalyzer, Ager] = weakref.WeakKeyDictionary()


def load_default_prototypes(store: ModelStore, path: Path | None = None) -> AgePrototypes:
    path = path or default_path(store)
    if not path.is_file():
        raise FileNotFoundError(f"no age prototypes at {path}: run `nobody age-prototypes` (a few minutes)")
    protos = load_prototypes(path)
    if protos.meta.get("source") != source_key():
        raise ValueError(f"{path} was built from other generator weights: run `nobody age-prototypes` again")
    return protos


def default_editor(store: ModelStore) -> PrototypeAgeEditor:
    return PrototypeAgeEditor(load_default_prototypes(store))


def shared_ager(analyzer: FaceAnalyzer) -> Ager:
    """One `Ager` per analyzer, created on first use (thread-safe)."""
    with _lock:
        ager = _shared.get(analyzer)
        if ager is None:
            ager = Ager(analyzer, default_editor(analyzer.store))
            _shared[analyzer] = ager
        return ager

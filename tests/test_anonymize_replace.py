"""Replace mode on the real generator, swapper and estimators: verification, fallback, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import load_rgb

from inference.analyze import FaceAnalyzer
from inference.anonymize.composite import protect_boxes
from inference.anonymize.donors import DonorFace, GeneratedDonors
from inference.anonymize.pipeline import MAX_DONORS, Anonymizer
from inference.anonymize.verify import REDETECT_FACE, THRESHOLD, Verifier, iou
from inference.generate import DonorGenerator
from inference.swap import ClassicalSwapper
from inference.types import Face
from models import ModelStore


@pytest.fixture(scope="module")
def t1(images_dir: Path) -> np.ndarray:
    return load_rgb(images_dir / "t1.jpg")


@pytest.fixture(scope="module")
def faces(analyzer: FaceAnalyzer, t1: np.ndarray) -> list[Face]:
    return analyzer.analyze(t1, embeddings=True)


def test_redetection_on_a_shrunk_window_lands_where_the_face_is(
    analyzer: FaceAnalyzer, t1: np.ndarray, faces: list[Face]
) -> None:
    """The check detects on a window shrunk so the face is REDETECT_FACE px wide (t1's are ~100 px): what it
    finds must come back in photo pixels, on the face the analysis found."""
    verifier = Verifier(analyzer)
    assert min(float(f.box[2] - f.box[0]) for f in faces) > REDETECT_FACE  # every face goes through the shrink
    for face in faces:
        found = verifier.redetect(t1, face.box)
        assert found is not None, face.number
        assert iou(found.box, face.box) > 0.8, face.number
        size = float(face.box[2] - face.box[0])
        assert np.abs(found.landmarks - face.landmarks5).max() < 0.06 * size, face.number


@pytest.fixture(scope="module")
def generated(store: ModelStore, tiny_directions: Path, analyzer: FaceAnalyzer) -> Anonymizer:
    donors = GeneratedDonors(store, DonorGenerator(store, directions=tiny_directions))
    return Anonymizer(analyzer, donors, ClassicalSwapper())


class SelfDonors:
    """A donor that is the target itself: the swap cannot change identity, so verification must refuse it."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image

    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        return DonorFace(self.image, face.landmarks68, face.age, face.gender, f"self:{seed}:{attempt}", True)


def test_unverifiable_swap_falls_back_to_blur(analyzer: FaceAnalyzer, t1: np.ndarray, faces: list[Face]) -> None:
    anonymizer = Anonymizer(analyzer, SelfDonors(t1), ClassicalSwapper())
    result = anonymizer.run(t1, keep={1, 2, 4, 5, 6}, faces=faces)
    outcome = result.faces[2]
    assert outcome.number == 3 and outcome.mode == "blur"
    assert outcome.retries == MAX_DONORS - 1  # every try used
    assert outcome.fallback and "too similar" in outcome.fallback
    inside = protect_boxes(t1.shape, [faces[2].box])
    assert np.any(result.image[inside] != t1[inside]), "the face was left as it was"
    kept = protect_boxes(t1.shape, [f.box for f in faces if f.number != 3])
    assert np.array_equal(result.image[kept], t1[kept])


class OtherFaces:
    """Donor `attempt` is face number attempt+1 of the same photo, whoever asks: every face gets the same list."""

    def __init__(self, image: np.ndarray, faces: list[Face]) -> None:
        self.image, self.faces = image, faces

    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        other = self.faces[attempt % len(self.faces)]
        return DonorFace(self.image, other.landmarks68, other.age, other.gender, f"face:{other.number}", True)


def test_no_two_faces_of_a_photo_get_the_same_donor(analyzer: FaceAnalyzer, t1: np.ndarray, faces: list[Face]) -> None:
    result = Anonymizer(analyzer, OtherFaces(t1, faces), ClassicalSwapper()).run(t1, faces=faces, verify=False)
    donors = [outcome.donor for outcome in result.faces]
    assert donors == [f"face:{n}" for n in range(1, 7)]  # each face took the first donor not yet used


def test_replaced_face_is_verified_and_the_rest_is_bit_identical(
    generated: Anonymizer, t1: np.ndarray, faces: list[Face]
) -> None:
    result = generated.run(t1, keep={1, 2, 3, 5, 6}, seed=7, faces=faces)
    outcome = result.faces[3]
    assert outcome.number == 4 and not outcome.kept
    if outcome.mode == "replace":
        assert outcome.identity_distance is not None and outcome.identity_distance > THRESHOLD
        assert outcome.redetected and outcome.gender_kept
        assert outcome.donor and outcome.donor.startswith("generated:")
    else:  # a fallback must say why and still hide the face
        assert outcome.mode == "blur" and outcome.fallback
    changed = np.any(result.image != t1, axis=2)
    assert not (changed & (result.mask == 0)).any()
    kept = protect_boxes(t1.shape, [f.box for f in faces if f.number != 4])
    assert np.array_equal(result.image[kept], t1[kept])


def test_same_seed_same_result_other_seed_other_donor(generated: Anonymizer, t1: np.ndarray, faces: list[Face]) -> None:
    keep = {1, 2, 3, 4, 6}
    first = generated.run(t1, keep=keep, seed=11, faces=faces, verify=False)
    again = generated.run(t1, keep=keep, seed=11, faces=faces, verify=False)
    other = generated.run(t1, keep=keep, seed=12, faces=faces, verify=False)
    assert np.array_equal(first.image, again.image)
    assert first.faces[4].donor == again.faces[4].donor != other.faces[4].donor
    assert not np.array_equal(first.image, other.image)

"""The donor bank's choice of entries, on a small bank of real generated and measured faces."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import cv2
import numpy as np
import pytest

from inference.analyze import SP5
from inference.anonymize.bank import FRAME, IDENTITY_CUT, TOP, BankDonors, BankEntry, bank_dir
from inference.anonymize.donors import DonorFace
from inference.attributes import EmbeddingModel, identity_distance
from inference.attributes.dlib_resnet import onnx_path as identity_onnx
from inference.generate.measure import FaceMeter
from inference.generate.stylegan import StyleGAN
from inference.image_out import encode_image
from inference.types import Face, Pose, SkinTone
from models import ModelStore


class Recorded:
    """The on-demand source, recording when the bank hands a request over to it."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def donor(self, face: Face, seed: int, attempt: int = 0) -> DonorFace:
        self.calls.append(attempt)
        return DonorFace(np.zeros((8, 8, 3), np.uint8), face.landmarks68, face.age, face.gender, "generated", True)


@pytest.fixture(scope="module")
def bank(store: ModelStore, gan: StyleGAN, meter: FaceMeter, tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A store whose bank holds the measured faces of five generated latents, all labelled with one gender."""
    small = ModelStore(tmp_path_factory.mktemp("bank-cache"), [store.cache_dir, *store.mirrors])
    out = bank_dir(small)
    out.mkdir(parents=True)
    entries = []
    embedder = EmbeddingModel(identity_onnx(small), small.path(SP5))
    for k, z in enumerate(gan.sample_z(np.random.default_rng(5), 5)):
        rgb = gan.synthesize(gan.truncate(gan.map(z)[0], 0.6))
        m = meter.measure(rgb)
        assert m is not None
        frame = cv2.resize(rgb, (FRAME, FRAME), interpolation=cv2.INTER_AREA)
        (out / f"{k:04d}.jpg").write_bytes(encode_image(frame, "JPEG", quality=95))
        scale = FRAME / rgb.shape[1]
        entries.append(
            BankEntry(
                f"{k:04d}.jpg", "female", m.age, m.pose.yaw, m.pose.pitch, m.smile, m.mouth_open, m.skin.ita, 0.0,
                (m.landmarks68 * scale).round(2).tolist(), embedder.embed(rgb, m.detection).tolist(),
            )
        )  # fmt: skip
    (out / "index.json").write_text(json.dumps([asdict(e) for e in entries]))
    return small


def _target(entry: BankEntry) -> Face:
    """A face with exactly this entry's labels, small enough for the bank's 512 px frames."""
    marks = np.asarray(entry.landmarks68, np.float32) / 3
    box = np.array([*marks.min(axis=0), *marks.max(axis=0)], np.float32)
    return Face(
        1, box, 0.9, marks[[36, 45, 30, 48, 54]], marks, entry.age, "female", 0.9,
        Pose(entry.yaw, entry.pitch, 0.0), SkinTone(entry.ita, "intermediate", (0, 0, 0)),
    )  # fmt: skip


def test_attempts_visit_distinct_entries_then_generate(bank: ModelStore) -> None:
    fallback = Recorded()
    donors = BankDonors(bank, fallback)  # type: ignore[arg-type]
    face = _target(donors.entries[2])
    keys = [donors.donor(face, seed=7, attempt=a).key for a in range(len(donors.entries))]
    assert len(set(keys)) == len(keys) == 5 and all(k.startswith("bank:") for k in keys)
    assert fallback.calls == []
    # Every entry of the gender tried: on-demand generation, never the same bank face again.
    assert donors.donor(face, seed=7, attempt=5).key == "generated" and fallback.calls == [5]


def test_first_tries_are_the_closest_entries_in_a_seeded_order(bank: ModelStore) -> None:
    donors = BankDonors(bank, Recorded())  # type: ignore[arg-type]
    face = _target(donors.entries[2])
    closest = {f"bank:{e.file}" for e in donors._ranked(face)[:TOP]}
    assert donors._ranked(face)[0].file == "0002.jpg"  # its own labels: distance 0
    first = [donors.donor(face, seed=s, attempt=a).key for s in (1, 2) for a in range(TOP)]
    assert set(first[:TOP]) == set(first[TOP:]) == closest
    assert [donors.donor(face, seed=1, attempt=a).key for a in range(TOP)] == first[:TOP]  # reproducible


def test_other_gender_and_large_faces_are_generated(bank: ModelStore) -> None:
    fallback = Recorded()
    donors = BankDonors(bank, fallback)  # type: ignore[arg-type]
    face = _target(donors.entries[0])
    assert donors.donor(replace(face, gender="male"), 1).key == "generated"
    assert donors.donor(replace(face, box=np.array([0, 0, 400, 400], np.float32)), 1).key == "generated"
    assert fallback.calls == [0, 0]


def test_a_donor_close_in_identity_to_the_original_is_never_offered(bank: ModelStore) -> None:
    donors = BankDonors(bank, Recorded())  # type: ignore[arg-type]
    entry = donors.entries[2]
    face = replace(_target(entry), embedding=np.asarray(entry.embedding, np.float32))  # the donor is the person
    offered = set()
    for attempt in range(len(donors.entries)):
        donor = donors.donor(face, seed=7, attempt=attempt)
        if donor.key == "generated":
            break
        offered.add(donor.key)
    far = {f"bank:{e.file}" for e in donors.entries if identity_distance(e.embedding, face.embedding) >= IDENTITY_CUT}
    assert far and "bank:0002.jpg" not in offered and offered == far
    # Without an identity vector (analysis without embeddings) the bank offers every entry.
    assert "bank:0002.jpg" in {donors.donor(_target(entry), seed=7, attempt=a).key for a in range(5)}

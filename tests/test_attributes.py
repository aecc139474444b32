"""Face attributes on real models and real photos: landmarks, age/gender, identity, pose, skin tone.

Ground truth is read off the photos by eye and pinned by position (original pixels). t1.jpg: Monica (320, 206)
and Joey (959, 129) are turned 40-50 degrees towards the image's left; Rachel, Ross and Phoebe face the camera;
Chandler (laughing) is turned ~25 degrees to the left, between the two groups. Solvay: Marie Curie sits at
(900, 1195), the only woman of 29.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import dlib
import numpy as np
import pytest
from conftest import load_rgb

from inference.attributes import (
    AgeGenderModel,
    EmbeddingModel,
    LandmarkModel,
    estimate_pose,
    estimate_skin,
    identity_distance,
    ita_category,
    mirror_landmarks68,
)
from inference.attributes.dlib_resnet import onnx_path as identity_onnx
from inference.attributes.pose import MODEL_INDICES, MODEL_POINTS, _camera
from inference.attributes.skin import skin_regions
from inference.detect.registry import make_detector
from inference.types import Detection
from models import ModelStore

T1 = {
    "monica": ((320, 206), "female"),
    "joey": ((959, 129), "male"),
    "rachel": ((114, 330), "female"),
    "ross": ((519, 340), "male"),
    "phoebe": ((1178, 335), "female"),
    "chandler": ((796, 410), "male"),
}
TURNED, FRONTAL = ("monica", "joey"), ("rachel", "ross", "phoebe")
CURIE = (900, 1195)
SP5 = "dlib/shape_predictor_5_face_landmarks.dat"


class Photo:
    def __init__(self, image: np.ndarray, faces: list[Detection]) -> None:
        self.image, self.faces = image, faces

    def at(self, point: tuple[float, float]) -> Detection:
        """The face whose box centre is nearest to `point`; it must contain it."""
        centres = [(f.box[:2] + f.box[2:]) / 2 for f in self.faces]
        face = self.faces[int(np.argmin([np.linalg.norm(c - point) for c in centres]))]
        x1, y1, x2, y2 = face.box
        assert x1 <= point[0] <= x2 and y1 <= point[1] <= y2, (point, face.box)
        return face

    def mirrored(self, detector) -> Photo:
        image = np.ascontiguousarray(self.image[:, ::-1])
        return Photo(image, detector.detect(image))


@pytest.fixture(scope="module")
def detector(store: ModelStore):
    return make_detector("scrfd", store)


@pytest.fixture(scope="module")
def photos(images_dir: Path, detector) -> dict[str, Photo]:
    out = {}
    for name in ("t1.jpg", "solvay_conference_1927.jpg", "Tom_Hanks_54745.png"):
        image = load_rgb(images_dir / name)
        out[name.split("_")[0].split(".")[0]] = Photo(image, detector.detect(image))
    assert [len(out[k].faces) for k in ("t1", "solvay", "Tom")] == [6, 29, 1]
    return out


@pytest.fixture(scope="module")
def t1(photos: dict[str, Photo]) -> Photo:
    return photos["t1"]


@pytest.fixture(scope="module")
def t1_mirror(t1: Photo, detector) -> Photo:
    return t1.mirrored(detector)


@pytest.fixture(scope="module")
def landmarks(store: ModelStore) -> LandmarkModel:
    return LandmarkModel(store.path("dlib/shape_predictor_68_face_landmarks.dat"))


@pytest.fixture(scope="module")
def age_gender(store: ModelStore) -> AgeGenderModel:
    return AgeGenderModel(store.path("age-v1.onnx"), store.path("gender-v1.onnx"), store.path(SP5))


@pytest.fixture(scope="module")
def embedder(store: ModelStore) -> EmbeddingModel:
    return EmbeddingModel(identity_onnx(store), store.path(SP5))


def mirror_point(point: tuple[float, float], width: int) -> tuple[float, float]:
    return (width - 1 - point[0], point[1])


def eye_distance(points68: np.ndarray) -> float:
    return float(np.linalg.norm(points68[36:42].mean(axis=0) - points68[42:48].mean(axis=0)))


# ----- landmarks -----


def test_landmarks_from_keypoint_box_match_dlib_hog_box(t1: Photo, landmarks: LandmarkModel, store: ModelStore) -> None:
    """The box we derive from 5 keypoints must give the landmarks dlib's own HOG box gives (the README's fact)."""
    predictor = dlib.shape_predictor(str(store.path("dlib/shape_predictor_68_face_landmarks.dat")))
    hog_rects = dlib.get_frontal_face_detector()(t1.image, 1)
    assert len(hog_rects) >= 4
    for rect in hog_rects:
        centre = ((rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2)
        ours = landmarks.predict(t1.image, t1.at(centre))
        theirs = np.array([(p.x, p.y) for p in predictor(t1.image, rect).parts()], dtype=np.float32)
        # Measured: < 1 % of the box side for the frontal faces, 1.8 % for the man turned ~50 degrees.
        error = np.linalg.norm(ours - theirs, axis=1).mean() / rect.width()
        assert error < 0.025, (centre, error)


def test_mirrored_landmarks_match_landmarks_of_mirrored_image(
    t1: Photo, t1_mirror: Photo, landmarks: LandmarkModel
) -> None:
    width = t1.image.shape[1]
    for point, _ in T1.values():
        original = landmarks.predict(t1.image, t1.at(point))
        redone = landmarks.predict(t1_mirror.image, t1_mirror.at(mirror_point(point, width)))
        error = np.linalg.norm(mirror_landmarks68(original, width) - redone, axis=1).mean() / eye_distance(redone)
        assert error < 0.08, (point, error)


# ----- gender and age -----


def genders(model: AgeGenderModel, photo: Photo, tta: bool) -> list[str]:
    return [r.gender for r in model.predict_many(photo.image, photo.faces, tta=tta)]


def test_gender_solvay_all_29(photos: dict[str, Photo], age_gender: AgeGenderModel) -> None:
    solvay = photos["solvay"]
    results = age_gender.predict_many(solvay.image, solvay.faces)
    curie = next(i for i, face in enumerate(solvay.faces) if face is solvay.at(CURIE))
    expected = ["female" if i == curie else "male" for i in range(29)]
    assert [r.gender for r in results] == expected
    ages = [r.age for r in results]
    print(f"\nSolvay ages: mean {np.mean(ages):.1f}, min {min(ages):.1f}, max {max(ages):.1f}")


def test_gender_tom_hanks(photos: dict[str, Photo], age_gender: AgeGenderModel) -> None:
    result = age_gender.predict(photos["Tom"].image, photos["Tom"].faces[0])
    assert result.gender == "male" and result.confidence > 0.8
    assert 25 < result.age < 55  # an independent estimator reads 35-38


def test_gender_t1_and_the_turned_man(t1: Photo, age_gender: AgeGenderModel) -> None:
    faces = [t1.at(point) for point, _ in T1.values()]
    truth = [gender for _, gender in T1.values()]
    improved = age_gender.predict_many(t1.image, faces)
    raw = age_gender.predict_many(t1.image, faces, tta=False)
    correct = sum(r.gender == g for r, g in zip(improved, truth, strict=True))
    raw_correct = sum(r.gender == g for r, g in zip(raw, truth, strict=True))
    print(f"\nt1 gender: raw {raw_correct}/6, improved {correct}/6")
    print("t1 ages:", {name: round(r.age, 1) for name, r in zip(T1, improved, strict=True)})
    assert correct >= 5 and correct >= raw_correct
    # The raw model calls this man, turned ~50 degrees, female; grey chips + views must not.
    assert improved[list(T1).index("joey")].gender == "male"
    assert all(0.5 <= r.confidence <= 1.0 for r in improved)


def test_age_orders_groups(photos: dict[str, Photo], age_gender: AgeGenderModel) -> None:
    """No accuracy claim (old faces read young), but 1927 physicists must read older than the Friends cast."""
    t1_ages = [r.age for r in age_gender.predict_many(photos["t1"].image, photos["t1"].faces)]
    solvay_ages = [r.age for r in age_gender.predict_many(photos["solvay"].image, photos["solvay"].faces)]
    assert all(15 < a < 45 for a in t1_ages), t1_ages
    assert np.mean(solvay_ages) > np.mean(t1_ages) + 10


# ----- identity -----


def test_identity_mirror_same_person_and_t1_all_different(
    t1: Photo, t1_mirror: Photo, embedder: EmbeddingModel
) -> None:
    width = t1.image.shape[1]
    points = [point for point, _ in T1.values()]
    vectors = embedder.embed_many(t1.image, [t1.at(p) for p in points])
    mirrored = embedder.embed_many(t1_mirror.image, [t1_mirror.at(mirror_point(p, width)) for p in points])
    assert all(v.shape == (128,) for v in vectors)
    same = [identity_distance(a, b) for a, b in zip(vectors, mirrored, strict=True)]
    different = [identity_distance(vectors[i], vectors[j]) for i, j in itertools.combinations(range(6), 2)]
    print(f"\nmirror distances {np.round(same, 3)}; closest different pair {min(different):.3f}")
    assert max(same) < 0.6
    assert len(different) == 15 and min(different) > 0.6


# ----- pose -----


def project(rvec: tuple[float, float, float], tvec: tuple[float, float, float], shape: tuple[int, int]) -> np.ndarray:
    """68 landmarks of the generic face seen with rotation `rvec` at `tvec` (unused points stay at 0)."""
    points, _ = cv2.projectPoints(MODEL_POINTS, np.array(rvec, float), np.array(tvec, float), _camera(shape), None)
    out = np.zeros((68, 2))
    out[MODEL_INDICES] = points.reshape(-1, 2)
    return out


@pytest.mark.parametrize(
    ("rvec", "expected"),
    [
        ((0.0, -np.radians(30), 0.0), (30, 0, 0)),  # nose swings to the image's right
        ((np.radians(-20), 0.0, 0.0), (0, 20, 0)),  # chin up
        ((0.0, 0.0, np.radians(15)), (0, 0, 15)),  # clockwise on screen
    ],
)
def test_pose_sign_conventions(rvec: tuple[float, float, float], expected: tuple[float, float, float]) -> None:
    pose = estimate_pose(project(rvec, (0, 0, 900), (1000, 1000)), (1000, 1000))
    assert np.allclose((pose.yaw, pose.pitch, pose.roll), expected, atol=1.0), pose


def test_pose_is_relative_to_the_ray_to_the_face() -> None:
    """A face near the corner that looks straight into the lens is frontal, whatever the optical axis says."""
    tvec = np.array([350.0, -300.0, 900.0])
    ray = tvec / np.linalg.norm(tvec)
    axis = np.cross([0.0, 0.0, 1.0], ray)
    rvec = axis / np.linalg.norm(axis) * np.arccos(ray[2])  # turns the face's forward axis onto the ray
    pose = estimate_pose(project(tuple(rvec), tuple(tvec), (1000, 1000)), (1000, 1000))
    assert np.allclose((pose.yaw, pose.pitch, pose.roll), 0, atol=1.0), pose


def test_pose_t1_turned_frontal_and_mirror(t1: Photo, t1_mirror: Photo, landmarks: LandmarkModel) -> None:
    width = t1.image.shape[1]
    yaw, mirrored_yaw = {}, {}
    for name, (point, _) in T1.items():
        yaw[name] = estimate_pose(landmarks.predict(t1.image, t1.at(point)), t1.image.shape).yaw
        face = t1_mirror.at(mirror_point(point, width))
        mirrored_yaw[name] = estimate_pose(landmarks.predict(t1_mirror.image, face), t1.image.shape).yaw
    print("\nt1 yaw:", {k: round(v, 1) for k, v in yaw.items()})
    assert all(yaw[n] < -25 for n in TURNED), yaw  # both turn towards the image's left
    assert all(abs(yaw[n]) < 20 for n in FRONTAL), yaw
    assert -35 < yaw["chandler"] < -10, yaw
    for name in T1:
        assert abs(yaw[name] + mirrored_yaw[name]) < 6, (name, yaw[name], mirrored_yaw[name])
        if abs(yaw[name]) > 5:
            assert np.sign(mirrored_yaw[name]) == -np.sign(yaw[name])


# ----- skin -----


def srgb_to_lab(rgb: tuple[int, int, int]) -> np.ndarray:
    """Textbook sRGB (D65) -> CIELAB, written out here so the test does not trust OpenCV's conversion."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_skin_ignores_eyes_brows_mouth_and_measures_ita(t1: Photo, landmarks: LandmarkModel) -> None:
    points = landmarks.predict(t1.image, t1.at(T1["ross"][0]))
    colour = (224, 172, 140)
    canvas = np.empty_like(t1.image)
    canvas[:] = colour
    # Features painted in loud colours must not reach the measurement.
    for part, paint in ((slice(36, 42), (0, 0, 255)), (slice(42, 48), (0, 0, 255)), (slice(17, 27), (20, 10, 5))):
        cv2.fillPoly(canvas, [cv2.convexHull(np.rint(points[part]).astype(np.int32))], paint)
    cv2.fillPoly(canvas, [np.rint(points[48:60]).astype(np.int32)], (255, 0, 0))
    skin = estimate_skin(canvas, points)
    lightness, _, b = srgb_to_lab(colour)
    assert skin.rgb == colour
    assert skin.ita == pytest.approx(np.degrees(np.arctan((lightness - 50) / b)), abs=0.5)
    assert skin.category == ita_category(skin.ita)


def test_skin_t1_light_and_grey_photos_unknown(photos: dict[str, Photo], landmarks: LandmarkModel) -> None:
    t1 = photos["t1"]
    tones = [estimate_skin(t1.image, landmarks.predict(t1.image, f)) for f in t1.faces]
    print("\nt1 ITA:", [round(t.ita, 1) for t in tones])
    assert all(t.ita > 28 and t.category in ("very light", "light", "intermediate") for t in tones), tones
    for key in ("solvay", "Tom"):
        photo = photos[key]
        for face in photo.faces[:5]:
            assert estimate_skin(photo.image, landmarks.predict(photo.image, face)).category == "unknown"


def side_of_line(a: np.ndarray, b: np.ndarray, q: np.ndarray) -> float:
    """+1 or -1: which side of the line a->b the point q is on (2-D cross product)."""
    return float(np.sign((b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0])))


def test_skin_regions_stay_on_the_face(t1: Photo, landmarks: LandmarkModel) -> None:
    for face in t1.faces:
        points = landmarks.predict(t1.image, face)
        outline = cv2.convexHull(points[:27].astype(np.float32))  # jaw and brows
        *cheeks, forehead = skin_regions(points)
        for corner in np.vstack(cheeks):
            assert cv2.pointPolygonTest(outline, tuple(map(float, corner)), False) >= 0
        # The forehead lies beyond the brow line, on the side away from the nose (faces here roll up to ~35 deg).
        assert all(
            side_of_line(points[19], points[24], c) == -side_of_line(points[19], points[24], points[30])
            for c in forehead
        )


def test_ita_bands() -> None:
    assert [ita_category(v) for v in (60, 50, 30, 20, 0, -40)] == [
        "very light",
        "light",
        "intermediate",
        "tan",
        "brown",
        "dark",
    ]

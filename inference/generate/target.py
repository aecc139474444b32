"""What a donor face must look like, and how close is close enough.

A target comes from a measured face in the user's photo (`TargetSpec.from_face`) or is written by hand. Every
value is on the ruler of our own estimators, so a donor "matches" when the same estimators read the same values
on it. `None` means "anything"; the generator then holds that attribute where the sampled face had it.
"""

from __future__ import annotations

from dataclasses import dataclass

from inference.generate.expression import mouth_open, smile
from inference.types import Face, Gender

# Gender is steered on the log-odds of "male": +-3 is p = 0.95, a clear reading without pushing to caricature.
GENDER_LOGIT = 3.0
# Acceptance: the measured gender must agree with at least this probability.
GENDER_CONFIDENCE = 0.7
# Glasses-score levels (see inference.generate.glasses): on 80 generated faces every one of the 14 with glasses
# scored >= 3.0 and 64 of the 66 without scored < 2.6. A donor is "clear" below CLEAR, "wears glasses" above VISIBLE.
GLASSES_CLEAR, GLASSES_VISIBLE = 2.6, 3.0


@dataclass(frozen=True)
class TargetSpec:
    gender: Gender | None = None
    age: float | None = None  # years, as our age model reads it
    yaw: float | None = None  # degrees, inference.types.Pose convention
    pitch: float | None = None
    smile: float | None = None  # inference.generate.expression units
    mouth_open: float | None = None
    ita: float | None = None  # skin ITA angle, degrees
    glasses: bool = False

    @classmethod
    def from_face(cls, face: Face) -> TargetSpec:
        """The donor a measured face asks for. Skin of a grey photo has no colour to match ("unknown")."""
        ita = None if face.skin.category == "unknown" else face.skin.ita
        return cls(
            gender=face.gender,
            age=face.age,
            yaw=face.pose.yaw,
            pitch=face.pose.pitch,
            smile=smile(face.landmarks68),
            mouth_open=mouth_open(face.landmarks68),
            ita=ita,
        )

    def wanted(self) -> dict[str, float]:
        """Target label values for the attributes that have one (glasses are handled by the generator)."""
        values: dict[str, float | None] = {
            "age": self.age,
            "male": None if self.gender is None else (GENDER_LOGIT if self.gender == "male" else -GENDER_LOGIT),
            "yaw": self.yaw,
            "pitch": self.pitch,
            "smile": self.smile,
            "mouth_open": self.mouth_open,
            "ita": self.ita,
        }
        return {k: v for k, v in values.items() if v is not None}


def tolerance(name: str, value: float) -> float:
    """How far a measured donor may be from the wanted value and still match (also the steering weight)."""
    if name == "age":
        return 3.0 + 0.1 * value  # the age model's own spread grows with age; 6 -> +-3.6, 70 -> +-10
    fixed = {"male": 1.0, "yaw": 7.0, "pitch": 8.0, "smile": 0.06, "mouth_open": 0.06, "ita": 10.0, "glasses": 0.6}
    return fixed[name]

"""What we know about one detected face: each model or measurement behind one small class or function.

Each piece takes the RGB image plus the detection or the 68 landmarks, so the caller decides what to compute.
"""

from inference.attributes.age_gender import AgeGender, AgeGenderModel
from inference.attributes.embedding import EmbeddingModel, identity_distance
from inference.attributes.landmarks import LandmarkModel, hog_box, mirror_landmarks68
from inference.attributes.pose import estimate_pose
from inference.attributes.skin import estimate_skin, ita_category

__all__ = [
    "AgeGender",
    "AgeGenderModel",
    "EmbeddingModel",
    "LandmarkModel",
    "estimate_pose",
    "estimate_skin",
    "hog_box",
    "identity_distance",
    "ita_category",
    "mirror_landmarks68",
]

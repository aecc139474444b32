"""The portable aging engine: the classic forensic shape-and-texture transform, driven by age prototypes.

For a face at age a aged to age b: its landmarks move by the prototype shape change C_shape(b) - C_shape(a)
(craniofacial growth: the lower face lengthens, the nose grows, the eyes sit relatively higher), the face is
warped onto the new layout, and the prototype skin change C_tex(b) - C_tex(a), defined on a shape-free face, is
warped onto the same layout and added in CIELAB; the person's own fine skin structure is rescaled by the
prototype change of its local amplitude (`detail`). The person's own pixels stay underneath, which is what keeps
identity; the added change is an average over many generated people, which is what limits how "individual"
the new wrinkles, stubble or brows can look.
"""

from __future__ import annotations

import cv2
import numpy as np

from inference.aging.base import AgedFace, AlignedFace
from inference.aging.calibrate import engine_target, table_for
from inference.aging.detail import rescale_detail
from inference.aging.morph import morph
from inference.aging.prototypes import AgePrototypes
from inference.swap.color import is_grayscale


class PrototypeAgeEditor:
    name = "prototype"

    def __init__(
        self,
        prototypes: AgePrototypes,
        shape_gain: float = 1.0,
        texture_gain: float = 1.0,
        detail_gain: float = 1.0,
        calibrated: bool = True,
    ) -> None:
        self.prototypes = prototypes
        self.calibrated = calibrated
        self.shape_gain = shape_gain
        self.texture_gain = texture_gain
        self.detail_gain = detail_gain

    def edit(self, face: AlignedFace, target_age: float) -> AgedFace:
        size = face.size
        goal = self.engine_target(face.age, target_age)
        shape, texture, detail = self.prototypes.delta(face.age, goal, face.p_male)
        new = np.asarray(face.landmarks68, np.float64) + self.shape_gain * shape * size
        moved = morph(face.image, face.landmarks68, new)
        lab = cv2.cvtColor(moved.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        # One warp for both shape-free changes: four channels, the limit of cv2.remap.
        warped = self._on_face(np.concatenate([texture, detail[..., None]], axis=2), new, size)
        change, gain = warped[..., :3], warped[..., 3]
        if self.detail_gain:
            lab[..., 0] = rescale_detail(lab[..., 0], self.detail_gain * gain, size / self.prototypes.texture_size)
        if is_grayscale(face.image):
            change[..., 1:] = 0.0  # a grey photo stays grey
        lab += self.texture_gain * change
        lab[..., 0] = np.clip(lab[..., 0], 0.0, 100.0)
        rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) * 255.0
        return AgedFace(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), new)

    def engine_target(self, age: float, target: float) -> float:
        """The prototype age to aim at so our estimator reads `target` (see `calibrate`); only for aging."""
        if not self.calibrated or target <= age:
            return target
        return engine_target(table_for(self.prototypes.calibration, age), target)

    def _on_face(self, change: np.ndarray, landmarks: np.ndarray, size: int) -> np.ndarray:
        """A shape-free (T, T, C) change warped onto `landmarks` in a frame of `size` pixels."""
        t = self.prototypes.texture_size
        src = self.prototypes.mean_shape * t
        warped = morph(np.ascontiguousarray(change, np.float32), src, landmarks * (t / size), out_size=size)
        return warped.reshape(size, size, -1)

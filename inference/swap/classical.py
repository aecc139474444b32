"""Classical CPU face swap: landmark warp to the donor's feature layout, colour, light, sharpness and grain
matching, feathered alpha. No neural network beyond the landmarks the caller brings."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference.patch import Patch
from inference.swap.base import SwapResult, composite
from inference.swap.color import match_colour
from inference.swap.expression import keep_eye_openings
from inference.swap.geometry import apply_affine, fit_affine, fit_similarity, hybrid_layout
from inference.swap.landmarks import INNER, face_size, forehead, mirror, turn_ratio
from inference.swap.mask import feathered_mask
from inference.swap.skin import gate
from inference.swap.texture import match_texture
from inference.swap.warp import piecewise_affine, triangulate

_WARP_FOREHEAD = 1.0  # control points one eye-to-mouth distance above the brows keep the forehead rigid


@dataclass(frozen=True)
class ClassicalConfig:
    inner_weight: float = 1.0  # 1 = eyes/nose/mouth at the donor's proportions, 0 = at the target's
    affine_weight: float = 0.5  # 0 = align the donor by similarity only, 1 = full affine (takes foreshortening)
    mirror_to_pose: bool = True  # flip the donor when that brings its head turn closer to the target's
    keep_eye_expression: bool = True  # close the donor's eyes as far as the target's are closed
    mask_forehead: float = 0.5  # mask top, in eye-to-mouth distances above the brows
    mask_inset: float = 0.03  # mask outline pulled inside the jaw, fraction of face size
    feather: float = 0.045  # Gaussian sigma of the alpha edge, fraction of face size
    donor_oversample: float = 1.25  # donor shrunk to this × the target face size before warping
    skin_gate: bool = True  # lower alpha on the donor's hair/background and the target's fringe
    seed: int = 0  # grain is random but reproducible


def _region(points: np.ndarray, margin: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    x1, y1 = np.floor(points.min(axis=0) - margin).astype(int)
    x2, y2 = np.ceil(points.max(axis=0) + margin).astype(int) + 1
    h, w = shape
    return max(int(x1), 0), max(int(y1), 0), min(int(x2), w), min(int(y2), h)


def _shrink_donor(donor: np.ndarray, points: np.ndarray, goal_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Area-average the donor down to about the target's scale first: bilinear sampling of a 1024-px face
    into 50 px would alias (sparkling skin, broken hair lines)."""
    scale = goal_size / face_size(points)
    if scale >= 1.0:
        return donor, points
    h, w = donor.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(donor, size, interpolation=cv2.INTER_AREA)
    return small, points * np.array([size[0] / w, size[1] / h])


def _outer_frame(w: int, h: int, pad: float) -> np.ndarray:
    """Eight points on a rectangle beyond the crop, so every crop pixel lies inside some triangle."""
    xs, ys = (-pad, w / 2, w + pad), (-pad, h / 2, h + pad)
    return np.array([(x, y) for y in ys for x in xs if not (x == w / 2 and y == h / 2)], dtype=np.float64)


class ClassicalSwapper:
    name = "classical"

    def __init__(self, config: ClassicalConfig | None = None) -> None:
        self.config = config or ClassicalConfig()

    def swap(
        self,
        target: np.ndarray,
        target_landmarks68: np.ndarray,
        donor: np.ndarray,
        donor_landmarks68: np.ndarray,
    ) -> SwapResult:
        cfg = self.config
        t_pts = np.asarray(target_landmarks68, dtype=np.float64)
        size = face_size(t_pts)
        outline = np.concatenate([t_pts, forehead(t_pts, cfg.mask_forehead)])
        box = _region(outline, 3.5 * cfg.feather * size + 2, target.shape[:2])
        x1, y1, x2, y2 = box
        if x2 - x1 < 2 or y2 - y1 < 2:  # face entirely outside the picture: nothing to replace
            return SwapResult(target, Patch.empty())

        crop = np.ascontiguousarray(target[y1:y2, x1:x2])
        t_local = t_pts - (x1, y1)
        d_img, d_pts = self._prepare_donor(donor, np.asarray(donor_landmarks68, np.float64), t_pts)
        face = self._warp_donor(d_img, d_pts, t_local, (x2 - x1, y2 - y1))

        alpha = feathered_mask(t_local, crop.shape[:2], cfg.mask_forehead, cfg.mask_inset, cfg.feather)
        if cfg.skin_gate:
            alpha = gate(alpha, face, crop, t_local, 0.5 * cfg.feather * size)
        face = match_colour(face, crop, alpha)
        face = match_texture(face, crop, alpha, cfg.seed)

        return SwapResult(target, Patch(composite(crop, face, alpha), alpha.astype(np.float32), box))

    def _prepare_donor(self, donor: np.ndarray, d_pts: np.ndarray, t_pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mirror the donor if its head turns the other way (its identity does not care), then shrink it."""
        t_turn, d_turn = turn_ratio(t_pts), turn_ratio(d_pts)
        if self.config.mirror_to_pose and abs(t_turn + d_turn) < abs(t_turn - d_turn):
            donor, d_pts = mirror(donor, d_pts)
        return _shrink_donor(donor, d_pts, self.config.donor_oversample * face_size(t_pts))

    def _warp_donor(
        self, donor: np.ndarray, d_pts: np.ndarray, t_pts: np.ndarray, out_size: tuple[int, int]
    ) -> np.ndarray:
        """Donor warped into crop coordinates: inner features at the donor's proportions, outline at the target's."""
        k = self.config.affine_weight
        align = (1 - k) * fit_similarity(d_pts[INNER], t_pts[INNER]) + k * fit_affine(d_pts[INNER], t_pts[INNER])
        layout = hybrid_layout(t_pts, apply_affine(align, d_pts), self.config.inner_weight)
        if self.config.keep_eye_expression:
            layout = keep_eye_openings(layout, t_pts)
        inverse = cv2.invertAffineTransform(align)
        frame_dst = _outer_frame(*out_size, pad=0.25 * face_size(t_pts))
        src = np.concatenate([d_pts, forehead(d_pts, _WARP_FOREHEAD), apply_affine(inverse, frame_dst)])
        dst = np.concatenate([layout, forehead(layout, _WARP_FOREHEAD), frame_dst])
        return piecewise_affine(donor, src, dst, triangulate(dst), out_size, fallback=inverse)

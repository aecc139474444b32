"""The face sheet the bot shows after analysis, and the JPEG preview of a result.

Sheet layout (RGB, at most `width` wide): the photo, scaled to fit, with each face boxed and numbered by
`draw_faces`; below it a grid of square face crops, each captioned "number · M/F · age". The crops are cut from the
full-resolution photo, so even small faces in a group picture can be recognised and picked by number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inference.draw import PALETTE, draw_faces
from inference.types import Face

SHEET_WIDTH = 1280
CROP = 160  # side of one face tile, pixels
LABEL_H = 30
GAP = 8
BACKGROUND = (245, 245, 245)
TEXT = (20, 20, 20)
PREVIEW_MAX_SIDE = 2560  # Telegram shows photos at up to 2560 px on the long side


def render_sheet(rgb: np.ndarray, faces: Sequence[Face], *, width: int = SHEET_WIDTH) -> np.ndarray:
    """The photo with numbered boxes on top, a grid of labelled face crops below (nothing below when no faces)."""
    scale = min(1.0, width / rgb.shape[1], width / rgb.shape[0])
    photo = _resize(rgb, scale)
    scaled = [_scaled_face(f, scale) for f in faces]
    photo = draw_faces(photo, scaled, labels=[str(f.number) for f in faces])
    if not faces:
        return photo
    sheet_w = max(photo.shape[1], 4 * (CROP + GAP) + GAP)
    columns = max(1, (sheet_w - GAP) // (CROP + GAP))
    rows = -(-len(faces) // columns)
    grid_h = rows * (CROP + LABEL_H + GAP) + GAP
    canvas = Image.new("RGB", (sheet_w, photo.shape[0] + grid_h), BACKGROUND)
    canvas.paste(Image.fromarray(photo), ((sheet_w - photo.shape[1]) // 2, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=18)
    for k, face in enumerate(faces):
        row, col = divmod(k, columns)
        x = GAP + col * (CROP + GAP)
        y = photo.shape[0] + GAP + row * (CROP + LABEL_H + GAP)
        canvas.paste(Image.fromarray(face_crop(rgb, face.box, CROP)), (x, y))
        colour = PALETTE[k % len(PALETTE)]
        draw.rectangle((x, y, x + CROP - 1, y + CROP - 1), outline=colour, width=3)
        draw.rectangle((x, y + CROP, x + CROP - 1, y + CROP + LABEL_H - 2), fill=colour)
        label = f"{face.number} · {'M' if face.gender == 'male' else 'F'} · {face.age:.0f}"
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        tx = x + (CROP - (right - left)) // 2 - left
        ty = y + CROP + (LABEL_H - 1 - (bottom - top)) // 2 - top
        draw.text((tx, ty), label, fill=TEXT, font=font)
    return np.asarray(canvas)


def face_crop(rgb: np.ndarray, box: Sequence[float] | np.ndarray, size: int, margin: float = 0.35) -> np.ndarray:
    """A square `size`×`size` crop around `box` with `margin` (fraction of the box side) on each side;
    outside the photo is filled with the sheet background."""
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1) * (1 + 2 * margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = round(cx - side / 2), round(cy - side / 2)
    side_px = max(1, round(side))
    tile = np.empty((side_px, side_px, 3), np.uint8)
    tile[:] = BACKGROUND
    h, w = rgb.shape[:2]
    sx1, sy1 = max(0, left), max(0, top)
    sx2, sy2 = min(w, left + side_px), min(h, top + side_px)
    if sx2 > sx1 and sy2 > sy1:
        tile[sy1 - top : sy2 - top, sx1 - left : sx2 - left] = rgb[sy1:sy2, sx1:sx2]
    return np.asarray(Image.fromarray(tile).resize((size, size), Image.Resampling.LANCZOS))


def preview(rgb: np.ndarray, max_side: int = PREVIEW_MAX_SIDE) -> np.ndarray:
    """`rgb` scaled down (never up) so its long side is at most `max_side`: what a chat shows as a photo."""
    return _resize(rgb, min(1.0, max_side / max(rgb.shape[:2])))


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS))


def _scaled_face(face: Face, scale: float) -> Face:
    return dataclasses.replace(face, box=np.asarray(face.box) * scale, landmarks5=np.asarray(face.landmarks5) * scale)

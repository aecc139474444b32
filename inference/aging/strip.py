"""The labelled strip a user sees first: the original face, then the same face at each target age.

Every tile is cut around the same photo box (with room for a chin that grew), so the faces line up and only the
face changes from tile to tile. Each tile carries two caption lines: what was asked ("age 20") and what our own
estimator reads on the result, so nobody mistakes a projection for a measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inference.sheet import face_crop

TILE = 224
CAPTION_H = 48
GAP = 8
BACKGROUND = (245, 245, 245)
TEXT = (20, 20, 20)
MUTED = (90, 90, 90)
ORIGINAL_COLOUR = (70, 70, 70)
AGED_COLOUR = (40, 110, 200)


@dataclass(frozen=True)
class Tile:
    image: np.ndarray  # the full photo (original or one result)
    title: str  # "original" / "age 20"
    detail: str  # "reads 7" / "reads 24 · id 0.41"


def render_strip(tiles: Sequence[Tile], box: np.ndarray, tile: int = TILE, margin: float = 0.45) -> np.ndarray:
    """RGB strip: one captioned crop per tile, left to right, all cut around `box` (x1, y1, x2, y2)."""
    width = len(tiles) * (tile + GAP) + GAP
    canvas = Image.new("RGB", (width, tile + CAPTION_H + 2 * GAP), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    title_font, detail_font = ImageFont.load_default(size=20), ImageFont.load_default(size=15)
    for k, t in enumerate(tiles):
        x = GAP + k * (tile + GAP)
        canvas.paste(Image.fromarray(face_crop(t.image, box, tile, margin)), (x, GAP))
        colour = ORIGINAL_COLOUR if k == 0 else AGED_COLOUR
        draw.rectangle((x, GAP, x + tile - 1, GAP + tile - 1), outline=colour, width=3)
        _centred(draw, t.title, x, GAP + tile + 4, tile, title_font, TEXT)
        _centred(draw, t.detail, x, GAP + tile + 27, tile, detail_font, MUTED)
    return np.asarray(canvas)


def _centred(draw: ImageDraw.ImageDraw, text: str, x: int, y: int, width: int, font, fill) -> None:  # type: ignore[no-untyped-def]
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    draw.text((x + (width - (right - left)) // 2 - left, y), text, fill=fill, font=font)

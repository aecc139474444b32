"""Draw numbered face boxes with short labels, for `nobody analyze --draw` and the bot's face sheet."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inference.types import Face

# Distinct colours that stay readable on skin, grey photos and dark backgrounds.
PALETTE = [(255, 64, 64), (64, 160, 255), (255, 200, 0), (0, 210, 120), (200, 90, 255), (255, 128, 0)]


def face_label(face: Face) -> str:
    return f"{face.number}: {'M' if face.gender == 'male' else 'F'} {face.age:.0f}"


def draw_faces(rgb: np.ndarray, faces: Sequence[Face], labels: Sequence[str] | None = None) -> np.ndarray:
    """A copy of `rgb` with each face boxed, its 5 landmarks dotted and a label above (default: number, sex, age)."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    scale = max(image.size) / 1000
    width = max(2, round(2 * scale))
    font = ImageFont.load_default(size=max(12, round(18 * scale)))
    for k, face in enumerate(faces):
        colour = PALETTE[k % len(PALETTE)]
        x1, y1, x2, y2 = (float(v) for v in face.box)
        draw.rectangle((x1, y1, x2, y2), outline=colour, width=width)
        r = max(1.5, width * 0.8)
        for x, y in face.landmarks5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        text = labels[k] if labels is not None else face_label(face)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tw, th = right - left, bottom - top
        ty = y1 - th - 2 * width if y1 - th - 2 * width >= 0 else y2 + width
        draw.rectangle((x1, ty, x1 + tw + 2 * width, ty + th + 2 * width), fill=colour)
        draw.text((x1 + width - left, ty + width - top), text, fill=(0, 0, 0), font=font)
    return np.asarray(image)

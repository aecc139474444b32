"""RGB array → file bytes, with no metadata at all: the one place that writes results back out.

Format: the input's format where that is sensible, otherwise the closest universal one —
- JPEG (and MPO) → JPEG; PNG → PNG; WebP → WebP.
- HEIF/HEIC and AVIF → JPEG: they are lossy photo formats like JPEG, but many viewers (Windows without extensions,
  most browsers for HEIC, Telegram previews) cannot show them, and encoding HEVC/AV1 is slow on a CPU.
- GIF, BMP, TIFF → PNG: lossless sources stay lossless; GIF's 256-colour palette would band a generated face.
- anything unknown → JPEG (every input here is a photo).

Privacy: the encoder is given a fresh image built from the array, so Pillow has no EXIF, GPS, XMP, ICC profile,
comment or text chunk to copy, and none is passed in. Orientation and colour profile were already applied to the
pixels by `load_image`, so nothing visible is lost. (JPEG keeps libjpeg's JFIF APP0 header: version and pixel
density only, nothing about the photo or its author.)

JPEG uses 4:2:0 chroma subsampling. Phone and camera JPEGs are 4:2:0 already, so re-encoding on the same chroma
grid loses almost nothing: on shared/images/t1.jpg at quality 92, 4:2:0 gave 173 kB at 49.4 dB PSNR against 234 kB
at 48.5 dB for 4:4:4. Skin, the content we generate, has little fine chroma detail for 4:4:4 to keep.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

_ALIASES = {"JPG": "JPEG", "MPO": "JPEG", "HEIC": "HEIF", "TIF": "TIFF"}
_OUTPUT = {
    **dict.fromkeys(("JPEG", "HEIF", "AVIF"), "JPEG"),
    **dict.fromkeys(("PNG", "GIF", "BMP", "TIFF"), "PNG"),
    "WEBP": "WEBP",
}
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
_CONTENT_TYPE = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_MAX_SIDE = {"JPEG": 65500, "WEBP": 16383, "PNG": 2**31 - 1}  # hard limits of the formats themselves
_PNG_COMPRESS_LEVEL = 3  # level 6 took 2.7x as long on a 6.5 MP photo for a file within ±7 % of level 3


def output_format(format: str) -> str:
    """The format `encode_image` writes for an input of `format`: "JPEG", "PNG" or "WEBP"."""
    name = format.strip().upper()
    return _OUTPUT.get(_ALIASES.get(name, name), "JPEG")


def suffix_for(format: str) -> str:
    """File suffix (with dot) of what `encode_image(rgb, format)` writes, e.g. "HEIF" → ".jpg"."""
    return _SUFFIX[output_format(format)]


def content_type_for(format: str) -> str:
    """MIME type of what `encode_image(rgb, format)` writes, e.g. "PNG" → "image/png"."""
    return _CONTENT_TYPE[output_format(format)]


def encode_image(rgb: np.ndarray, format: str, *, quality: int = 92) -> bytes:
    """Encode an RGB uint8 (H, W, 3) array as `output_format(format)` with no metadata; quality is for JPEG/WebP."""
    _check_array(rgb)
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be 1..100, got {quality}")
    out = output_format(format)
    height, width = rgb.shape[:2]
    if max(height, width) > _MAX_SIDE[out]:
        raise ValueError(f"{width}×{height} is larger than {out} can store ({_MAX_SIDE[out]} px per side)")
    image = Image.fromarray(np.ascontiguousarray(rgb))  # fresh: its info dict is empty, so no metadata can leak
    buffer = io.BytesIO()
    if out == "JPEG":
        image.save(buffer, "JPEG", quality=quality, subsampling="4:2:0", optimize=True)
    elif out == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(buffer, "PNG", compress_level=_PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _check_array(rgb: np.ndarray) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        shape = getattr(rgb, "shape", None)
        dtype = getattr(rgb, "dtype", type(rgb).__name__)
        raise ValueError(f"expected an RGB uint8 array of shape (H, W, 3), got {dtype} {shape}")
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError(f"cannot encode an empty image of shape {rgb.shape}")

"""Untrusted bytes → RGB image: the one gate every entry point (CLI, HTTP service, Telegram bot) goes through.

`load_image` reads JPEG (incl. MPO), PNG (incl. APNG), WebP, HEIF/HEIC, AVIF, GIF, BMP and TIFF into an RGB uint8
array (H, W, 3), C-contiguous and writable, as the photo should be *displayed*:
- Limits: bytes are counted before anything is parsed; pixels are counted from the header before any is decoded.
  Pillow's own bomb guard (error *and* warning) also ends as an ImageError, so its ceiling (~89 MP) caps max_pixels.
- Truncated files raise (Pillow's LOAD_TRUNCATED_IMAGES is forced off while we decode): a half-received photo must
  be refused, not grey-filled and processed.
- EXIF orientation (all 8) goes into the pixels. HEIF rotation is applied by libheif, which pillow_heif then marks
  as done, so nothing is rotated twice.
- A non-sRGB ICC profile (Display P3 from phones, Adobe RGB, CMYK press) is converted to sRGB: output carries no
  profile, so leaving it would shift colours. CMYK, 16-bit, int/float, palette, grey and 1-bit become RGB uint8;
  transparency is flattened onto white (a viewer's usual background), with a note when anything was transparent.
- Animations and multi-image files (GIF, APNG, WebP, AVIF, MPO, HEIF collections, TIFF pages): the first frame is
  used, with a note. It is what every viewer shows as the still; anonymising all frames would be video work.

Every failure is an `ImageError(ValueError)`: `code` for callers, a message fit for users. Codes: empty,
too_large_bytes, too_many_pixels, truncated, corrupt, not_an_image, unsupported, unreadable.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

# Thumbnails, depth maps and auxiliary images are never used; not registering them keeps HEIF parsing lean.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Pillow can open ~40 formats; exotic decoders are attack surface with no benefit for photos.
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "AVIF", "HEIF", "GIF", "BMP", "TIFF")
_ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP", "AVIF"})
# Counting frames of these walks the whole file (a hostile GIF with 10^6 tiny frames takes seconds): don't count.
_UNCOUNTED_FRAMES = frozenset({"GIF", "TIFF"})
_FRIENDLY_LIST = "JPEG, PNG, WebP, HEIC or AVIF"
_ORIENTATION_TAG = 0x0112

Source = bytes | bytearray | memoryview | str | os.PathLike[str]


class ImageError(ValueError):
    """Why an upload cannot be used; `str(error)` is a message fit to show the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LoadedImage:
    rgb: np.ndarray  # (H, W, 3) uint8, C-contiguous, orientation applied
    format: str  # the file's format as Pillow names it ("JPEG", "PNG", "WEBP", "HEIF", "AVIF", "GIF", ...)
    notes: list[str] = field(default_factory=list)  # what was changed on the way, in plain words

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def load_image(data: Source, *, max_pixels: int, max_bytes: int) -> LoadedImage:
    """Decode an untrusted upload (bytes or a file path) into a displayed-orientation RGB image; see module doc."""
    raw = _read_limited(data, max_bytes)
    image = _open(raw, max_pixels)
    try:
        fmt = "JPEG" if image.format == "MPO" else str(image.format)  # MPO is a JPEG with extra images appended
        notes = [note for note in (_frames_note(image, fmt), _depth_note(image)) if note]  # before load() clears tiles
        _decode(image, raw)
        rgb = _to_rgb(image, notes)
        orientation = _orientation(image)
    finally:
        image.close()
    if orientation != 1:
        rgb = _ORIENT[orientation](rgb)
        notes.append(f"EXIF orientation {orientation} applied")
    if not (rgb.flags.c_contiguous and rgb.flags.writeable):
        rgb = np.array(rgb, dtype=np.uint8, order="C")
    return LoadedImage(rgb=rgb, format=fmt, notes=notes)


# --- bytes in ---------------------------------------------------------------------------------------------------


def _read_limited(data: Source, max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        _check_size(memoryview(data).nbytes, max_bytes)
        return bytes(data)
    path = Path(data)
    try:
        _check_size(path.stat().st_size, max_bytes)  # before reading a byte
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise ImageError("unreadable", f"The file {path.name!r} could not be read.") from exc
    _check_size(len(raw), max_bytes)
    return raw


def _check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise ImageError("empty", "The file is empty.")
    if size > max_bytes:
        raise ImageError("too_large_bytes", f"The file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.")


# --- header -----------------------------------------------------------------------------------------------------

_OPEN_LOCK = threading.Lock()  # catch_warnings() swaps process-wide state; our own callers must not interleave


def _open(raw: bytes, max_pixels: int) -> Image.Image:
    """Parse the header only (Pillow opens lazily) and refuse images over the pixel limit."""
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            # Pillow only *warns* between 1x and 2x its limit; for untrusted input that must be a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("too_many_pixels", "The image has too many pixels to process safely.") from exc
    except UnidentifiedImageError as exc:
        raise _unidentified(raw) from exc
    except MemoryError:
        raise
    except Exception as exc:  # plugins raise OSError, ValueError, EOFError... on hostile headers
        # A decoder that accepted two magic bytes ("BM...") proves nothing; our stricter sniff decides.
        raise (_damaged(raw, exc) if _sniff(raw) in ACCEPTED_FORMATS else _unidentified(raw)) from exc
    width, height = image.size
    if width * height > max_pixels or width < 1 or height < 1:
        image.close()
        if width * height == 0:
            raise ImageError("corrupt", "The image has no pixels.")
        size = f"{width}×{height} = {width * height / 1e6:.1f}"
        raise ImageError("too_many_pixels", f"The image is {size} megapixels; the limit is {max_pixels / 1e6:.1f}.")
    return image


def _frames_note(image: Image.Image, fmt: str) -> str | None:
    if image.format in _UNCOUNTED_FRAMES:
        count = "several" if getattr(image, "is_animated", False) else None
    else:
        count = str(image.n_frames) if getattr(image, "n_frames", 1) > 1 else None
    if count is None:
        return None
    if image.format in _ANIMATED_FORMATS:
        return f"animated {fmt}: first of {count} frames used"
    return f"{fmt} holding {count} images: the first used"


def _depth_note(image: Image.Image) -> str | None:
    # Pillow reads 16-bit colour PNG/TIFF as 8-bit RGB(A), keeping the high byte; only the tiles' raw mode tells.
    rawmodes = [t.args[0] if isinstance(t.args, tuple) and t.args else t.args for t in image.tile]
    deep = image.mode in ("RGB", "RGBA") and any(isinstance(r, str) and ";16" in r for r in rawmodes)
    return "16-bit converted to 8-bit" if deep else None


# --- pixels -----------------------------------------------------------------------------------------------------

_strict_lock = threading.Lock()
_strict_users = 0
_saved_truncated_flag = False


@contextmanager
def _no_truncated_images() -> Iterator[None]:
    """Force Pillow's process-wide LOAD_TRUNCATED_IMAGES off while any of our decodes runs, then restore it.
    Counting users (not a plain save/restore) stops one of our threads restoring a True while another decodes."""
    global _strict_users, _saved_truncated_flag
    with _strict_lock:
        if _strict_users == 0:
            _saved_truncated_flag = ImageFile.LOAD_TRUNCATED_IMAGES
        _strict_users += 1
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        with _strict_lock:
            _strict_users -= 1
            if _strict_users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _saved_truncated_flag


def _decode(image: Image.Image, raw: bytes) -> None:
    try:
        with _no_truncated_images():
            image.load()
    except MemoryError:
        raise
    except Exception as exc:  # decoders report damage with OSError, ValueError, SyntaxError, EOFError...
        raise _damaged(raw, exc) from exc


def _to_rgb(image: Image.Image, notes: list[str]) -> np.ndarray:
    icc = image.info.get("icc_profile")
    mode = image.mode
    if mode == "CMYK":
        return np.asarray(_cmyk_to_rgb(image, icc, notes))
    if mode == "F" or mode.startswith("I"):
        gray = _wide_to_uint8(np.asarray(image), mode, notes)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgb = _flatten_alpha(image, notes)
    else:
        rgb = _convert(image, "RGB")
    if icc:
        rgb = _icc_to_srgb(rgb, icc, notes)
    return np.asarray(rgb)


def _convert(image: Image.Image, mode: str) -> Image.Image:
    if image.mode == mode:
        return image
    try:
        return image.convert(mode)
    except ValueError as exc:  # e.g. LAB or HSV TIFFs: Pillow has no direct conversion
        raise ImageError("unsupported", f"Images in colour mode {image.mode} are not supported.") from exc


def _flatten_alpha(image: Image.Image, notes: list[str]) -> Image.Image:
    rgba = _convert(image, "RGBA")  # also resolves palette / grey / colour-key transparency
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] == 255:
        return rgba.convert("RGB")  # an alpha channel with nothing transparent is not worth a note
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=alpha)  # paste with a mask is exactly "over" compositing onto white
    notes.append("transparent areas flattened onto white")
    return flat


def _wide_to_uint8(values: np.ndarray, mode: str, notes: list[str]) -> np.ndarray:
    """Grey images deeper than 8 bits: scale 16-bit by 255/65535; guess the range of 32-bit int and float data."""
    if mode.startswith("I;16"):
        notes.append("16-bit converted to 8-bit")
        return _scale(values, 65535.0)
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if mode == "F" and low >= 0.0 and high <= 1.0:
        notes.append("floating-point image (0..1) converted to 8-bit")
        return _scale(values, 1.0)
    if low >= 0.0 and high <= 255.0:
        return np.rint(values).astype(np.uint8)
    if mode == "I" and low >= 0.0 and high <= 65535.0:
        notes.append("16-bit converted to 8-bit")
        return _scale(values, 65535.0)
    notes.append(f"{mode} image with values {low:g}..{high:g} stretched to 8-bit")
    return _scale(values - low, max(high - low, 1e-12))


def _scale(values: np.ndarray, full: float) -> np.ndarray:
    return np.clip(np.rint(values.astype(np.float64) * (255.0 / full)), 0, 255).astype(np.uint8)


# --- colour profiles --------------------------------------------------------------------------------------------

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _profile(icc: bytes) -> ImageCms.ImageCmsProfile | None:
    try:
        return ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken profile is metadata damage, not a reason to refuse the photo


def _cmyk_to_rgb(image: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    profile = _profile(icc) if icc else None
    if profile is not None and profile.profile.xcolor_space.strip() == "CMYK":
        try:
            rgb = ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except ImageCms.PyCMSError:
            rgb = None
        if rgb is not None:
            notes.append(f"CMYK converted to RGB with colour profile '{profile.profile.profile_description}'")
            return rgb
    notes.append("CMYK converted to RGB without a colour profile (colours approximate)")
    return image.convert("RGB")


def _icc_to_srgb(rgb: Image.Image, icc: bytes, notes: list[str]) -> Image.Image:
    profile = _profile(icc)
    if profile is None or profile.profile.xcolor_space.strip() != "RGB":
        return rgb  # grey profiles and garbage: sRGB is the best guess anyway
    name = (profile.profile.profile_description or "").strip() or "unnamed"
    if "srgb" in name.lower():
        return rgb  # already what the output means; the transform would be an expensive near-identity
    try:
        converted = ImageCms.profileToProfile(rgb, profile, _SRGB, outputMode="RGB")
    except ImageCms.PyCMSError:
        notes.append(f"colour profile '{name}' could not be applied; colours may be off")
        return rgb
    notes.append(f"colour profile '{name}' converted to sRGB")
    return converted if converted is not None else rgb


# --- orientation ------------------------------------------------------------------------------------------------


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # malformed EXIF must not cost the user their photo; it only means "no rotation known"
        return 1
    return value if isinstance(value, int) and 2 <= value <= 8 else 1  # 0 and junk values are common: ignore


# Stored pixels → displayed pixels for each EXIF orientation (the tag says how the camera was held).
_ORIENT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],  # mirrored left-right
    3: lambda a: a[::-1, ::-1],  # rotated 180°
    4: lambda a: a[::-1],  # mirrored top-bottom
    5: lambda a: a.transpose(1, 0, 2),  # mirrored along the main diagonal
    6: lambda a: np.rot90(a, -1),  # needs 90° clockwise
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # mirrored along the anti-diagonal
    8: lambda a: np.rot90(a, 1),  # needs 90° counter-clockwise
}


# --- classifying failures ---------------------------------------------------------------------------------------


def _unidentified(raw: bytes) -> ImageError:
    kind = _sniff(raw)
    if kind in ACCEPTED_FORMATS:
        return _damaged(raw, None)
    name = kind or _identify_any(raw)
    if name:
        return ImageError("unsupported", f"{name} images are not supported. Please send {_FRIENDLY_LIST}.")
    return ImageError("not_an_image", f"This file is not an image. Please send a photo as {_FRIENDLY_LIST}.")


def _damaged(raw: bytes, exc: BaseException | None) -> ImageError:
    name = _sniff(raw) or "image"
    text = str(exc).lower() if exc else ""
    cut = isinstance(exc, EOFError) or "truncat" in text or "end of file" in text or _looks_cut(raw)
    if cut:
        return ImageError("truncated", f"The {name} file is incomplete (cut off, perhaps during upload).")
    return ImageError("corrupt", f"The {name} file is damaged and cannot be decoded.")


def _identify_any(raw: bytes) -> str | None:
    """Name a format Pillow knows but we refuse (PSD, ICO, TGA...), reading the header only, never the pixels."""
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(raw)) as image:
                return str(image.format)
    except Exception:  # anything unparseable simply is not an image we can name
        return None


_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG", b"GIF87a": "GIF", b"GIF89a": "GIF"}
_MAGIC |= {b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"\xff\x0a": "JPEG XL", b"\x00\x00\x00\x0cJXL \r\n\x87\n": "JPEG XL"}


def _sniff(raw: bytes) -> str | None:
    """What the first bytes claim the file is, independent of whether any decoder agrees."""
    name = next((name for magic, name in _MAGIC.items() if raw.startswith(magic)), None)
    if name:
        return name
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WEBP"
    if raw[4:8] == b"ftyp":
        brand = raw[8:12]
        return "AVIF" if brand in (b"avif", b"avis") else "HEIF" if brand in _HEIF_BRANDS else None
    # "BM" alone is too common at the start of text; also require a known BMP header size.
    if raw[:2] == b"BM" and int.from_bytes(raw[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "BMP"
    return None


def _looks_cut(raw: bytes) -> bool:
    """Does the container itself say more bytes should follow? (Decoders do not always say "truncated".)"""
    kind = _sniff(raw)
    if kind == "WEBP":
        return int.from_bytes(raw[4:8], "little") + 8 > len(raw)
    if kind in ("HEIF", "AVIF"):
        return _boxes_overrun(raw)
    if kind == "PNG":
        return b"IEND" not in raw[-12:]
    if kind == "JPEG":
        return not raw.rstrip(b"\x00").endswith(b"\xff\xd9")
    if kind == "GIF":
        return not raw.rstrip(b"\x00").endswith(b";")
    return False


def _boxes_overrun(raw: bytes) -> bool:
    """Walk the top-level ISO-BMFF boxes; a box reaching past the end means the file was cut."""
    pos = 0
    while pos + 8 <= len(raw):
        size = int.from_bytes(raw[pos : pos + 4], "big")
        if size == 1 and pos + 16 <= len(raw):
            size = int.from_bytes(raw[pos + 8 : pos + 16], "big")
        if size == 0:
            return False  # "extends to the end of the file"
        if size < 8 or pos + size > len(raw):
            return True
        pos += size
    return pos != len(raw)

"""The upload gate (inference/image_io.py) and the output writer (inference/image_out.py).

Every bad or unusual input is generated here, in memory or in tmp_path; the real photos are only read.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import load_rgb
from PIL import Image, ImageCms, ImageFile

from inference.image_io import ImageError, LoadedImage, load_image
from inference.image_out import content_type_for, encode_image, output_format, suffix_for

LIMITS = {"max_pixels": 60_000_000, "max_bytes": 50 * 1024 * 1024}
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


# --- helpers ----------------------------------------------------------------------------------------------------


def save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def load(data: bytes, **limits: int) -> LoadedImage:
    return load_image(data, **{**LIMITS, **limits})


def error_code(data: bytes | Path, **limits: int) -> str:
    with pytest.raises(ImageError) as caught:
        load_image(data, **{**LIMITS, **limits})
    assert str(caught.value), "the message is shown to users; it must not be empty"
    return caught.value.code


def smooth(height: int, width: int) -> Image.Image:
    """Photo-like content (gradients, a disc) that lossy codecs keep well, unlike noise."""
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    disc = ((x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.1).astype(float)
    rgb = np.stack([x * 200 + 40, y * 180 + 30, 80 + 120 * disc], axis=-1)
    return Image.fromarray(rgb.round().astype(np.uint8))


def noise(height: int = 96, width: int = 128, seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def quadrants(width: int = 64, height: int = 32) -> Image.Image:
    """Stored image with a distinct colour in each corner quadrant: top-left red, top-right green, bottom-left
    blue, bottom-right white. No two of the 8 EXIF orientations give the same picture."""
    a = np.zeros((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    a[:h, :w], a[:h, w:], a[h:, :w], a[h:, w:] = RED, GREEN, BLUE, WHITE
    return Image.fromarray(a)


def corner_colours(rgb: np.ndarray) -> list[tuple[int, ...]]:
    """Colour at the centre of each quadrant: top-left, top-right, bottom-left, bottom-right."""
    h, w = rgb.shape[:2]
    points = [(h // 4, w // 4), (h // 4, 3 * w // 4), (3 * h // 4, w // 4), (3 * h // 4, 3 * w // 4)]
    return [tuple(int(v) for v in rgb[y, x]) for y, x in points]


def assert_colour(actual: tuple[int, ...] | np.ndarray, expected: tuple[int, ...], tolerance: int = 10) -> None:
    diff = np.abs(np.asarray(actual, int) - np.asarray(expected, int))
    assert diff.max() <= tolerance, f"{tuple(actual)} != {expected}"


def jpeg_markers(data: bytes) -> list[int]:
    """Marker bytes of every segment before the image data (SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF, "segment must start with 0xFF"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    raise AssertionError("no SOS segment")


def png_chunk_types(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


def riff_chunk_types(data: bytes) -> list[bytes]:
    kinds, pos = [], 12
    while pos + 8 <= len(data):
        kinds.append(data[pos : pos + 4])
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += 8 + size + (size & 1)  # chunks are padded to an even size
    return kinds


# --- refusals ---------------------------------------------------------------------------------------------------


def test_empty_bytes_and_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert error_code(b"") == "empty"
    assert error_code(tmp_path / "empty.jpg") == "empty"


def test_byte_limit_is_checked_before_parsing(tmp_path: Path) -> None:
    # A valid image over the limit, and garbage over the limit: both refused for size, so nothing was parsed.
    assert error_code(save(noise(), "PNG"), max_bytes=1000) == "too_large_bytes"
    assert error_code(b"x" * 1001, max_bytes=1000) == "too_large_bytes"
    big = tmp_path / "big.jpg"
    with big.open("wb") as fh:
        fh.truncate(20 * 1024 * 1024)  # sparse: the size is known from stat() without reading
    assert error_code(big, max_bytes=1024 * 1024) == "too_large_bytes"


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert error_code(tmp_path / "nope.jpg") == "unreadable"
    assert error_code(tmp_path) == "unreadable"  # a directory


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is a plain text file\n" * 20,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        b"BM" + b" is a car brand, not a bitmap" * 10,
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(100),  # an MP4 video
    ],
    ids=["text", "pdf", "random", "bm-text", "mp4"],
)
def test_not_an_image(data: bytes) -> None:
    assert error_code(data) == "not_an_image"


@pytest.mark.parametrize(
    "data",
    [
        save(noise(32, 32), "ICO"),
        save(noise(), "PPM"),
        save(noise(), "TGA"),
        b"\xff\x0a" + bytes(200),  # JPEG XL codestream signature
    ],
    ids=["ico", "ppm", "tga", "jxl"],
)
def test_known_but_unsupported_format(data: bytes) -> None:
    assert error_code(data) == "unsupported"


TRUNCATABLE = [
    ("JPEG", {}),
    ("JPEG", {"progressive": True}),
    ("PNG", {}),
    ("GIF", {}),
    ("WEBP", {}),
    ("WEBP", {"lossless": True}),
    ("HEIF", {}),
    ("AVIF", {}),
    ("BMP", {}),
    ("TIFF", {}),
]


@pytest.mark.parametrize(
    "fmt,options", TRUNCATABLE, ids=[f + "".join(f"-{o}" for o in opts) for f, opts in TRUNCATABLE]
)
@pytest.mark.parametrize("keep", [0.6, 0.97])
def test_truncated_files_raise_instead_of_returning_half_an_image(fmt: str, options: dict, keep: float) -> None:
    data = save(noise(200, 300), fmt, **options)
    assert load(data).rgb.shape == (200, 300, 3)  # sanity: the whole file loads
    assert error_code(data[: int(len(data) * keep)]) == "truncated"


def test_truncated_header_is_truncated_not_garbage() -> None:
    data = save(noise(), "JPEG")
    assert error_code(data[:40]) == "truncated"


def test_truncation_refused_even_if_someone_enabled_pillows_flag() -> None:
    data = save(noise(), "JPEG")
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        assert error_code(data[: len(data) // 2]) == "truncated"
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True, "the process-wide flag must be restored"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_concurrent_decodes_keep_the_truncation_guard() -> None:
    whole = save(smooth(300, 400), "JPEG")
    inputs = [whole, whole[: len(whole) // 2]] * 12

    def outcome(data: bytes) -> str:
        try:
            return load(data).format
        except ImageError as error:
            return error.code

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            assert list(pool.map(outcome, inputs)) == ["JPEG", "truncated"] * 12
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_corrupt_png_data_is_corrupt() -> None:
    data = bytearray(save(noise(), "PNG"))
    data[60] ^= 0xFF  # inside IDAT: the CRC no longer matches
    assert error_code(bytes(data)) == "corrupt"


# --- decompression bombs ----------------------------------------------------------------------------------------


def bomb_png(width: int, height: int) -> bytes:
    # A header that claims a huge image, and a few bytes of real data: decoding would allocate width*height*3.
    return raw_png(width, height, 8, 2, zlib.compress(b"\x00" * 1000))


@pytest.fixture
def no_full_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Image.Image) -> None:
        raise AssertionError("a refused image must never be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize(
    "width,height,max_pixels",
    [
        (100_000, 100_000, 60_000_000),  # far beyond Pillow's own guard: its DecompressionBombError
        (10_000, 9_000, 200_000_000),  # between 1x and 2x Pillow's guard: Pillow only warns
        (5_000, 5_000, 1_000_000),  # under Pillow's guard, over ours
    ],
)
def test_pixel_bomb_refused_from_the_header(no_full_load: None, width: int, height: int, max_pixels: int) -> None:
    data = bomb_png(width, height)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert error_code(data, max_pixels=max_pixels) == "too_many_pixels"
    assert time.perf_counter() - start < 1.0
    assert not caught, "Pillow's DecompressionBombWarning must become the refusal, not escape as a warning"


def test_pixel_limit_message_names_the_size() -> None:
    with pytest.raises(ImageError, match="5000×5000"):
        load(bomb_png(5_000, 5_000), max_pixels=1_000_000)


def test_image_at_the_pixel_limit_loads() -> None:
    assert load(save(noise(100, 100), "PNG"), max_pixels=10_000).rgb.shape == (100, 100, 3)


# --- orientation ------------------------------------------------------------------------------------------------

# For each EXIF orientation: displayed corners (TL, TR, BL, BR) of the stored `quadrants()` image, and whether
# width and height swap. Derived from the EXIF definition of where the stored 0th row and column belong.
ORIENTATIONS = {
    1: ((RED, GREEN, BLUE, WHITE), False),
    2: ((GREEN, RED, WHITE, BLUE), False),
    3: ((WHITE, BLUE, GREEN, RED), False),
    4: ((BLUE, WHITE, RED, GREEN), False),
    5: ((RED, BLUE, GREEN, WHITE), True),
    6: ((BLUE, RED, WHITE, GREEN), True),
    7: ((WHITE, GREEN, BLUE, RED), True),
    8: ((GREEN, WHITE, RED, BLUE), True),
}


def with_orientation(fmt: str, orientation: int, **options: object) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(quadrants(), fmt, exif=exif.tobytes(), **options)  # bytes: pillow_heif writes irot only from bytes


def check_displayed(loaded: LoadedImage, orientation: int, tolerance: int = 12) -> None:
    corners, swapped = ORIENTATIONS[orientation]
    assert loaded.rgb.shape == ((64, 32, 3) if swapped else (32, 64, 3))
    for actual, expected in zip(corner_colours(loaded.rgb), corners, strict=True):
        assert_colour(actual, expected, tolerance)


@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_applied(fmt: str, orientation: int) -> None:
    loaded = load(with_orientation(fmt, orientation, quality=95))
    check_displayed(loaded, orientation)
    assert (f"EXIF orientation {orientation} applied" in loaded.notes) == (orientation != 1)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_container_rotation_applied_exactly_once(fmt: str, orientation: int) -> None:
    # HEIF/AVIF store rotation as irot/imir boxes. libheif applies it while decoding HEIF (and pillow_heif resets
    # the EXIF tag); Pillow reports AVIF's as an EXIF orientation for us to apply. Either way: exactly once.
    check_displayed(load(with_orientation(fmt, orientation, quality=95)), orientation, tolerance=30)


def test_heif_exif_orientation_without_irot_is_not_applied() -> None:
    # The HEIF spec makes the irot/imir boxes authoritative and a stray EXIF tag informational only.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = save(quadrants(), "HEIF", exif=exif, quality=95)  # an Exif object: pillow_heif writes no irot
    assert b"irot" not in data
    check_displayed(load(data), 1, tolerance=30)


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_invalid_orientation_ignored(value: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = value
    loaded = load(save(quadrants(), "JPEG", exif=exif, quality=95))
    check_displayed(loaded, 1)
    assert loaded.notes == []


# --- colour modes -----------------------------------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb() -> None:
    cyan = Image.new("CMYK", (40, 30), (255, 0, 0, 0))
    loaded = load(save(cyan, "JPEG", quality=95))
    assert loaded.rgb.shape == (30, 40, 3)
    assert_colour(loaded.rgb[15, 20], (0, 255, 255))
    assert any("CMYK" in note for note in loaded.notes)


def test_16bit_grey_png_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 64 * 48).round().astype(np.uint16).reshape(48, 64)
    loaded = load(save(Image.fromarray(ramp), "PNG"))
    expected = np.rint(ramp / 257.0)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.shape == (48, 64, 3)
    assert np.abs(loaded.rgb[:, :, 1].astype(int) - expected).max() <= 1
    assert loaded.rgb[-1, -1, 0] == 255 and loaded.rgb[0, 0, 0] == 0
    assert "16-bit converted to 8-bit" in loaded.notes


def test_16bit_colour_png_noted() -> None:
    values = np.random.default_rng(2).integers(0, 65536, (12, 16, 3), dtype=np.uint16)
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in values)
    loaded = load(raw_png(16, 12, 16, 2, zlib.compress(rows)))
    assert np.abs(loaded.rgb.astype(int) - (values >> 8)).max() <= 1
    assert "16-bit converted to 8-bit" in loaded.notes


def test_rgba_composited_on_white() -> None:
    a = np.zeros((20, 30, 4), np.uint8)
    a[:, :10] = (255, 0, 0, 255)  # opaque red
    a[:, 10:20] = (255, 0, 0, 128)  # half-transparent red
    a[:, 20:] = (0, 0, 0, 0)  # fully transparent black
    loaded = load(save(Image.fromarray(a, "RGBA"), "PNG"))
    assert_colour(loaded.rgb[10, 5], RED, 0)
    assert_colour(loaded.rgb[10, 15], (255, 127, 127), 1)
    assert_colour(loaded.rgb[10, 25], WHITE, 0)
    assert "transparent areas flattened onto white" in loaded.notes


def test_opaque_alpha_needs_no_note() -> None:
    loaded = load(save(Image.new("RGBA", (8, 8), (10, 20, 30, 255)), "PNG"))
    assert_colour(loaded.rgb[4, 4], (10, 20, 30), 0)
    assert loaded.notes == []


def test_grey_with_alpha() -> None:
    la = Image.new("LA", (8, 8), (0, 0))
    la.paste((100, 255), (0, 0, 4, 8))
    loaded = load(save(la, "PNG"))
    assert_colour(loaded.rgb[4, 1], (100, 100, 100), 0)
    assert_colour(loaded.rgb[4, 6], WHITE, 0)


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparency(fmt: str) -> None:
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.paste(1, (0, 0, 5, 10))
    loaded = load(save(palette, fmt, transparency=0))
    assert_colour(loaded.rgb[5, 2], RED, 0)
    assert_colour(loaded.rgb[5, 8], WHITE, 0)
    assert "transparent areas flattened onto white" in loaded.notes


def test_palette_without_transparency() -> None:
    loaded = load(save(noise().convert("P"), "PNG"))
    assert loaded.rgb.shape == (96, 128, 3) and loaded.notes == []


def test_grey_and_one_bit() -> None:
    assert_colour(load(save(Image.new("L", (8, 8), 77), "PNG")).rgb[3, 3], (77, 77, 77), 0)
    checker = (np.indices((8, 8)).sum(axis=0) % 2).astype(bool)
    rgb = load(save(Image.fromarray(checker), "PNG")).rgb
    assert set(np.unique(rgb).tolist()) == {0, 255}
    assert (rgb[:, :, 0] == np.where(checker, 255, 0)).all()


@pytest.mark.parametrize(
    "values,expected,noted",
    [
        (np.array([[0, 100, 255]], np.int32), [0, 100, 255], False),  # 8-bit data in a 32-bit container
        (np.array([[0, 32768, 65535]], np.int32), [0, 128, 255], True),  # 16-bit data
        (np.array([[-1000, 0, 1000]], np.int32), [0, 128, 255], True),  # anything else: stretched
    ],
)
def test_32bit_integer_tiff(values: np.ndarray, expected: list[int], noted: bool) -> None:
    loaded = load(save(Image.fromarray(values), "TIFF"))
    assert loaded.rgb[0, :, 0].tolist() == expected
    assert (loaded.rgb[0, :, 0] == loaded.rgb[0, :, 2]).all()
    assert bool(loaded.notes) == noted


def test_float_tiff() -> None:
    loaded = load(save(Image.fromarray(np.array([[0.0, 0.5, 1.0]], np.float32)), "TIFF"))
    assert loaded.rgb[0, :, 1].tolist() == [0, 128, 255]
    assert loaded.notes


def test_rgb_icc_profile_converted_to_srgb() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    renamed = srgb.replace("sRGB built-in".encode("utf-16-be"), "Test built-in".encode("utf-16-be"))
    image = noise()
    as_srgb = load(save(image, "PNG", icc_profile=srgb))
    converted = load(save(image, "PNG", icc_profile=renamed))
    assert as_srgb.notes == []  # sRGB is what we output: nothing to do
    assert "colour profile 'Test built-in' converted to sRGB" in converted.notes
    assert np.abs(converted.rgb.astype(int) - np.asarray(image)).max() <= 2  # an sRGB transform is an identity


def test_broken_icc_profile_does_not_cost_the_photo() -> None:
    loaded = load(save(noise(), "JPEG", icc_profile=b"not a profile at all" * 10))
    assert loaded.rgb.shape == (96, 128, 3)


# --- animation, other formats -----------------------------------------------------------------------------------


def frames() -> list[Image.Image]:
    return [Image.new("RGB", (24, 16), colour) for colour in (RED, GREEN, BLUE)]


@pytest.mark.parametrize(
    "fmt,note",
    [
        ("GIF", "animated GIF: first of several frames used"),
        ("PNG", "animated PNG: first of 3 frames used"),
        ("WEBP", "animated WEBP: first of 3 frames used"),
        ("AVIF", "animated AVIF: first of 3 frames used"),
        ("MPO", "JPEG holding 3 images: the first used"),  # phones' multi-picture JPEG; it reports as JPEG
    ],
)
def test_animation_uses_the_first_frame(fmt: str, note: str) -> None:
    first, *rest = frames()
    loaded = load(save(first, fmt, save_all=True, append_images=rest, duration=100, loop=0))
    assert loaded.rgb.shape == (16, 24, 3)
    assert_colour(loaded.rgb[8, 12], RED, 40 if fmt == "AVIF" else 10)
    assert note in loaded.notes
    assert loaded.format == ("JPEG" if fmt == "MPO" else fmt)


def test_multipage_tiff_uses_the_first_page() -> None:
    first, *rest = frames()
    loaded = load(save(first, "TIFF", save_all=True, append_images=rest))
    assert_colour(loaded.rgb[8, 12], RED, 0)
    assert "TIFF holding several images: the first used" in loaded.notes


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF", "WEBP", "BMP", "TIFF", "GIF"])
def test_other_formats_load(fmt: str) -> None:
    image = quadrants(96, 64)
    loaded = load(save(image, fmt, quality=95) if fmt in ("HEIF", "AVIF", "WEBP") else save(image, fmt))
    assert loaded.format == fmt
    assert loaded.rgb.shape == (64, 96, 3)
    assert np.abs(loaded.rgb.astype(int) - np.asarray(image)).mean() < 6


def test_heic_roundtrip_through_the_whole_pipeline() -> None:
    image = smooth(240, 320)
    loaded = load(save(image, "HEIF", quality=95))
    assert loaded.format == "HEIF"
    out = encode_image(loaded.rgb, loaded.format)
    assert output_format("HEIF") == "JPEG" and out[:3] == b"\xff\xd8\xff"
    back = load(out)
    assert back.rgb.shape == (240, 320, 3)
    assert np.abs(back.rgb.astype(int) - np.asarray(image)).mean() < 3


def test_input_types(tmp_path: Path) -> None:
    data = save(noise(), "PNG")
    (tmp_path / "a.png").write_bytes(data)
    results = [load(data), load(bytearray(data)), load(memoryview(data)), load_image(tmp_path / "a.png", **LIMITS)]
    results.append(load_image(str(tmp_path / "a.png"), **LIMITS))
    for loaded in results:
        assert loaded.format == "PNG"
        assert loaded.rgb.dtype == np.uint8 and loaded.rgb.flags.c_contiguous and loaded.rgb.flags.writeable
        assert (loaded.rgb == np.asarray(noise())).all()


def test_real_photos_load(images_dir: Path) -> None:
    files = sorted(p for p in images_dir.iterdir() if p.is_file()) if images_dir.is_dir() else []
    if not files:
        pytest.skip(f"no shared photos at {images_dir}")
    photos = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    assert photos
    for path in files:
        if path not in photos:
            assert error_code(path) == "not_an_image", path  # SHA256SUMS and the like
            continue
        loaded = load_image(path, **LIMITS)
        reference = load_rgb(path)  # OpenCV, an independent decoder
        assert loaded.rgb.shape == reference.shape, path
        assert np.abs(loaded.rgb.astype(int) - reference).mean() < 1.5, path


# --- output -----------------------------------------------------------------------------------------------------


def photo_with_metadata() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2024:01:02 03:04:05"  # DateTime
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 1.0)})
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>secret-xmp</rdf:RDF></x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return save(noise(90, 120), "JPEG", exif=exif, icc_profile=icc, comment=b"secret-comment", xmp=xmp)


def test_metadata_fixture_really_carries_metadata() -> None:
    data = photo_with_metadata()
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(0x8825)[1] == "N"
    assert 0xE1 in jpeg_markers(data) and 0xFE in jpeg_markers(data) and b"secret-xmp" in data


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_output_has_no_metadata(fmt: str) -> None:
    loaded = load(photo_with_metadata())
    assert loaded.rgb.shape == (120, 90, 3)  # orientation 6 went into the pixels
    out = encode_image(loaded.rgb, fmt)
    for secret in (b"SecretCam", b"secret-xmp", b"secret-comment", b"Exif", b"GPS", b"icc", b"xmp"):
        assert secret not in out
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == output_format(fmt)
        assert image.size == (90, 120)
        assert len(image.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
    if output_format(fmt) == "JPEG":
        assert [m for m in jpeg_markers(out) if 0xE0 <= m <= 0xEF or m == 0xFE] == [0xE0]  # JFIF only
    elif output_format(fmt) == "PNG":
        assert set(png_chunk_types(out)) <= {b"IHDR", b"IDAT", b"IEND"}
    else:
        assert set(riff_chunk_types(out)) <= {b"VP8 ", b"VP8L"}


def test_output_jpeg_is_420_and_close_to_input() -> None:
    rgb = np.asarray(smooth(480, 640))
    out = encode_image(rgb, "JPEG")
    with Image.open(io.BytesIO(out)) as image:
        assert [s[1:3] for s in image.layer] == [(2, 2), (1, 1), (1, 1)]  # luma sampled 2x2 per chroma sample
        decoded = np.asarray(image.convert("RGB"))
    assert np.abs(decoded.astype(int) - rgb).mean() < 2


@pytest.mark.parametrize("shape", [(1, 1), (37, 1001), (1001, 37), (480, 640)])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_sizes_preserved(fmt: str, shape: tuple[int, int]) -> None:
    rgb = np.random.default_rng(4).integers(0, 256, (*shape, 3), dtype=np.uint8)
    back = load(encode_image(rgb, fmt))
    assert back.rgb.shape == rgb.shape
    if fmt == "PNG":
        assert (back.rgb == rgb).all()  # lossless


def test_non_contiguous_input_encodes() -> None:
    rgb = np.asarray(quadrants())[:, ::-1]  # a mirrored view
    assert (load(encode_image(rgb, "PNG")).rgb == rgb).all()


@pytest.mark.parametrize(
    "given,written,suffix,mime",
    [
        ("JPEG", "JPEG", ".jpg", "image/jpeg"),
        ("jpg", "JPEG", ".jpg", "image/jpeg"),
        ("MPO", "JPEG", ".jpg", "image/jpeg"),
        ("PNG", "PNG", ".png", "image/png"),
        ("WEBP", "WEBP", ".webp", "image/webp"),
        ("HEIF", "JPEG", ".jpg", "image/jpeg"),
        ("heic", "JPEG", ".jpg", "image/jpeg"),
        ("AVIF", "JPEG", ".jpg", "image/jpeg"),
        ("GIF", "PNG", ".png", "image/png"),
        ("BMP", "PNG", ".png", "image/png"),
        ("TIFF", "PNG", ".png", "image/png"),
        ("SOMETHING", "JPEG", ".jpg", "image/jpeg"),
    ],
)
def test_output_format_choice(given: str, written: str, suffix: str, mime: str) -> None:
    assert output_format(given) == written
    assert suffix_for(given) == suffix
    assert content_type_for(given) == mime
    with Image.open(io.BytesIO(encode_image(np.zeros((4, 4, 3), np.uint8), given))) as image:
        assert image.format == written


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), np.uint8),
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((4, 4, 3), np.float32),
        np.zeros((0, 4, 3), np.uint8),
        [[[0, 0, 0]]],
    ],
    ids=["grey", "rgba", "float", "empty", "list"],
)
def test_encode_rejects_non_rgb_uint8(bad: object) -> None:
    with pytest.raises(ValueError):
        encode_image(bad, "PNG")  # type: ignore[arg-type]


def test_encode_rejects_bad_quality_and_oversize() -> None:
    with pytest.raises(ValueError, match="quality"):
        encode_image(np.zeros((4, 4, 3), np.uint8), "JPEG", quality=0)
    with pytest.raises(ValueError, match="larger than WEBP"):
        encode_image(np.zeros((1, 16384, 3), np.uint8), "WEBP")

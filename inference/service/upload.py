"""Reading a job request: multipart with an `image` file part and an optional `options` JSON part, within limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

MAX_OPTIONS_BYTES = 64 * 1024
FORM_OVERHEAD = MAX_OPTIONS_BYTES + 16 * 1024  # boundaries and part headers around the image
CHUNK = 256 * 1024


class ApiError(Exception):
    """A request refused before it reaches a job (bad form, too large), with its HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Upload:
    image: bytes
    options: dict[str, Any] | None


async def read_upload(request: web.Request, max_bytes: int) -> Upload:
    # Refuse by the declared length before reading a byte; a chunked or lying body is still cut off while read.
    if request.content_length is not None and request.content_length > max_bytes + FORM_OVERHEAD:
        raise _too_large(max_bytes)
    if request.content_type != "multipart/form-data":
        raise ApiError(400, "bad_request", "send multipart/form-data with an `image` file part")
    image: bytes | None = None
    options: dict[str, Any] | None = None
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            raise ApiError(400, "bad_request", "nested multipart is not supported")
        if part.name == "image":
            image = await _read_part(part, max_bytes, _too_large(max_bytes))
        elif part.name == "options":
            too_long = ApiError(400, "bad_options", f"options are limited to {MAX_OPTIONS_BYTES} bytes")
            options = _parse_options(await _read_part(part, MAX_OPTIONS_BYTES, too_long))
        # other parts are skipped: the reader drains them when moving on
    if image is None:
        raise ApiError(400, "missing_image", "the form has no `image` file part")
    if not image:
        raise ApiError(400, "empty", "The file is empty.")
    return Upload(image, options)


async def _read_part(part: BodyPartReader, limit: int, too_large: ApiError) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_options(raw: bytes) -> dict[str, Any]:
    try:
        options = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "bad_options", f"options are not valid JSON: {exc}") from None
    if not isinstance(options, dict):
        raise ApiError(400, "bad_options", "options must be a JSON object")
    return options


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, "too_large_bytes", f"The upload is over the limit of {max_bytes / 1e6:.1f} MB.")

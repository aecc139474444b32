"""Which image a message carries (photo or image file) and fetching it within Telegram's download limit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from telegram import Bot, Message
from telegram.error import BadRequest

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif", ".gif", ".bmp", ".tif", ".tiff"}
)


class NotAnImage(ValueError):
    """A document that is not an image file."""


class TooBig(ValueError):
    def __init__(self, size: int) -> None:
        super().__init__(f"file of {size} bytes is over the download limit")
        self.size = size


@dataclass(frozen=True)
class Incoming:
    message_id: int
    file_id: str
    file_size: int | None
    filename: str  # a name for the result file, without directories
    is_document: bool


def incoming_image(message: Message) -> Incoming:
    """The image in a photo or document message (largest photo size); NotAnImage for other files."""
    if message.photo:
        best = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return Incoming(message.message_id, best.file_id, best.file_size, "photo.jpg", False)
    doc = message.document
    if doc is None:
        raise NotAnImage("no photo or document")
    name = PurePath(doc.file_name or "image").name
    mime = (doc.mime_type or "").lower()
    if not (mime.startswith("image/") or PurePath(name).suffix.lower() in IMAGE_SUFFIXES):
        raise NotAnImage(mime or name)
    return Incoming(message.message_id, doc.file_id, doc.file_size, name, True)


async def download(bot: Bot, item: Incoming, limit: int) -> bytes:
    """The file's bytes; TooBig when Telegram reports (or refuses) a file over `limit`."""
    if item.file_size is not None and item.file_size > limit:
        raise TooBig(item.file_size)
    try:
        file = await bot.get_file(item.file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            raise TooBig(item.file_size or limit + 1) from None
        raise
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        raise TooBig(len(data))
    return data

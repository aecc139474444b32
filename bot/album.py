"""Albums arrive as one update per photo sharing a media_group_id; gather them into one request.

The first photo's handler waits until no new photo of the album has arrived for `quiet` seconds, then gets the
whole album (in message order); the others return None at once. Needs concurrent update processing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Album(Generic[T]):
    items: list[tuple[int, T]] = field(default_factory=list)
    last: float = 0.0


class AlbumCollector(Generic[T]):
    def __init__(self, quiet: float = 1.0) -> None:
        self.quiet = quiet
        self._albums: dict[str, _Album[T]] = {}

    async def collect(self, key: str, order: int, item: T) -> list[T] | None:
        album = self._albums.get(key)
        if album is not None:
            album.items.append((order, item))
            album.last = time.monotonic()
            return None
        album = _Album([(order, item)], time.monotonic())
        self._albums[key] = album
        try:
            while (left := album.last + self.quiet - time.monotonic()) > 0:
                await asyncio.sleep(left)
        finally:
            del self._albums[key]
        return [item for _, item in sorted(album.items, key=lambda pair: pair[0])]

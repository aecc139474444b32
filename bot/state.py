"""What the bot remembers between updates, all with a TTL: selections (sessions), their photos, the input a user
is expected to type next, preferences and the daily quota. Backed by `bot.kv` (Redis or memory)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import weakref
from dataclasses import asdict, dataclass, field
from typing import Literal

from bot.kv import KV

Kind = Literal["anon", "age"]
PREFS_TTL = 365 * 24 * 3600


@dataclass
class FaceInfo:
    number: int
    age: float
    gender: str  # "male" / "female"


@dataclass
class Session:
    """One photo in a conversation: its faces, the user's choices so far, and where its messages are."""

    sid: str
    kind: Kind
    owner: int  # Telegram user id of the person who sent the photo
    chat: int
    lang: str
    faces: list[FaceInfo] = field(default_factory=list)
    keep: list[int] = field(default_factory=list)
    page: int = 0
    mode: str = "replace"
    seed: int = 0
    sheet_message: int | None = None
    face: int | None = None  # aging: the chosen face
    targets: list[int] = field(default_factory=list)  # aging: target ages
    stage: str = "select"  # anon: select → running → done; age: pick_face → targets → running → done
    stem: str = "photo"  # the upload's file name without suffix, for the result file
    created: float = field(default_factory=time.time)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Session:
        data = json.loads(raw)
        data["faces"] = [FaceInfo(**f) for f in data.get("faces", [])]
        return cls(**data)


@dataclass
class Prefs:
    mode: str = "replace"
    lang: str | None = None  # None: follow Telegram's language_code


class BotState:
    def __init__(self, kv: KV, ttl: int, prefix: str = "nobody:bot:") -> None:
        self.kv = kv
        self.ttl = ttl
        self.prefix = prefix
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    def lock(self, sid: str) -> asyncio.Lock:
        """Serialises button presses on one selection within this process (updates run concurrently)."""
        lock = self._locks.get(sid)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[sid] = lock
        return lock

    # sessions and their photos
    async def create(self, session_kind: Kind, owner: int, chat: int, lang: str, photo: bytes) -> Session:
        session = Session(sid=secrets.token_urlsafe(7), kind=session_kind, owner=owner, chat=chat, lang=lang)
        await self.kv.set(self._key("photo", session.sid), photo, self.ttl)
        await self.save(session)
        await self.kv.add_member(self._key("user", owner, "sessions"), session.sid, self.ttl)
        return session

    async def save(self, session: Session) -> None:
        await self.kv.set(self._key("session", session.sid), session.to_json(), self.ttl)

    async def set_sheet(self, sid: str, message_id: int) -> None:
        """Record the sheet message's id without overwriting choices made meanwhile."""
        async with self.lock(sid):
            session = await self.load(sid)
            if session is not None:
                session.sheet_message = message_id
                await self.save(session)

    async def load(self, sid: str) -> Session | None:
        raw = await self.kv.get(self._key("session", sid))
        return Session.from_json(raw) if raw else None

    async def photo(self, sid: str) -> bytes | None:
        return await self.kv.get(self._key("photo", sid))

    async def drop(self, sid: str) -> None:
        await self.kv.delete(self._key("session", sid), self._key("photo", sid))

    async def drop_all(self, owner: int) -> int:
        """Delete every selection and photo of a user; returns how many still existed."""
        sids = await self.kv.members(self._key("user", owner, "sessions"))
        alive = [sid for sid in sids if await self.kv.get(self._key("session", sid)) is not None]
        for sid in sids:
            await self.drop(sid)
        await self.kv.delete(self._key("user", owner, "sessions"))
        return len(alive)

    # what the user is expected to send next in a chat ("age_photo", or "age_targets:<sid>"); one at a time
    async def set_awaiting(self, owner: int, chat: int, what: str) -> None:
        await self.kv.set(self._key("await", owner), f"{chat}|{what}".encode(), self.ttl)

    async def awaiting(self, owner: int, chat: int) -> str | None:
        raw = await self.kv.get(self._key("await", owner))
        if not raw:
            return None
        where, _, what = raw.decode().partition("|")
        return what if where == str(chat) else None

    async def clear_awaiting(self, owner: int) -> None:
        await self.kv.delete(self._key("await", owner))

    # preferences
    async def prefs(self, owner: int) -> Prefs:
        raw = await self.kv.get(self._key("user", owner, "prefs"))
        return Prefs(**json.loads(raw)) if raw else Prefs()

    async def save_prefs(self, owner: int, prefs: Prefs) -> None:
        await self.kv.set(self._key("user", owner, "prefs"), json.dumps(asdict(prefs)).encode(), PREFS_TTL)

    # quota
    async def take_quota(self, owner: int, limit: int, count: int = 1) -> bool:
        """Count `count` uses today (UTC); False (and nothing counted beyond the limit) when over `limit`."""
        if limit <= 0:
            return True
        day = time.strftime("%Y%m%d", time.gmtime())
        key = self._key("quota", owner, day)
        for _ in range(count):
            if await self.kv.incr(key, 26 * 3600) > limit:
                return False
        return True

    async def forget(self, owner: int) -> None:
        """/delete: selections, photos, pending input and preferences. (The daily quota counter stays.)"""
        await self.drop_all(owner)
        await self.kv.delete(self._key("user", owner, "prefs"), self._key("await", owner))

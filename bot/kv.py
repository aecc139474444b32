"""A minimal async key-value store with expiry: Redis, or a dict for the embedded single-process default.

Only what the bot's state needs: bytes values with a TTL, counters, and sets (a user's keys, for /delete).
Every key expires, so photos and selections vanish after their TTL even if nobody asks.
"""

from __future__ import annotations

import time
from typing import Protocol


class KV(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, ttl: int) -> int:
        """Add 1 and return the new value; the TTL is set when the key is created."""
        ...

    async def add_member(self, key: str, member: str, ttl: int) -> None:
        """Add to a set and (re)set the set's TTL."""
        ...

    async def members(self, key: str) -> set[str]: ...

    async def close(self) -> None: ...


class MemoryKV:
    """In-process store; expired entries are dropped on access and by a sweep every few hundred writes."""

    def __init__(self, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._clock = clock
        self._data: dict[str, tuple[float, object]] = {}
        self._writes = 0

    def _live(self, key: str) -> object | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._data[key]
            return None
        return item[1]

    def _put(self, key: str, value: object, ttl: int) -> None:
        self._data[key] = (self._clock() + ttl, value)
        self._writes += 1
        if self._writes % 256 == 0:
            self.sweep()

    def sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (expires, _) in self._data.items() if expires <= now]:
            del self._data[key]

    async def get(self, key: str) -> bytes | None:
        value = self._live(key)
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        self._put(key, bytes(value), ttl)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> int:
        current = self._live(key)
        if isinstance(current, int):
            expires = self._data[key][0]
            self._data[key] = (expires, current + 1)
            return current + 1
        self._put(key, 1, ttl)
        return 1

    async def add_member(self, key: str, member: str, ttl: int) -> None:
        current = self._live(key)
        members = set(current) if isinstance(current, set) else set()
        members.add(member)
        self._put(key, members, ttl)

    async def members(self, key: str) -> set[str]:
        value = self._live(key)
        return set(value) if isinstance(value, set) else set()

    async def close(self) -> None:
        self._data.clear()


class RedisKV:
    """Redis (redis.asyncio): state survives a bot restart and is shared by several bot processes."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url)

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(key)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._redis.set(key, value, ex=ttl)

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._redis.delete(*keys)

    async def incr(self, key: str, ttl: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl, nx=True)
            value, _ = await pipe.execute()
        return int(value)

    async def add_member(self, key: str, member: str, ttl: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, member)
            pipe.expire(key, ttl)
            await pipe.execute()

    async def members(self, key: str) -> set[str]:
        return {m.decode() if isinstance(m, bytes) else str(m) for m in await self._redis.smembers(key)}

    async def close(self) -> None:
        await self._redis.aclose()


def make_kv(url: str) -> KV:
    return RedisKV(url) if url else MemoryKV()

"""Button data: `sid:action:arg:mac`, ≤ 64 bytes (Telegram's limit), signed so a client cannot forge or alter it.

`sid` names a stored selection (or `@<user id>` for per-user buttons such as /settings); the MAC is HMAC-SHA256
over the rest with a secret from settings, truncated to 66 bits (11 base64url characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_BYTES = 64
_MAC_CHARS = 11


class Action:
    TOGGLE = "t"  # arg: face number
    PAGE = "p"  # arg: page index
    KEEP_ALL = "k"
    REPLACE_ALL = "r"
    DONE = "d"
    CANCEL = "x"
    RETRY = "g"  # try other faces (new seed)
    PICK_FACE = "f"  # aging: arg = face number
    TARGET = "a"  # aging: toggle target age, arg = age
    GO = "s"  # aging: start
    MODE = "m"  # settings: arg = mode
    LANG = "l"  # settings: arg = language
    NOOP = "n"


@dataclass(frozen=True)
class Callback:
    sid: str
    action: str
    arg: str = ""

    @property
    def number(self) -> int:
        return int(self.arg)


class Signer:
    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("callback secret must not be empty")
        self._secret = secret

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]

    def tag(self, text: str) -> str:
        """A short opaque code for `text` (e.g. an invite payload), same for the same secret."""
        return self._mac(f"tag:{text}")

    def pack(self, sid: str, action: str, arg: object = "") -> str:
        payload = f"{sid}:{action}:{arg}"
        data = f"{payload}:{self._mac(payload)}"
        if len(data.encode()) > MAX_BYTES or payload.count(":") != 2:
            raise ValueError(f"bad callback payload {payload!r}")
        return data

    def unpack(self, data: str | None) -> Callback | None:
        """The callback, or None when the data is malformed or its MAC does not match."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(":")
        if len(parts) != 4:
            return None
        sid, action, arg, mac = parts
        if not hmac.compare_digest(mac, self._mac(f"{sid}:{action}:{arg}")):
            return None
        return Callback(sid, action, arg)


def derive_secret(configured: str, token: str, purpose: str) -> bytes:
    """`configured` if set, else a key derived from the bot token (stable across restarts, unique per bot)."""
    if configured:
        return configured.encode()
    if not token:
        raise ValueError("need a bot token or an explicit secret")
    return hmac.new(token.encode(), f"nobody-bot/{purpose}".encode(), hashlib.sha256).digest()

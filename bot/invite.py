"""/invite: the bot's deep link with an opaque per-user payload, as a link and as a QR code PNG."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from bot.callbacks import Signer

INVITE_PREFIX = "inv-"


def invite_payload(signer: Signer, user_id: int) -> str:
    """`inv-` + 11 base64url characters: allowed in a start parameter, and says nothing readable about the user."""
    return INVITE_PREFIX + signer.tag(f"invite:{user_id}")


def deep_link(username: str, payload: str) -> str:
    return f"https://t.me/{username}?start={payload}"


def qr_png(text: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()

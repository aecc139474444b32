"""Inline keyboards. Every button carries signed data from `bot.callbacks`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Action, Signer
from bot.i18n import t
from bot.state import Prefs, Session

PAGE_SIZE = 12  # face buttons per page: 3 rows of 4 fit a phone screen
ROW = 4
MODES = ("replace", "blur", "pixelate", "solid")
TARGET_AGES = (5, 10, 15, 20, 25, 30, 40, 50)


def pages(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))


def _button(signer: Signer, text: str, sid: str, action: str, arg: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=signer.pack(sid, action, arg))


def _rows(buttons: list[InlineKeyboardButton], width: int = ROW) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _page_faces(session: Session) -> list[int]:
    numbers = [f.number for f in session.faces]
    page = min(session.page, pages(len(numbers)) - 1)
    return numbers[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def _nav(signer: Signer, session: Session) -> list[list[InlineKeyboardButton]]:
    total = pages(len(session.faces))
    if total == 1:
        return []
    page = min(session.page, total - 1)
    sid = session.sid
    return [
        [
            _button(signer, t(session.lang, "btn_prev"), sid, Action.PAGE, (page - 1) % total),
            _button(signer, f"{page + 1}/{total}", sid, Action.NOOP),
            _button(signer, t(session.lang, "btn_next"), sid, Action.PAGE, (page + 1) % total),
        ]
    ]


def selection(signer: Signer, session: Session) -> InlineKeyboardMarkup:
    """One toggle per face on the current page (✅ keep / 🔄 replace), paging, keep all, replace all, done, cancel."""
    sid, lang = session.sid, session.lang
    faces = [
        _button(signer, f"{'✅' if n in session.keep else '🔄'} {n}", sid, Action.TOGGLE, n)
        for n in _page_faces(session)
    ]
    return InlineKeyboardMarkup(
        [
            *_rows(faces),
            *_nav(signer, session),
            [
                InlineKeyboardButton(t(lang, "btn_keep_all"), callback_data=signer.pack(sid, Action.KEEP_ALL)),
                InlineKeyboardButton(t(lang, "btn_replace_all"), callback_data=signer.pack(sid, Action.REPLACE_ALL)),
            ],
            [
                InlineKeyboardButton(t(lang, "btn_done"), callback_data=signer.pack(sid, Action.DONE)),
                InlineKeyboardButton(t(lang, "btn_cancel"), callback_data=signer.pack(sid, Action.CANCEL)),
            ],
        ]
    )


def face_pick(signer: Signer, session: Session) -> InlineKeyboardMarkup:
    faces = [
        InlineKeyboardButton(str(n), callback_data=signer.pack(session.sid, Action.PICK_FACE, n))
        for n in _page_faces(session)
    ]
    cancel = InlineKeyboardButton(t(session.lang, "btn_cancel"), callback_data=signer.pack(session.sid, Action.CANCEL))
    return InlineKeyboardMarkup([*_rows(faces), *_nav(signer, session), [cancel]])


def targets(signer: Signer, session: Session) -> InlineKeyboardMarkup:
    sid, lang = session.sid, session.lang
    ages = [_button(signer, f"{'✅ ' if a in session.targets else ''}{a}", sid, Action.TARGET, a) for a in TARGET_AGES]
    return InlineKeyboardMarkup(
        [
            *_rows(ages),
            [
                InlineKeyboardButton(t(lang, "btn_go"), callback_data=signer.pack(sid, Action.GO)),
                InlineKeyboardButton(t(lang, "btn_cancel"), callback_data=signer.pack(sid, Action.CANCEL)),
            ],
        ]
    )


def retry(signer: Signer, session: Session) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(session.lang, "btn_retry"), callback_data=signer.pack(session.sid, Action.RETRY))]]
    )


def settings(signer: Signer, owner: int, prefs: Prefs, lang: str) -> InlineKeyboardMarkup:
    sid = f"@{owner}"  # user-scoped buttons; selection ids never contain "@"

    def mark(on: bool, label: str) -> str:
        return f"✅ {label}" if on else label

    modes = [_button(signer, mark(prefs.mode == m, t(lang, f"mode_{m}")), sid, Action.MODE, m) for m in MODES]
    langs = [
        _button(signer, mark((prefs.lang or "auto") == code, t(lang, f"lang_{code}")), sid, Action.LANG, code)
        for code in ("auto", "ko", "en")
    ]
    return InlineKeyboardMarkup([*_rows(modes, 2), langs])

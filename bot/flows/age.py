"""Aging: photo (after /age, or captioned "age 20" / "나이 20") → pick the face → pick target ages → result.

The result is the labelled strip as a photo plus the whole photo aged to each target as files. Where the aging
engine is not built (JobError "unavailable"), or the job refuses the photo, the user is told so kindly, the child's
photo is deleted, and nothing made-up is ever shown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable

from telegram import CallbackQuery, InputFile
from telegram.error import BadRequest

from bot import keyboards
from bot.callbacks import Action, Callback
from bot.flows.common import EXPECTED, photo_with_faces, reply_to
from bot.i18n import t
from bot.media import Incoming
from bot.progress import run_job
from bot.state import Session
from bot.ui import Chat, StatusMessage, chat_action, log_failure, problem_text

log = logging.getLogger(__name__)

MAX_TARGETS = 6
LOW, HIGH = 1, 90  # what the aging job accepts
_CAPTION = re.compile(r"(?:\bages?\b|나이)", re.IGNORECASE)
_NUMBER = re.compile(r"\d{1,3}")


def parse_ages(text: str) -> list[int] | None:
    """Ages in free text ("15 20 30", "20살"), deduplicated in order; None when none or out of range/too many."""
    ages = list(dict.fromkeys(int(n) for n in _NUMBER.findall(text)))
    if not ages or len(ages) > MAX_TARGETS or any(not LOW <= a <= HIGH for a in ages):
        return None
    return ages


def caption_ages(caption: str | None) -> list[int] | None:
    """Target ages from a photo caption like "age 20" or "나이 20, 30"; None when the caption asks for no aging."""
    if not caption or not _CAPTION.search(caption):
        return None
    return parse_ages(caption) or []


def _caption(session: Session) -> str:
    lang = session.lang
    if session.stage == "pick_face":
        return t(lang, "age_pick_face")
    chosen = ", ".join(map(str, session.targets)) or t(lang, "age_targets_none")
    return t(lang, "age_pick_targets", max=MAX_TARGETS, targets=chosen)


def _keyboard(chat: Chat, session: Session) -> object:
    signer = chat.services.signer
    return keyboards.face_pick(signer, session) if session.stage == "pick_face" else keyboards.targets(signer, session)


async def start(chat: Chat, item: Incoming, targets: list[int]) -> None:
    svc = chat.services
    if not await svc.state.take_quota(chat.user_id, svc.settings.bot_quota_per_day):
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "quota", limit=svc.settings.bot_quota_per_day))
        return
    analyzed = await photo_with_faces(chat, item, "age")
    if analyzed is None:
        return
    session, sheet, status = analyzed
    session.targets = targets[:MAX_TARGETS]
    session.face = 1 if len(session.faces) == 1 else None
    session.stage = "pick_face" if session.face is None else "targets"
    if session.stage == "targets" and session.targets:
        session.stage = "running"
    markup = None if session.stage == "running" else _keyboard(chat, session)
    await svc.state.save(session)
    if session.stage == "targets":  # before the sheet is shown, so an answer typed at once is understood
        await svc.state.set_awaiting(chat.user_id, chat.chat_id, f"age_targets:{session.sid}")
    message = await chat.bot.send_photo(
        chat.chat_id,
        sheet.image,
        caption=_caption(session),
        reply_markup=markup,
        reply_parameters=reply_to(item.message_id),
    )
    await svc.state.set_sheet(session.sid, message.message_id)
    await status.delete()
    if session.stage == "running":
        await _age(chat, session.sid)


async def on_button(chat: Chat, query: CallbackQuery, session: Session, cb: Callback) -> Awaitable[None] | None:
    svc = chat.services
    session.sheet_message = session.sheet_message or _message_id(query)
    if session.stage == "running":
        await query.answer(t(chat.lang, "working"))
        return None
    if cb.action == Action.CANCEL:
        await svc.state.drop(session.sid)
        await svc.state.clear_awaiting(chat.user_id)
        await query.answer()
        await _edit(chat, session, t(session.lang, "sheet_cancelled"), None)
        return None
    if session.stage == "pick_face" and cb.action == Action.PICK_FACE:
        session.face = cb.number
        session.stage = "targets"
        if session.targets:
            return await _go(chat, query, session)
        await svc.state.set_awaiting(chat.user_id, chat.chat_id, f"age_targets:{session.sid}")
    elif session.stage == "pick_face" and cb.action == Action.PAGE:
        session.page = max(0, min(cb.number, keyboards.pages(len(session.faces)) - 1))
    elif session.stage == "targets" and cb.action == Action.TARGET:
        chosen = set(session.targets) ^ {cb.number}
        if len(chosen) > MAX_TARGETS or not LOW <= cb.number <= HIGH:
            await query.answer()
            return None
        session.targets = sorted(chosen)
    elif session.stage == "targets" and cb.action == Action.GO:
        if not session.targets:
            await query.answer(t(chat.lang, "age_need_target"), show_alert=True)
            return None
        return await _go(chat, query, session)
    else:
        await query.answer()
        return None
    await svc.state.save(session)
    await query.answer()
    await _edit(chat, session, _caption(session), _keyboard(chat, session))
    return None


async def on_typed_ages(chat: Chat, sid: str, text: str) -> None:
    """Free input while choosing target ages: valid ages start the job at once."""
    svc = chat.services
    ages = parse_ages(text)
    if ages is None:
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "age_bad_input", low=LOW, high=HIGH, max=MAX_TARGETS))
        return
    async with svc.state.lock(sid):
        session = await svc.state.load(sid)
        if session is None or session.stage != "targets":
            await svc.state.clear_awaiting(chat.user_id)
            await chat.bot.send_message(chat.chat_id, t(chat.lang, "expired", minutes=svc.ttl_minutes))
            return
        session.targets = ages
        session.stage = "running"
        await svc.state.save(session)
    await svc.state.clear_awaiting(chat.user_id)
    await _edit(chat, session, _caption(session), None)
    await _age(chat, sid)


async def _go(chat: Chat, query: CallbackQuery, session: Session) -> Awaitable[None]:
    session.stage = "running"
    await chat.services.state.save(session)
    await chat.services.state.clear_awaiting(chat.user_id)
    await query.answer(t(chat.lang, "working"))
    await _edit(chat, session, _caption(session), None)
    return _age(chat, session.sid)


async def _age(chat: Chat, sid: str) -> None:
    svc = chat.services
    session, photo = await svc.state.load(sid), await svc.state.photo(sid)
    if session is None or photo is None:
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "expired", minutes=svc.ttl_minutes))
        return
    lang = session.lang
    status = StatusMessage(chat, session.sheet_message)
    try:
        async with chat_action(chat):
            output = await run_job(
                svc.jobs,
                "age",
                photo,
                {"targets": session.targets, "face": session.face},
                timeout=svc.settings.bot_job_timeout,
                on_progress=lambda s, ahead: status.progress("age", s, ahead),
            )
    except EXPECTED as exc:
        log_failure(log, "aging refused", exc)
        await status.show(problem_text(lang, exc, svc))
        await svc.state.drop(sid)  # nothing more can be done with it: do not keep the child's photo
        return
    ages = ", ".join(map(str, session.targets))
    caption = t(lang, "age_result", face=session.face or 1, ages=ages)
    async with chat_action(chat):
        await chat.bot.send_photo(
            chat.chat_id, output.image, caption=caption, reply_parameters=reply_to(status.reply_to)
        )
        for target in session.targets:  # the whole photo with the face aged to each target, as files
            data = output.extra.get(f"age_{target}")
            if data:
                name = f"{session.stem}-age{target}{_suffix(data)}"
                await chat.bot.send_document(
                    chat.chat_id, InputFile(data, filename=name), disable_content_type_detection=True
                )
    await status.delete()
    session.stage = "done"
    await svc.state.save(session)


async def _edit(chat: Chat, session: Session, text: str, markup: object) -> None:
    if session.sheet_message is None:
        return
    try:
        await chat.bot.edit_message_caption(
            chat_id=session.chat, message_id=session.sheet_message, caption=text, reply_markup=markup
        )
    except BadRequest as exc:
        log.debug("sheet not edited: %s", exc.message)


def _message_id(query: CallbackQuery) -> int | None:
    return query.message.message_id if query.message is not None else None


def _suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"

"""Photo → numbered face sheet with keep/replace toggles → Done → result photo + lossless file (+ try again)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable

from telegram import CallbackQuery, InputFile
from telegram.error import BadRequest

from bot import keyboards
from bot.callbacks import Action, Callback
from bot.flows.common import EXPECTED, kept_text, photo_with_faces, reply_to
from bot.i18n import t
from bot.media import Incoming
from bot.progress import run_job
from bot.state import Session
from bot.ui import Chat, StatusMessage, chat_action, log_failure, problem_text

log = logging.getLogger(__name__)


def caption(session: Session) -> str:
    lang = session.lang
    text = t(
        lang,
        "sheet_caption",
        count=len(session.faces),
        mode_verb=t(lang, f"verb_{session.mode}"),
        kept=kept_text(lang, session.keep),
    )
    total = keyboards.pages(len(session.faces))
    if total > 1:
        text += "\n" + t(lang, "sheet_page", page=min(session.page, total - 1) + 1, pages=total)
    return text


async def start(chat: Chat, items: list[Incoming]) -> None:
    """One photo, or an album as one request (one quota check, one note) with one answer per photo."""
    svc = chat.services
    if len(items) > 1:
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "album_received", count=len(items)))
    if not await svc.state.take_quota(chat.user_id, svc.settings.bot_quota_per_day, len(items)):
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "quota", limit=svc.settings.bot_quota_per_day))
        return
    prefs = await svc.state.prefs(chat.user_id)
    for item in items:
        await _one(chat, item, prefs.mode)


async def _one(chat: Chat, item: Incoming, mode: str) -> None:
    analyzed = await photo_with_faces(chat, item, "anon")
    if analyzed is None:
        return
    session, sheet, status = analyzed
    session.mode = mode if mode in keyboards.MODES else "replace"
    await chat.services.state.save(session)
    message = await chat.bot.send_photo(
        chat.chat_id,
        sheet.image,
        caption=caption(session),
        reply_markup=keyboards.selection(chat.services.signer, session),
        reply_parameters=reply_to(item.message_id),
    )
    await chat.services.state.set_sheet(session.sid, message.message_id)
    await status.delete()


async def on_button(chat: Chat, query: CallbackQuery, session: Session, cb: Callback) -> Awaitable[None] | None:
    """Handle a press on the sheet or result; runs under the selection's lock, so it must be quick. A long
    follow-up (the anonymize job) is returned to be awaited after the lock is released."""
    svc = chat.services
    lang = chat.lang
    numbers = [f.number for f in session.faces]
    if cb.action != Action.RETRY:  # pressed on the sheet itself (its id may not be saved yet if pressed at once)
        session.sheet_message = session.sheet_message or _message_id(query)
    if cb.action in (Action.DONE, Action.RETRY):
        if session.stage == "running":
            await query.answer(t(lang, "working"))
            return None
        if cb.action == Action.DONE and session.stage != "select":
            await query.answer()
            return None
        if set(session.keep) >= set(numbers):
            await query.answer(t(lang, "all_kept"), show_alert=True)
            return None
        if cb.action == Action.RETRY:
            limit = svc.settings.bot_quota_per_day
            if not await svc.state.take_quota(chat.user_id, limit):
                await query.answer(t(lang, "quota", limit=limit), show_alert=True)
                return None
            session.seed = secrets.randbelow(2**31)
        session.stage = "running"
        await svc.state.save(session)
        await query.answer(t(lang, "working"))
        if cb.action == Action.DONE:
            await _edit_sheet(chat, session, t(session.lang, "sheet_done", kept=kept_text(session.lang, session.keep)))
        reply = session.sheet_message if cb.action == Action.DONE else _message_id(query)
        return _anonymize(chat, session.sid, reply)
    if session.stage != "select":
        await query.answer()
        return None
    if cb.action == Action.TOGGLE and cb.number in numbers:
        session.keep = sorted(set(session.keep) ^ {cb.number})
    elif cb.action == Action.PAGE:
        session.page = max(0, min(cb.number, keyboards.pages(len(numbers)) - 1))
    elif cb.action == Action.KEEP_ALL:
        session.keep = list(numbers)
    elif cb.action == Action.REPLACE_ALL:
        session.keep = []
    elif cb.action == Action.CANCEL:
        await svc.state.drop(session.sid)
        await query.answer()
        await _edit_sheet(chat, session, t(session.lang, "sheet_cancelled"))
        return None
    else:
        await query.answer()
        return None
    await svc.state.save(session)
    await query.answer()
    await _edit_sheet(chat, session, caption(session), keyboards.selection(svc.signer, session))
    return None


async def _anonymize(chat: Chat, sid: str, reply: int | None) -> None:
    svc = chat.services
    state = svc.state
    session, photo = await state.load(sid), await state.photo(sid)
    if session is None or photo is None:
        await chat.bot.send_message(chat.chat_id, t(chat.lang, "expired", minutes=svc.ttl_minutes))
        return
    lang = session.lang
    status = StatusMessage(chat, reply)
    options = {"keep": session.keep, "mode": session.mode, "seed": session.seed, "lossless": True}
    try:
        async with chat_action(chat):
            output = await run_job(
                svc.jobs,
                "anonymize",
                photo,
                options,
                timeout=svc.settings.bot_job_timeout,
                on_progress=lambda s, ahead: status.progress("anonymize", s, ahead),
            )
    except EXPECTED as exc:
        log_failure(log, "anonymize failed", exc)
        await status.show(problem_text(lang, exc, svc))
        await _back_to_selection(chat, sid)
        return
    async with state.lock(sid):  # before the result (and its 🎲 button) is shown
        current = await state.load(sid)
        if current is not None:
            current.stage = "done"
            await state.save(current)
    changed = len(session.faces) - len(session.keep)
    summary = t(lang, f"result_{session.mode}", changed=changed, kept=len(session.keep))
    fallbacks = [f["number"] for f in output.report.get("faces", []) if f.get("fallback")]
    if session.mode == "replace" and fallbacks:  # no convincing new face was found for these: they were blurred
        summary += "\n" + t(lang, "fallback_blur", faces=", ".join(map(str, fallbacks)))
    preview = output.extra.get("preview", output.image)
    async with chat_action(chat):
        await chat.bot.send_photo(
            chat.chat_id,
            preview,
            caption=summary,
            reply_markup=keyboards.retry(svc.signer, session) if changed else None,
            reply_parameters=reply_to(reply),
        )
        await chat.bot.send_document(
            chat.chat_id,
            InputFile(output.image, filename=f"{session.stem}-nobody{output.suffix}"),
            caption=t(lang, "result_file"),
            disable_content_type_detection=True,
        )
    await status.delete()
    log.info("anonymized a photo: %d changed, %d kept", changed, len(session.keep))


async def _back_to_selection(chat: Chat, sid: str) -> None:
    """After a failed job: let the user try Done again with the same choices."""
    state = chat.services.state
    async with state.lock(sid):
        session = await state.load(sid)
        if session is None:
            return
        session.stage = "select"
        await state.save(session)
    await _edit_sheet(chat, session, caption(session), keyboards.selection(chat.services.signer, session))


async def _edit_sheet(chat: Chat, session: Session, text: str, markup: object = None) -> None:
    if session.sheet_message is None:
        return
    try:
        await chat.bot.edit_message_caption(
            chat_id=session.chat, message_id=session.sheet_message, caption=text, reply_markup=markup
        )
    except BadRequest as exc:  # "message is not modified", or the user deleted it
        log.debug("sheet not edited: %s", exc.message)


def _message_id(query: CallbackQuery) -> int | None:
    return query.message.message_id if query.message is not None else None

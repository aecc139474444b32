"""Steps both photo flows share: fetch the image, store it with a new selection, analyze it, and answer the user
when that ends the request (a refused photo, no faces)."""

from __future__ import annotations

import logging
from pathlib import PurePath

from telegram import ReplyParameters

from bot import media
from bot.i18n import t
from bot.media import Incoming
from bot.progress import run_job
from bot.state import FaceInfo, Kind, Session
from bot.ui import Chat, StatusMessage, chat_action, log_failure, problem_text
from inference.jobs import JobOutput
from inference.queue.base import JobFailed, QueueFull

log = logging.getLogger(__name__)

# Failures that end one request with a message to the user (ValueError covers JobError and image errors).
EXPECTED = (media.TooBig, media.NotAnImage, QueueFull, JobFailed, TimeoutError, ValueError)


def reply_to(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


async def analyze_photo(chat: Chat, item: Incoming, kind: Kind, status: StatusMessage) -> tuple[Session, JobOutput]:
    """Download, store, analyze. The new session holds the faces; on failure nothing is left stored."""
    svc = chat.services
    await status.show(t(chat.lang, "status_download"))
    data = await media.download(chat.bot, item, svc.settings.bot_max_download_bytes)
    session = await svc.state.create(kind, chat.user_id, chat.chat_id, chat.lang, data)
    try:
        output = await run_job(
            svc.jobs,
            "analyze",
            data,
            {"sheet": True},
            timeout=svc.settings.bot_job_timeout,
            on_progress=lambda state, ahead: status.progress("analyze", state, ahead),
        )
    except BaseException:
        await svc.state.drop(session.sid)
        raise
    session.faces = [
        FaceInfo(int(f["number"]), float(f["age"]), str(f["gender"])) for f in output.report.get("faces", [])
    ]
    await svc.state.save(session)
    log.info("analyzed a photo: %d face(s)", len(session.faces))
    return session, output


async def photo_with_faces(chat: Chat, item: Incoming, kind: Kind) -> tuple[Session, JobOutput, StatusMessage] | None:
    """Analyze `item` into a new session named after the file, with the face sheet and the status message to
    finish; None when the user has been told why there is nothing to choose from (nothing is left stored)."""
    status = StatusMessage(chat, item.message_id)
    try:
        async with chat_action(chat):
            session, sheet = await analyze_photo(chat, item, kind, status)
    except EXPECTED as exc:
        log_failure(log, "photo refused", exc)
        await status.show(problem_text(chat.lang, exc, chat.services))
        return None
    if not session.faces:
        await chat.services.state.drop(session.sid)
        await status.show(t(chat.lang, "no_faces"))
        return None
    session.stem = PurePath(item.filename).stem[:60] or "photo"
    return session, sheet, status


def kept_text(lang: str, numbers: list[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers)) if numbers else t(lang, "kept_none")

"""Small helpers shared by the flows: who and where we are talking to, a status message that is edited as a job
advances, the chat action kept alive meanwhile, and the user-facing text for each kind of failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.i18n import pick_language, t
from bot.media import NotAnImage, TooBig
from bot.services import Services, services
from inference.queue.base import JobFailed, JobState, QueueFull

log = logging.getLogger(__name__)

_IMAGE_CODES = {
    "too_many_pixels": "image_too_many_pixels",
    "too_large_bytes": "image_too_many_pixels",
    "not_an_image": "not_image",
    "unsupported": "not_image",
    "empty": "image_unreadable",
    "truncated": "image_unreadable",
    "corrupt": "image_unreadable",
    "unreadable": "image_unreadable",
    "unavailable": "age_unavailable",
    "unknown_face": "unknown_face",
    "no_face": "no_faces",
}


@dataclass
class Chat:
    """The conversation an update belongs to, with the language to answer in."""

    bot: Bot
    services: Services
    chat_id: int
    user_id: int
    lang: str


async def chat_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Chat:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    prefs = await svc.state.prefs(user.id)
    return Chat(context.bot, svc, chat.id, user.id, pick_language(prefs.lang, user.language_code))


def problem_text(lang: str, exc: BaseException, svc: Services) -> str:
    """What to tell the user about a failure (never the exception's own text, which may be technical)."""
    if isinstance(exc, TooBig):
        limit = svc.settings.bot_max_download_bytes / 2**20
        return t(lang, "too_big", size=f"{exc.size / 2**20:.1f}", limit=f"{limit:.0f}")
    if isinstance(exc, NotAnImage):
        return t(lang, "not_image")
    if isinstance(exc, QueueFull):
        return t(lang, "busy")
    if isinstance(exc, TimeoutError):
        return t(lang, "timeout")
    if isinstance(exc, JobFailed):
        return t(lang, "job_failed")
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code in _IMAGE_CODES:
        return t(lang, _IMAGE_CODES[code])
    return t(lang, "job_failed")


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """One line per refused or failed request: the error's type and code; a traceback only for crashes.
    (Exception texts from our own code name no photo content; user input is never logged.)"""
    code = getattr(exc, "code", None)
    if code is not None or isinstance(exc, (TooBig, NotAnImage, QueueFull, TimeoutError)):
        logger.info("%s: %s %s", what, type(exc).__name__, code or "")
    else:
        logger.warning("%s: %s", what, type(exc).__name__, exc_info=exc)


class StatusMessage:
    """A one-line status reply that is edited in place as work advances, then deleted or left as the answer."""

    def __init__(self, chat: Chat, reply_to: int | None) -> None:
        self.chat = chat
        self.reply_to = reply_to
        self.message_id: int | None = None
        self._text = ""

    async def show(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        bot = self.chat.bot
        if self.message_id is None:
            message = await bot.send_message(self.chat.chat_id, text, reply_to_message_id=self.reply_to)
            self.message_id = message.message_id
            return
        with contextlib.suppress(BadRequest):  # "message is not modified" or deleted by the user
            await bot.edit_message_text(text, chat_id=self.chat.chat_id, message_id=self.message_id)

    async def progress(self, kind: str, state: JobState, ahead: int) -> None:
        if state == JobState.QUEUED and ahead > 0:
            await self.show(t(self.chat.lang, "status_queued", ahead=ahead))
        elif state in (JobState.QUEUED, JobState.RUNNING):
            await self.show(t(self.chat.lang, f"status_{kind}"))

    async def delete(self) -> None:
        if self.message_id is not None:
            with contextlib.suppress(TelegramError):
                await self.chat.bot.delete_message(self.chat.chat_id, self.message_id)
            self.message_id = None


@contextlib.asynccontextmanager
async def chat_action(chat: Chat, action: str = ChatAction.UPLOAD_PHOTO) -> AsyncIterator[None]:
    """Keep "sending a photo…" visible while the body runs (Telegram shows an action for about 5 s)."""

    async def refresh() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await chat.bot.send_chat_action(chat.chat_id, action)
            await asyncio.sleep(4.5)

    task = asyncio.create_task(refresh())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

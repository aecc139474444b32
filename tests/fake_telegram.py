"""A small fake Telegram Bot API server (aiohttp, 127.0.0.1, random port) for end-to-end tests of the real
python-telegram-bot client: tests inject updates, the bot long-polls them, and every call the bot makes is
recorded with its parameters and uploaded files.

Implements getMe, getUpdates, deleteWebhook/setWebhook, setMyCommands, sendMessage, sendPhoto, sendDocument,
sendMediaGroup, sendChatAction, editMessageText/Caption/ReplyMarkup, deleteMessage, answerCallbackQuery, getFile and
file download. Anything else answers 404 "method not found", so a test notices an unexpected call.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from PIL import Image

BOT_ID = 4242


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    result: Any = None  # what the server answered (e.g. the Message the bot sent)


class FakeTelegram:
    def __init__(self, token: str = "4242:TEST-token_for_tests", username: str = "nobody_test_bot") -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_id -> content (uploads by users and by the bot)
        self.reported_sizes: dict[str, int] = {}  # file_id -> file_size to report (for "huge file" tests)
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # method -> queued error answers
        self.chat_types: dict[int, str] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # server lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # what tests use
    def add_file(self, data: bytes, reported_size: int | None = None) -> str:
        file_id = f"F{next(self._file_ids):04d}"
        self.files[file_id] = data
        if reported_size is not None:
            self.reported_sizes[file_id] = reported_size
        return file_id

    def fail_next(self, method: str, status: int, description: str, **parameters: Any) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    async def inject(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        async with self._new_update:
            self._updates.append({"update_id": update_id, **update})
            self._new_update.notify_all()
        return update_id

    def user(self, user_id: int, language_code: str = "en", first_name: str = "Test") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def chat(self, chat_id: int) -> dict[str, Any]:
        kind = self.chat_types.get(chat_id, "private" if chat_id > 0 else "group")
        data: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "group":
            data["title"] = "Test group"
        return data

    def message(self, chat_id: int, user: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": user,
            **content,
        }

    async def send_photo(
        self, chat_id: int, user: dict[str, Any], data: bytes, *, caption: str | None = None, group: str | None = None
    ) -> dict[str, Any]:
        width, height = Image.open(io.BytesIO(data)).size
        file_id = self.add_file(data)
        sizes = [
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "width": width,
                "height": height,
                "file_size": len(data),
            }
        ]
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        if group:
            extra["media_group_id"] = group
        message = self.message(chat_id, user, photo=sizes, **extra)
        await self.inject({"message": message})
        return message

    async def send_document(
        self, chat_id: int, user: dict[str, Any], data: bytes, name: str, mime: str, reported_size: int | None = None
    ) -> dict[str, Any]:
        file_id = self.add_file(data, reported_size)
        doc = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_name": name,
            "mime_type": mime,
            "file_size": reported_size or len(data),
        }
        message = self.message(chat_id, user, document=doc)
        await self.inject({"message": message})
        return message

    async def send_text(self, chat_id: int, user: dict[str, Any], text: str) -> dict[str, Any]:
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
        )
        message = self.message(chat_id, user, text=text, **({"entities": entities} if entities else {}))
        await self.inject({"message": message})
        return message

    async def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> str:
        query_id = f"Q{next(self._update_ids)}"
        await self.inject(
            {"callback_query": {"id": query_id, "from": user, "chat_instance": "ci", "message": message, "data": data}}
        )
        return query_id

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]

    async def wait_for(self, predicate: Any, timeout: float = 300.0) -> Call:
        """The first recorded call (past or future) for which `predicate(call)` is true."""
        async with self._changed:
            deadline = time.monotonic() + timeout
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching call; got: " + ", ".join(c.method for c in self.calls))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    # the API
    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = Call(method, params, files)
        queued = self.failures.get(method)
        if queued:
            status, body = queued.pop(0)
            call.status = status
            await self._record(call)
            return web.json_response(body, status=status)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            call.status = 404
            await self._record(call)
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        if method != "getUpdates":
            await self._record(call)
        try:
            call.result = await handler(params, files)
        except _ApiError as exc:
            call.status = exc.status
            return web.json_response(
                {"ok": False, "error_code": exc.status, "description": exc.text}, status=exc.status
            )
        return web.json_response({"ok": True, "result": call.result})

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].split("/")[-1].split(".")[0]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _m_getMe(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Nobody",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        async with self._new_update:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones are gone
            while not self._updates and (left := deadline - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(self._new_update.wait(), left)
                except TimeoutError:
                    break
            return self._updates[:limit]

    async def _ok(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return True

    _m_deleteWebhook = _m_setWebhook = _m_setMyCommands = _m_sendChatAction = _m_answerCallbackQuery = _ok
    _m_deleteMessage = _ok

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Nobody", "username": self.username},
        }
        for key in ("caption", "text", "reply_markup"):
            if key in params:
                message[key] = params[key]
        message.update(content)
        return message

    async def _m_sendMessage(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return self._bot_message(params)

    async def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        data = files["photo"].data
        width, height = Image.open(io.BytesIO(data)).size
        file_id = self.add_file(data)
        size = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "width": width,
            "height": height,
            "file_size": len(data),
        }
        return self._bot_message(params, photo=[size])

    async def _m_sendDocument(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        upload = files["document"]
        file_id = self.add_file(upload.data)
        doc = {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_name": upload.filename,
            "mime_type": upload.content_type,
            "file_size": len(upload.data),
        }
        return self._bot_message(params, document=doc)

    async def _m_sendMediaGroup(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return [self._bot_message(params) for _ in params.get("media", [])]

    async def _edited(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        message = self._bot_message(params)
        message["message_id"] = int(params["message_id"])
        message["edit_date"] = int(time.time())
        return message

    _m_editMessageText = _m_editMessageCaption = _m_editMessageReplyMarkup = _edited

    async def _m_getFile(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        size = self.reported_sizes.get(file_id, len(self.files[file_id]))
        if size > 20 * 1024 * 1024:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id,
            "file_size": size,
            "file_path": f"files/{file_id}.bin",
        }


class _ApiError(Exception):
    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.text = text


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json())
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    params[key] = _decode(str(value))
    return params, files


def _decode(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value

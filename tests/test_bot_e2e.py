"""End to end: the real python-telegram-bot Application long-polls a fake Bot API server (tests/fake_telegram.py)
over HTTP, with real models behind a real job backend. Images the bot sends are saved to /tmp/bot_*.

Redis (127.0.0.1:6379) is needed for the restart test only; it is skipped when Redis is not running.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SHARED
from fake_telegram import Call, FakeTelegram
from PIL import Image
from thread_backend import job_backend

from bot import app as bot_app
from bot.kv import KV, RedisKV
from inference.jobs import Engine
from inference.queue.base import JobBackend
from models import ModelStore
from nobody.settings import Settings

REDIS_URL = os.environ.get("NOBODY_TEST_REDIS", "redis://127.0.0.1:6379/15")
OUT = Path(os.environ.get("NOBODY_BOT_OUT", "/tmp"))
ALICE, BOB = 1001, 1002
GROUP = -5005


# ---------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def settings(store: ModelStore, tiny_directions: Path, tiny_age_prototypes: Path) -> Settings:
    # The session's store (tests/conftest.py) with its quickly fitted directions and age prototypes: replaced
    # faces get generated donors, as on a machine without a donor bank, and the aging job gives real results.
    # One job process (each loads every model) and a generous job timeout: replacing faces takes minutes on a
    # busy 2-core machine, and a job past job_timeout is killed.
    return Settings(
        model_dir=store.cache_dir,
        model_mirror=os.pathsep.join(map(str, store.mirrors)),
        bot_token="4242:TEST-token_for_tests",
        workers=1,
        job_timeout=1500,
        bot_job_timeout=1500,
    )


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Engine:
    return Engine(settings)


@pytest.fixture(scope="module")
def t1() -> bytes:
    return (SHARED / "images" / "t1.jpg").read_bytes()


@asynccontextmanager
async def backend_for(settings: Settings, engine: Engine) -> AsyncIterator[JobBackend]:
    backend = await job_backend(settings, engine)
    try:
        yield backend
    finally:
        await backend.close()


class Bot:
    """One running Application against the fake server."""

    def __init__(self, fake: FakeTelegram, settings: Settings, backend: JobBackend, kv: KV | None, prefix: str):
        bot_settings = settings.model_copy(
            update={"bot_base_url": fake.base_url, "bot_base_file_url": fake.base_file_url, "bot_token": fake.token}
        )
        self.app = bot_app.build_application(bot_settings, backend=backend, kv=kv, state_prefix=prefix, album_quiet=0.6)

    async def start(self) -> None:
        await bot_app.start(self.app)
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)

    async def stop(self) -> None:
        await bot_app.stop(self.app)


@asynccontextmanager
async def running(
    settings: Settings, engine: Engine, *, kv: KV | None = None, **overrides: Any
) -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    fake = FakeTelegram()
    await fake.start()
    prefix = f"nobody-test:{secrets.token_hex(4)}:"
    async with backend_for(settings, engine) as backend:
        bot = Bot(fake, settings.model_copy(update=overrides), backend, kv, prefix)
        await bot.start()
        try:
            yield fake, bot
        finally:
            await bot.stop()
            await fake.stop()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---------------------------------------------------------------------------------------------------- helpers


def is_sheet(call: Call) -> bool:
    return (
        call.method == "sendPhoto" and call.status == 200 and "inline_keyboard" in call.params.get("reply_markup", {})
    )


def is_apology(call: Call) -> bool:
    text = call.params.get("text", "")
    return call.method in ("sendMessage", "editMessageText") and ("Sorry" in text or "sorry" in text or "죄송" in text)


def buttons(markup: dict[str, Any]) -> dict[str, str]:
    """Button text → callback data."""
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


def face_button(markup: dict[str, Any], number: int) -> str:
    for text, data in buttons(markup).items():
        if text.split()[-1] == str(number) and text.split()[0] in ("✅", "🔄"):
            return data
    raise KeyError(number)


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def save(name: str, data: bytes) -> None:
    (OUT / name).write_bytes(data)


async def toggle(
    fake: FakeTelegram, user: dict[str, Any], sheet: dict[str, Any], markup: dict[str, Any], n: int
) -> dict:
    start = len(fake.calls)
    await fake.press(user, sheet, face_button(markup, n))
    call = await fake.wait_for(lambda c: c.method == "editMessageCaption" and fake.calls.index(c) >= start)
    return call.params["reply_markup"]


# ---------------------------------------------------------------------------------------------------- scenarios


def test_anonymize_keeps_chosen_faces_bit_identical(
    settings: Settings, engine: Engine, t1: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice = fake.user(ALICE)
            photo = await fake.send_photo(ALICE, alice, t1)
            sheet_call = await fake.wait_for(is_sheet)
            save("bot_sheet.jpg", sheet_call.files["photo"].data)
            assert "6" in sheet_call.params["caption"]
            assert sheet_call.params["reply_parameters"]["message_id"] == photo["message_id"]
            markup = sheet_call.params["reply_markup"]
            assert sum(1 for text in buttons(markup) if text.startswith("🔄")) == 6
            assert all(len(d.encode()) <= 64 for d in buttons(markup).values())
            sheet = sheet_call.result
            markup = await toggle(fake, alice, sheet, markup, 2)
            markup = await toggle(fake, alice, sheet, markup, 5)
            kept = {int(text.split()[1]) for text in buttons(markup) if text.startswith("✅")}
            assert kept == {2, 5}
            await fake.press(alice, sheet, buttons(markup)["Done ✔"])
            doc_call = await fake.wait_for(lambda c: c.method == "sendDocument" or is_apology(c), timeout=1500)
            assert doc_call.method == "sendDocument", doc_call.params.get("text")
            result_photo = next(c for c in fake.calls_to("sendPhoto") if "Done" in c.params.get("caption", ""))
            save("bot_result.jpg", result_photo.files["photo"].data)
            save("bot_result.png", doc_call.files["document"].data)
            assert doc_call.files["document"].filename.endswith(".png")
            assert "🎲" in next(iter(buttons(result_photo.params["reply_markup"])))
            assert any(c.method == "sendChatAction" for c in fake.calls)

        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "TEST-token" not in logged and "/files/" not in logged  # no token, no file URLs in the logs

        original = decode(t1)
        result = decode(doc_call.files["document"].data)
        assert result.shape == original.shape
        faces = engine.analyzer.analyze(original)
        assert len(faces) == 6
        for face in faces:
            x1, y1, x2, y2 = (round(float(v)) for v in face.box)
            before, after = original[y1:y2, x1:x2], result[y1:y2, x1:x2]
            if face.number in (2, 5):
                assert np.array_equal(before, after), f"kept face {face.number} changed"
            else:
                diff = np.abs(before.astype(int) - after.astype(int)).mean()
                assert diff > 3, f"face {face.number} looks unchanged (mean diff {diff:.1f})"

    run(scenario())


def test_album_answers_each_photo(settings: Settings, engine: Engine, t1: bytes) -> None:
    hanks = (SHARED / "images" / "Tom_Hanks_54745.png").read_bytes()

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice = fake.user(ALICE)
            first = await fake.send_photo(ALICE, alice, t1, group="album-1")
            second = await fake.send_photo(ALICE, alice, hanks, group="album-1")
            await fake.wait_for(
                lambda c: is_sheet(c) and c.params["reply_parameters"]["message_id"] == second["message_id"]
            )
            sheets = [c for c in fake.calls if is_sheet(c)]
            assert [c.params["reply_parameters"]["message_id"] for c in sheets] == [
                first["message_id"],
                second["message_id"],
            ]
            notes = [c for c in fake.calls_to("sendMessage") if "2 photos" in c.params["text"]]
            assert len(notes) == 1

    run(scenario())


def test_image_file_upload_gets_a_sheet(settings: Settings, engine: Engine, t1: bytes) -> None:
    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            await fake.send_document(ALICE, fake.user(ALICE), t1, "holiday.jpg", "image/jpeg")
            sheet = await fake.wait_for(is_sheet)
            assert "6" in sheet.params["caption"]

    run(scenario())


def test_non_image_file_and_huge_files_get_kind_messages(settings: Settings, engine: Engine, t1: bytes) -> None:
    big = io.BytesIO()
    Image.new("RGB", (9000, 7000)).save(big, "PNG")  # 63 MP: over max_pixels, yet a small file

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice = fake.user(ALICE)
            await fake.send_document(ALICE, alice, b"%PDF-1.4 not a photo", "report.pdf", "application/pdf")
            reply = await fake.wait_for(
                lambda c: c.method == "sendMessage" and "doesn't look like a photo" in c.params["text"]
            )
            assert reply.status == 200
            await fake.send_document(ALICE, alice, t1, "scan.jpg", "image/jpeg", reported_size=25 * 1024 * 1024)
            await fake.wait_for(
                lambda c: c.method in ("sendMessage", "editMessageText") and "20 MB" in c.params["text"]
            )
            assert not fake.calls_to("getFile")  # refused from the reported size, before any download
            await fake.send_document(ALICE, alice, big.getvalue(), "poster.png", "image/png")
            await fake.wait_for(lambda c: c.method == "editMessageText" and "too large" in c.params["text"])
            assert not any(is_sheet(c) for c in fake.calls)

    run(scenario())


def test_group_member_cannot_press_another_members_buttons(settings: Settings, engine: Engine, t1: bytes) -> None:
    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice, bob = fake.user(ALICE), fake.user(BOB, "ko")
            await fake.send_photo(GROUP, alice, t1)
            sheet = await fake.wait_for(is_sheet)
            query = await fake.press(bob, sheet.result, face_button(sheet.params["reply_markup"], 1))
            answer = await fake.wait_for(
                lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query
            )
            assert answer.params["show_alert"] == "true" or answer.params["show_alert"] is True
            assert "보낸 분만" in answer.params["text"]  # Bob's language
            assert not fake.calls_to("editMessageCaption")
            markup = await toggle(fake, alice, sheet.result, sheet.params["reply_markup"], 1)
            assert "✅ 1" in buttons(markup)
            forged = face_button(markup, 2)[:-3] + "AAA"
            query = await fake.press(alice, sheet.result, forged)
            answer = await fake.wait_for(
                lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query
            )
            assert "expired" in answer.params["text"]

    run(scenario())


def test_restart_mid_selection_keeps_state_in_redis(settings: Settings, engine: Engine, t1: bytes) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis")

    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        prefix = f"nobody-test:{secrets.token_hex(4)}:"
        try:
            async with backend_for(settings, engine) as backend:
                first = Bot(fake, settings, backend, RedisKV(REDIS_URL), prefix)
                await first.start()
                alice = fake.user(ALICE)
                await fake.send_photo(ALICE, alice, t1)
                sheet = await fake.wait_for(is_sheet)
                markup = await toggle(fake, alice, sheet.result, sheet.params["reply_markup"], 2)
                await first.stop()

                second = Bot(fake, settings, backend, RedisKV(REDIS_URL), prefix)
                await second.start()
                markup = await toggle(fake, alice, sheet.result, markup, 4)
                assert {t for t in buttons(markup) if t.startswith("✅")} == {"✅ 2", "✅ 4"}
                assert "2, 4" in fake.calls_to("editMessageCaption")[-1].params["caption"]
                # expiry: the selection is gone (TTL) → a friendly alert, and the stale keyboard is removed
                keys = redis.Redis.from_url(REDIS_URL).keys(prefix + "*")
                assert any(b"photo" in k for k in keys)
                redis.Redis.from_url(REDIS_URL).delete(*keys)
                query = await fake.press(alice, sheet.result, face_button(markup, 3))
                answer = await fake.wait_for(
                    lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query
                )
                assert "expired" in answer.params["text"]
                await fake.wait_for(lambda c: c.method == "editMessageReplyMarkup")
                await second.stop()
        finally:
            await fake.stop()
            client = redis.Redis.from_url(REDIS_URL)
            if keys := client.keys(prefix + "*"):
                client.delete(*keys)

    run(scenario())


def test_rate_limit_429_is_waited_out(settings: Settings, engine: Engine) -> None:
    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            await fake.send_text(ALICE, fake.user(ALICE), "/help")
            ok = await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 200)
            refused = next(c for c in fake.calls if c.method == "sendMessage" and c.status == 429)
            assert ok.at - refused.at >= 1.0
            assert "How it works" in ok.params["text"]

    run(scenario())


def test_invite_qr_decodes_to_the_deep_link_and_start_payload(settings: Settings, engine: Engine) -> None:
    import cv2

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            commands = fake.calls_to("setMyCommands")
            assert {c.params.get("language_code") for c in commands} == {None, "ko", "en"}
            ko = next(c for c in commands if c.params.get("language_code") == "ko")
            assert {"command": "age", "description": "아이 얼굴 나이 변환"} in ko.params["commands"]
            await fake.send_text(ALICE, fake.user(ALICE), "/invite")
            call = await fake.wait_for(lambda c: c.method == "sendPhoto")
            save("bot_invite_qr.png", call.files["photo"].data)
            qr = cv2.imdecode(np.frombuffer(call.files["photo"].data, np.uint8), cv2.IMREAD_COLOR)
            text, _, _ = cv2.QRCodeDetector().detectAndDecode(qr)
            assert text.startswith(f"https://t.me/{fake.username}?start=inv-")
            assert text in call.params["caption"]
            payload = text.split("start=")[1]
            await fake.send_text(BOB, fake.user(BOB, "ko"), f"/start {payload}")
            welcome = await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == str(BOB))
            assert "초대" in welcome.params["text"]

    run(scenario())


def test_age_caption_in_korean_picks_the_face_and_sends_the_strip(
    settings: Settings, engine: Engine, t1: bytes
) -> None:
    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice = fake.user(ALICE, "ko-KR")
            await fake.send_photo(ALICE, alice, t1, caption="나이 20")
            sheet = await fake.wait_for(is_sheet)
            assert "어느 얼굴" in sheet.params["caption"]
            await fake.press(alice, sheet.result, buttons(sheet.params["reply_markup"])["3"])
            answer = await fake.wait_for(
                lambda c: (c.method == "sendPhoto" and "살 모습" in c.params.get("caption", "")) or is_apology(c),
                timeout=900,
            )
            assert answer.method == "sendPhoto", answer.params.get("text")
            save("bot_age_strip.jpg", answer.files["photo"].data)
            doc = await fake.wait_for(lambda c: c.method == "sendDocument")
            assert doc.files["document"].filename.endswith("-age20.jpg")
            aged = decode(doc.files["document"].data)
            assert aged.shape == decode(t1).shape and not np.array_equal(aged, decode(t1))

    run(scenario())


def test_age_command_then_typed_targets(settings: Settings, engine: Engine) -> None:
    hanks = (SHARED / "images" / "Tom_Hanks_54745.png").read_bytes()

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            alice = fake.user(ALICE)
            await fake.send_text(ALICE, alice, "/age")
            await fake.wait_for(lambda c: c.method == "sendMessage" and "photo of the child" in c.params["text"])
            await fake.send_photo(ALICE, alice, hanks)
            sheet = await fake.wait_for(is_sheet)  # one face: straight to the target ages
            assert "To which ages" in sheet.params["caption"]
            assert "Start ▶" in buttons(sheet.params["reply_markup"])
            await fake.send_text(ALICE, alice, "25 40")
            answer = await fake.wait_for(
                lambda c: (
                    (c.method == "sendPhoto" and "aged to 25, 40" in c.params.get("caption", "")) or is_apology(c)
                ),
                timeout=900,
            )
            assert answer.method == "sendPhoto", answer.params.get("text")
            await fake.wait_for(lambda c: len(fake.calls_to("sendDocument")) == 2)
            names = sorted(c.files["document"].filename for c in fake.calls_to("sendDocument"))
            assert names[0].endswith("-age25.png") and names[1].endswith("-age40.png")

    run(scenario())


def test_settings_blur_done_retry_quota_delete(settings: Settings, engine: Engine, t1: bytes) -> None:
    async def scenario() -> None:
        async with running(settings, engine, bot_quota_per_day=2) as (fake, _):
            alice = fake.user(ALICE)
            await fake.send_text(ALICE, alice, "/settings")
            menu = await fake.wait_for(lambda c: c.method == "sendMessage" and "Settings" in c.params["text"])
            await fake.press(alice, menu.result, buttons(menu.params["reply_markup"])["Blur"])
            await fake.wait_for(lambda c: c.method == "editMessageText" and "Blur" in c.params["text"])
            await fake.send_photo(ALICE, alice, t1)  # quota 1 of 2
            sheet = await fake.wait_for(is_sheet)
            assert "blurred" in sheet.params["caption"]
            await fake.press(alice, sheet.result, buttons(sheet.params["reply_markup"])["Done ✔"])
            first = await fake.wait_for(
                lambda c: c.method == "sendPhoto" and "6 face(s) blurred" in c.params["caption"]
            )
            await fake.wait_for(lambda c: c.method == "sendDocument")
            await fake.press(alice, first.result, buttons(first.params["reply_markup"])["🎲 Try other faces"])  # 2 of 2
            await fake.wait_for(lambda c: len(fake.calls_to("sendDocument")) == 2)
            await fake.send_photo(ALICE, alice, t1)
            await fake.wait_for(lambda c: c.method == "sendMessage" and "limit of 2" in c.params["text"])
            await fake.send_text(ALICE, alice, "/delete")
            await fake.wait_for(lambda c: c.method == "sendMessage" and "deleted your photos" in c.params["text"])
            start = len(fake.calls)
            query = await fake.press(alice, first.result, buttons(first.params["reply_markup"])["🎲 Try other faces"])
            answer = await fake.wait_for(
                lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query
            )
            assert "expired" in answer.params["text"] and fake.calls.index(answer) >= start

    run(scenario())


def test_webhook_checks_the_secret_token(settings: Settings, engine: Engine) -> None:
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer

    from bot.webhook import SECRET_HEADER, webhook_app, webhook_secret

    async def scenario() -> None:
        fake = FakeTelegram()
        await fake.start()
        bot_settings = settings.model_copy(
            update={"bot_base_url": fake.base_url, "bot_base_file_url": fake.base_file_url, "bot_token": fake.token}
        )
        async with backend_for(settings, engine) as backend:
            application = bot_app.build_application(bot_settings, backend=backend, webhook=True)
            await bot_app.start(application)
            secret = webhook_secret(bot_settings)
            server = TestServer(webhook_app(application, secret, "/hook"), host="127.0.0.1")
            await server.start_server()
            command = [{"type": "bot_command", "offset": 0, "length": 5}]
            update = {"update_id": 1, "message": fake.message(ALICE, fake.user(ALICE), text="/help", entities=command)}
            async with ClientSession() as http:
                url = str(server.make_url("/hook"))
                async with http.post(url, json=update) as response:
                    assert response.status == 403
                async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                    assert response.status == 403
                async with http.post(url, json=update, headers={SECRET_HEADER: secret}) as response:
                    assert response.status == 200
            await fake.wait_for(lambda c: c.method == "sendMessage" and "How it works" in c.params["text"])
            assert len(fake.calls_to("sendMessage")) == 1
            await server.close()
            await bot_app.stop(application)
        await fake.stop()

    run(scenario())


def test_no_faces_is_said_kindly(settings: Settings, engine: Engine) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(blank, "JPEG")

    async def scenario() -> None:
        async with running(settings, engine) as (fake, _):
            await fake.send_photo(ALICE, fake.user(ALICE), blank.getvalue())
            await fake.wait_for(
                lambda c: c.method == "editMessageText" and "couldn't find any faces" in c.params["text"]
            )

    run(scenario())

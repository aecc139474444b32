"""Bot pieces without Telegram: signed button data, the in-memory store, catalogs, keyboards, parsing, albums."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot import keyboards
from bot.album import AlbumCollector
from bot.callbacks import MAX_BYTES, Action, Signer, derive_secret
from bot.flows.age import caption_ages, parse_ages
from bot.i18n import CATALOGS, pick_language, t
from bot.kv import MemoryKV
from bot.state import BotState, FaceInfo, Session


def test_callback_data_is_small_and_tamper_proof() -> None:
    signer = Signer(b"secret")
    data = signer.pack("AbCdEfGhIj", Action.TOGGLE, 29)
    assert len(data.encode()) <= MAX_BYTES
    assert signer.unpack(data) is not None and signer.unpack(data).number == 29  # type: ignore[union-attr]
    sid, action, arg, mac = data.split(":")
    assert signer.unpack(f"{sid}:{action}:28:{mac}") is None  # changed argument
    assert signer.unpack(f"OtherSid12:{action}:{arg}:{mac}") is None  # another selection
    assert Signer(b"other").unpack(data) is None  # another bot's secret
    assert signer.unpack("garbage") is None and signer.unpack(None) is None
    with pytest.raises(ValueError):
        signer.pack("sid:with:colons", Action.DONE)


def test_secret_is_derived_from_the_token_when_not_configured() -> None:
    assert derive_secret("", "1:abc", "callback") == derive_secret("", "1:abc", "callback")
    assert derive_secret("", "1:abc", "callback") != derive_secret("", "1:abc", "webhook")
    assert derive_secret("mine", "1:abc", "callback") == b"mine"


def test_memory_store_expires_entries() -> None:
    now = [0.0]
    kv = MemoryKV(clock=lambda: now[0])

    async def scenario() -> None:
        await kv.set("a", b"1", ttl=10)
        assert await kv.incr("n", ttl=10) == 1 and await kv.incr("n", ttl=10) == 2
        await kv.add_member("s", "x", ttl=10)
        assert await kv.get("a") == b"1" and await kv.members("s") == {"x"}
        now[0] = 11
        assert await kv.get("a") is None and await kv.members("s") == set() and await kv.incr("n", ttl=10) == 1

    asyncio.run(scenario())


def test_state_forget_removes_photos_and_prefs() -> None:
    state = BotState(MemoryKV(), ttl=60)

    async def scenario() -> None:
        session = await state.create("anon", owner=7, chat=7, lang="en", photo=b"jpeg")
        await state.save_prefs(7, (await state.prefs(7)).__class__(mode="blur"))
        assert await state.photo(session.sid) == b"jpeg"
        await state.forget(7)
        assert await state.photo(session.sid) is None and await state.load(session.sid) is None
        assert (await state.prefs(7)).mode == "replace"
        assert await state.take_quota(7, limit=2) and await state.take_quota(7, limit=2)
        assert not await state.take_quota(7, limit=2)

    asyncio.run(scenario())


def test_catalogs_have_the_same_keys_and_fields() -> None:
    en, ko = CATALOGS["en"], CATALOGS["ko"]
    assert en.keys() == ko.keys()
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ko[key])), key
    assert (
        pick_language(None, "ko-KR") == "ko" and pick_language(None, "de") == "en" and pick_language("en", "ko") == "en"
    )
    assert "20" in t("ko", "too_big", size="25.0", limit="20")


def test_keyboard_for_29_faces_is_paginated_and_fits_telegram() -> None:
    signer = Signer(b"k")
    session = Session("AbCdEfGhIj", "anon", 1, 1, "ko", faces=[FaceInfo(n, 30.0, "male") for n in range(1, 30)])
    seen: list[int] = []
    for page in range(keyboards.pages(29)):
        session.page = page
        markup = keyboards.selection(signer, session)
        for row in markup.inline_keyboard:
            assert len(row) <= 4
            for button in row:
                assert len(button.callback_data.encode()) <= 64  # type: ignore[union-attr]
                cb = signer.unpack(button.callback_data)  # type: ignore[arg-type]
                if cb is not None and cb.action == Action.TOGGLE:
                    seen.append(cb.number)
    assert keyboards.pages(29) == 3 and seen == list(range(1, 30))


def test_age_parsing() -> None:
    assert caption_ages("age 20") == [20] and caption_ages("나이 20, 30살") == [20, 30]
    assert caption_ages("holiday 2019") is None and caption_ages(None) is None
    assert caption_ages("나이") == []
    assert parse_ages("15 20 30") == [15, 20, 30] and parse_ages("200") is None and parse_ages("no") is None
    assert parse_ages("1 2 3 4 5 6 7") is None


def test_album_collector_returns_the_album_once_in_order() -> None:
    collector: AlbumCollector[str] = AlbumCollector(quiet=0.2)

    async def scenario() -> list[list[str] | None]:
        first = asyncio.create_task(collector.collect("g", 2, "b"))
        await asyncio.sleep(0.05)
        second = await collector.collect("g", 1, "a")
        return [await first, second]

    assert asyncio.run(scenario()) == [["a", "b"], None]

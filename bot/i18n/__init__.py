"""Message catalogs (English, Korean) and the choice of language for a user."""

from __future__ import annotations

from typing import Any

from bot.i18n import en, ko

CATALOGS: dict[str, dict[str, str]] = {"en": en.MESSAGES, "ko": ko.MESSAGES}
LANGUAGES = tuple(CATALOGS)
DEFAULT = "en"


def pick_language(preference: str | None, language_code: str | None) -> str:
    """The user's saved choice if any, else Telegram's language_code ("ko", "ko-KR" → ko), else English."""
    if preference in CATALOGS:
        return preference
    code = (language_code or "").split("-")[0].lower()
    return code if code in CATALOGS else DEFAULT


def t(lang: str, key: str, /, **fields: Any) -> str:
    catalog = CATALOGS.get(lang, CATALOGS[DEFAULT])
    text = catalog.get(key) or CATALOGS[DEFAULT][key]
    return text.format(**fields) if fields else text

"""Slash-command names and descriptions in 简体中文, from :mod:`bot.core.texts`.

Commands are declared with :func:`localized` strings, which carry their text key; when the
command tree syncs, discord.py asks :class:`CommandTranslator` for each locale and the
Chinese catalogue answers for ``zh-CN``. Other locales see the English names.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.texts import text


def localized(key: str) -> app_commands.locale_str:
    """The English text of ``key``, marked for translation."""
    return app_commands.locale_str(text(key, "en"), key=key)


class CommandTranslator(app_commands.Translator):
    """Answers ``zh-CN`` from the Chinese catalogue; every other locale keeps English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Chinese text for a :func:`localized` string, else ``None``."""
        key = string.extras.get("key")
        if key is None or locale is not discord.Locale.chinese:
            return None
        return text(key, "zh")

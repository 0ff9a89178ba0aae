"""Which language to answer each user in: their choice, their locale, the server's, their words.

Discord tells a bot a user's locale only in interactions (``interaction.locale``); a plain
message carries none. So the locale of every interaction is remembered (the most recent
``capacity`` users, :class:`Locales`). :class:`ReplyLanguages` applies the one order of
:func:`bot.core.language.reply_language`: the user's ``/settings`` language, then the
interaction's locale (for a post: its author's remembered one), then the server's preferred
locale, then the script of the post's words, then English.

Every server has a preferred locale: Discord gives ``en-US`` to each one whose admin never
chose (only Community servers can). That default says nothing about the people there, so it
does not stand before the post's words; a server that chose a locale does.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

import discord

from bot.core.language import ENGLISH, reply_language
from bot.core.usecases import UseCases

#: The preferred locale Discord gives a server whose admin never chose one.
DISCORD_DEFAULT_LOCALE: Final = "en-US"


class Locales:
    """Users' most recent Discord locales, least recently seen forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._known: OrderedDict[int, str] = OrderedDict()

    def learn(self, user_id: int, locale: str) -> None:
        """Remember that ``user_id`` uses ``locale``."""
        self._known[user_id] = locale
        self._known.move_to_end(user_id)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def known(self, user_id: int) -> str | None:
        """The user's locale, or ``None`` if they have not used an interaction yet."""
        return self._known.get(user_id)


def chosen_locale(guild: discord.Guild | None) -> str | None:
    """The server's preferred locale if its admin chose one (not Discord's default)."""
    if guild is None:
        return None
    locale = str(guild.preferred_locale.value)
    return None if locale == DISCORD_DEFAULT_LOCALE else locale


class ReplyLanguages:
    """The language to answer a user in (the order in the module docstring)."""

    def __init__(self, use_cases: UseCases, locales: Locales) -> None:
        self._use_cases = use_cases
        self.locales = locales

    async def of_interaction(self, interaction: discord.Interaction) -> str:
        """The clicker's language: their choice, else the interaction's locale (remembered)."""
        locale = str(interaction.locale.value)
        self.locales.learn(interaction.user.id, locale)
        chosen = (await self._use_cases.user_settings(interaction.user.id)).language
        return reply_language(chosen=chosen, locale=locale)

    async def of_post(self, message: discord.Message) -> str:
        """A post's author's language: choice, remembered locale, server's, the post's script."""
        author_id = message.author.id
        chosen = (await self._use_cases.user_settings(author_id)).language
        guild = message.guild
        return reply_language(
            chosen=chosen,
            locale=self.locales.known(author_id),
            guild_locale=chosen_locale(guild),
            first_message=message.content,
            fallback=str(guild.preferred_locale.value) if guild is not None else ENGLISH,
        )

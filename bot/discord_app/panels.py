"""The ephemeral ``/settings`` and ``/history`` messages: what they say and their components.

Like the thread buttons (:mod:`bot.discord_app.views`), every component is a
:class:`discord.ui.DynamicItem` whose ``custom_id`` carries what it needs, so a panel opened
before a restart still works:

* ``beatthread:settings:resolution`` and ``beatthread:settings:language`` — select menus (the
  language's "automatic" is :data:`AUTOMATIC`);
* ``beatthread:settings:dm:on|off`` — the button sets what it names (a stale panel's click
  does what its label said);
* ``beatthread:history:<page>`` — Previous and Next, each naming the page it shows.

A use goes to the bot's :class:`PanelActions` (``preferences`` on the client). Settings and
history are the user's own, so nobody else can use a panel: it is ephemeral, and every
change applies to whoever clicks.
"""

from __future__ import annotations

import re
from typing import Any, Final, Protocol, Self, runtime_checkable

import discord

from bot.core.language import REPLY_LANGUAGES
from bot.core.links import is_public_url
from bot.core.models import EXPORT_RESOLUTIONS, PastExport, UserSettings, UserSettingsChanges
from bot.core.texts import base_language, text
from bot.core.timeline import format_duration
from bot.core.usecases import HistoryPage
from bot.discord_app.errors import report
from bot.discord_app.render import message_link

_SETTINGS = "beatthread:settings:"
_HISTORY = "beatthread:history:"
#: The language menu's value for "no choice": the automatic order of bot.core.language.
AUTOMATIC: Final = "auto"


@runtime_checkable
class PanelActions(Protocol):
    """What the panels' components do; the bot exposes one as ``preferences``."""

    async def change_settings(
        self, interaction: discord.Interaction, changes: UserSettingsChanges
    ) -> None:
        """Store the clicker's change and show the panel again, saying what was saved."""
        ...

    async def history_page(self, interaction: discord.Interaction, page: int) -> None:
        """Show the clicker page ``page`` of their history."""
        ...


def _actions(interaction: discord.Interaction) -> PanelActions:
    actions = getattr(interaction.client, "preferences", None)
    if not isinstance(actions, PanelActions):
        raise TypeError("the client has no Beatthread panel actions")
    return actions


# -- /settings -----------------------------------------------------------------------------


def language_name(language: str | None, lang: str) -> str:
    """A reply language as the panel names it: Automatic, English, 中文."""
    if language is None:
        return text("settings_language_auto", lang)
    return text(f"settings_language_{base_language(language)}", lang)


def settings_text(settings: UserSettings, lang: str, saved: str | None = None) -> str:
    """The panel's words: the current values, after the line saying what was just saved."""
    state = text("settings_on" if settings.dm_video else "settings_off", lang)
    lines = [] if saved is None else [saved, ""]
    lines += [
        text("settings_title", lang),
        text("settings_resolution", lang, resolution=settings.resolution),
        text("settings_dm", lang, state=state),
        text("settings_language", lang, language=language_name(settings.language, lang)),
    ]
    return "\n".join(lines)


def saved_text(changes: UserSettingsChanges, lang: str) -> str:
    """The confirmation of one change."""
    if "resolution" in changes:
        return text("settings_saved_resolution", lang, resolution=changes["resolution"])
    if "dm_video" in changes:
        return text(
            "settings_saved_dm_on" if changes["dm_video"] else "settings_saved_dm_off", lang
        )
    language = changes.get("language")
    if language is None:
        return text("settings_saved_language_auto", lang)
    return text("settings_saved_language", lang, language=language_name(language, lang))


def settings_view(settings: UserSettings, lang: str) -> discord.ui.View:
    """The two menus (current values selected) and the DM switch."""
    view = discord.ui.View(timeout=None)
    view.add_item(SettingMenu(RESOLUTION_MENU, settings, lang))
    view.add_item(SettingMenu(LANGUAGE_MENU, settings, lang))
    view.add_item(DmButton(not settings.dm_video, lang))
    return view


#: The panel's two menus, by the setting each one chooses (the custom id's last part).
RESOLUTION_MENU: Final = "resolution"
LANGUAGE_MENU: Final = "language"
_MENU_ROWS: Final = {RESOLUTION_MENU: 0, LANGUAGE_MENU: 1}


def _menu_options(setting: str, settings: UserSettings, lang: str) -> list[discord.SelectOption]:
    """A menu's choices, the current one selected."""
    if setting == RESOLUTION_MENU:
        return [
            discord.SelectOption(label=value, value=value, default=value == settings.resolution)
            for value in EXPORT_RESOLUTIONS
        ]
    automatic = discord.SelectOption(
        label=language_name(None, lang),
        value=AUTOMATIC,
        description=text("settings_language_auto_description", lang),
        default=settings.language is None,
    )
    return [automatic] + [
        discord.SelectOption(
            label=language_name(code, lang), value=code, default=code == settings.language
        )
        for code in REPLY_LANGUAGES
    ]


def _menu_change(setting: str, value: str) -> UserSettingsChanges:
    """What choosing ``value`` in a menu changes (the language's "automatic" is ``None``)."""
    if setting == RESOLUTION_MENU:
        return {"resolution": value}
    return {"language": None if value == AUTOMATIC else value}


class SettingMenu(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=rf"^{_SETTINGS}(?P<setting>{RESOLUTION_MENU}|{LANGUAGE_MENU})$",
):
    """The default resolution menu, or the reply language menu (automatic, or a language)."""

    def __init__(
        self, setting: str, settings: UserSettings | None = None, lang: str = "en"
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"{_SETTINGS}{setting}",
                placeholder=text(f"settings_{setting}_placeholder", lang),
                options=_menu_options(setting, settings or UserSettings(), lang),
                row=_MENU_ROWS[setting],
            )
        )
        self.setting = setting

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the menu from a use (its chosen value arrives with the interaction)."""
        return cls(match["setting"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the chosen value."""
        (value,) = self.item.values
        await _change(interaction, _menu_change(self.setting, value))


class DmButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"^{_SETTINGS}dm:(?P<state>on|off)$",
):
    """Turns "DM me the finished video" to the state it names (its label shows the current)."""

    def __init__(self, turn_on: bool, lang: str = "en") -> None:
        current = text("settings_off" if turn_on else "settings_on", lang)
        super().__init__(
            discord.ui.Button(
                label=text("settings_dm_button", lang, state=current),
                style=discord.ButtonStyle.secondary if turn_on else discord.ButtonStyle.success,
                custom_id=f"{_SETTINGS}dm:{'on' if turn_on else 'off'}",
                row=2,
            )
        )
        self.turn_on = turn_on

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(match["state"] == "on")

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the state this button names."""
        await _change(interaction, {"dm_video": self.turn_on})


async def _change(interaction: discord.Interaction, changes: UserSettingsChanges) -> None:
    try:
        await _actions(interaction).change_settings(interaction, changes)
    except Exception as error:
        await report(interaction, error)


# -- /history ------------------------------------------------------------------------------


def history_text(history: HistoryPage, lang: str) -> str:
    """The page's words: its title and one line per video (or the kind empty-history note)."""
    if not history.videos:
        return text("history_empty", lang)
    lines = [text("history_title", lang, page=history.page, pages=history.pages)]
    numbered = enumerate(history.videos, start=history.first_number)
    lines += [_entry(number, video, lang) for number, video in numbered]
    return "\n".join(lines)


def _entry(number: int, video: PastExport, lang: str) -> str:
    length = (
        format_duration(video.length_ms, lang)
        if video.length_ms is not None
        else text("history_length_unknown", lang)
    )
    return text(
        "history_entry",
        lang,
        number=number,
        thread=f"<#{video.thread_id}>",
        date=discord.utils.format_dt(video.created_at, "d"),
        length=length,
        link=text("history_link", lang, url=video_link(video)),
    )


def video_link(video: PastExport) -> str:
    """Where to watch a video: its public link, else its post in the thread, else the thread."""
    if is_public_url(video.output_url):
        return video.output_url
    return message_link(video.guild_id, video.thread_id, video.posted_message_id)


def history_view(history: HistoryPage, lang: str) -> discord.ui.View | None:
    """Previous and Next (each off at its end); ``None`` when everything fits on one page."""
    if history.pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    previous = PageButton(history.page - 1, text("history_previous", lang))
    previous.item.disabled = not history.has_previous
    following = PageButton(history.page + 1, text("history_next", lang))
    following.item.disabled = not history.has_next
    view.add_item(previous)
    view.add_item(following)
    return view


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"^{_HISTORY}(?P<page>\d{{1,6}})$",
):
    """Shows the page of the history it names."""

    def __init__(self, page: int, label: str = "·") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.secondary, custom_id=f"{_HISTORY}{page}"
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the page."""
        try:
            await _actions(interaction).history_page(interaction, self.page)
        except Exception as error:
            await report(interaction, error)


PANEL_ITEMS = (SettingMenu, DmButton, PageButton)
"""Every panel component class, for ``Client.add_dynamic_items``."""

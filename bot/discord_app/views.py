"""Persistent buttons: Export, Show timeline, Cancel, Retry, and the finished video's card.

Each button is a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries what it needs:
``beatthread:export:<thread id>``, ``beatthread:timeline:<thread id>``,
``beatthread:retry:<thread id>``, ``beatthread:cancel:<render id>``, and on a video's card
``beatthread:export:<thread id>:<render id>`` (Export again · 1080p, the render's marker),
``beatthread:again:<thread id>:720p`` and ``beatthread:reshape:<thread id>:vertical|square``.
The bot registers the classes at start-up (``add_dynamic_items``), so a button works on any
message, also one sent before a restart, without keeping views in memory. A click goes to the
bot's :class:`ButtonActions`, which also decides who may press it (the thread owner and
members with Manage Threads).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any, Final, Protocol, Self, runtime_checkable

import discord

from bot.core.models import EXPORT_RESOLUTIONS
from bot.core.texts import text
from bot.discord_app.errors import report

PREFIX = "beatthread:"
_RENDER_ID = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}"
#: The card's Export again buttons' resolutions: the marked one (Export again · 1080p, whose
#: custom id names the render) and the other (Export again · 720p).
MARKED_RESOLUTION, AGAIN_RESOLUTION = EXPORT_RESOLUTIONS
#: The shapes a card offers on the local studio, in button order.
SHAPES: Final = ("vertical", "square")


@runtime_checkable
class ButtonActions(Protocol):
    """What the buttons do; the bot exposes one as ``button_actions``."""

    async def export(self, interaction: discord.Interaction, thread_id: int) -> None:
        """Export the thread's timeline (Export and Retry)."""
        ...

    async def timeline(self, interaction: discord.Interaction, thread_id: int) -> None:
        """Show the thread's timeline to the clicker."""
        ...

    async def cancel(self, interaction: discord.Interaction, render_id: str) -> None:
        """Cancel a render."""
        ...

    async def export_at(
        self, interaction: discord.Interaction, thread_id: int, resolution: str
    ) -> None:
        """Export the thread's timeline again at ``resolution`` (a video's card)."""
        ...

    async def reshape(self, interaction: discord.Interaction, thread_id: int, shape: str) -> None:
        """Ask for another shape (one of :data:`SHAPES`) in words, then export (the card)."""
        ...


def _actions(interaction: discord.Interaction) -> ButtonActions:
    actions = getattr(interaction.client, "button_actions", None)
    if not isinstance(actions, ButtonActions):
        raise TypeError("the client has no Beatthread button actions")
    return actions


async def _press(interaction: discord.Interaction, action: Awaitable[None]) -> None:
    """Run a button's action; a failure is reported to the clicker (errors.py decides how)."""
    try:
        await action
    except Exception as error:
        await report(interaction, error)


class _ThreadButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"$^"):
    """A button about one thread: ``beatthread:<action>:<thread id>``."""

    action = ""
    style = discord.ButtonStyle.secondary
    label_key = ""

    def __init__(self, thread_id: int, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text(self.label_key, lang),
                style=self.style,
                custom_id=f"{PREFIX}{self.action}:{thread_id}",
            )
        )
        self.thread_id = thread_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click (the label does not matter then)."""
        return cls(int(match["thread_id"]))


class ExportButton(
    _ThreadButton,
    template=rf"^{PREFIX}export:(?P<thread_id>\d{{1,20}})(?::(?P<after>{_RENDER_ID}))?$",
):
    """Export the thread's current timeline.

    On a finished video's card it carries that render's id (``…:<render id>``): a marker that
    stays findable in the thread, so a restarted poster can tell the video was posted. There
    it is Export again · 1080p (:data:`MARKED_RESOLUTION`).
    """

    action = "export"
    style = discord.ButtonStyle.primary
    label_key = "button_export"

    def __init__(self, thread_id: int, lang: str = "en", *, after: str | None = None) -> None:
        super().__init__(thread_id, lang)
        self.after = after
        if after is not None:
            self.custom_id = export_marker(thread_id, after)
            self.item.label = text(f"button_export_{MARKED_RESOLUTION}", lang)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click, with the render it marks."""
        return cls(int(match["thread_id"]), after=match["after"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Start an export (on a card: at the marked resolution)."""
        actions = _actions(interaction)
        if self.after is None:
            await _press(interaction, actions.export(interaction, self.thread_id))
        else:
            again = actions.export_at(interaction, self.thread_id, MARKED_RESOLUTION)
            await _press(interaction, again)


class RetryButton(_ThreadButton, template=rf"^{PREFIX}retry:(?P<thread_id>\d{{1,20}})$"):
    """Export again after a failed render."""

    action = "retry"
    style = discord.ButtonStyle.primary
    label_key = "button_retry"

    async def callback(self, interaction: discord.Interaction) -> None:
        """Start an export."""
        await _press(interaction, _actions(interaction).export(interaction, self.thread_id))


class TimelineButton(_ThreadButton, template=rf"^{PREFIX}timeline:(?P<thread_id>\d{{1,20}})$"):
    """Show the thread's timeline to whoever clicked."""

    action = "timeline"
    label_key = "button_timeline"

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the timeline."""
        await _press(interaction, _actions(interaction).timeline(interaction, self.thread_id))


class _ThreadChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"$^"
):
    """A button about one thread and one choice: ``beatthread:<action>:<thread id>:<choice>``."""

    action = ""
    style = discord.ButtonStyle.secondary
    #: The label's text key, with ``{choice}`` in it.
    label_key = ""

    def __init__(self, thread_id: int, choice: str, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text(self.label_key.format(choice=choice), lang),
                style=self.style,
                custom_id=f"{PREFIX}{self.action}:{thread_id}:{choice}",
            )
        )
        self.thread_id = thread_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click (the label does not matter then)."""
        return cls(int(match["thread_id"]), match["choice"])


class ExportAgainButton(
    _ThreadChoiceButton,
    template=rf"^{PREFIX}again:(?P<thread_id>\d{{1,20}}):(?P<choice>{AGAIN_RESOLUTION})$",
):
    """On a video's card: export the thread's timeline again at another resolution."""

    action = "again"
    style = discord.ButtonStyle.primary
    label_key = "button_export_{choice}"

    async def callback(self, interaction: discord.Interaction) -> None:
        """Start an export at the button's resolution."""
        again = _actions(interaction).export_at(interaction, self.thread_id, self.choice)
        await _press(interaction, again)


class ReshapeButton(
    _ThreadChoiceButton,
    template=rf"^{PREFIX}reshape:(?P<thread_id>\d{{1,20}}):(?P<choice>{'|'.join(SHAPES)})$",
):
    """On a video's card (local studio): make the video vertical or square, then export it."""

    action = "reshape"
    label_key = "button_{choice}"

    async def callback(self, interaction: discord.Interaction) -> None:
        """Ask for the shape, then export."""
        reshape = _actions(interaction).reshape(interaction, self.thread_id, self.choice)
        await _press(interaction, reshape)


class CancelButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"^{PREFIX}cancel:(?P<render_id>{_RENDER_ID})$",
):
    """Cancel one render."""

    def __init__(self, render_id: str, lang: str = "en") -> None:
        super().__init__(
            discord.ui.Button(
                label=text("button_cancel", lang),
                style=discord.ButtonStyle.danger,
                custom_id=cancel_marker(render_id),
            )
        )
        self.render_id = render_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(match["render_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Cancel the render."""
        await _press(interaction, _actions(interaction).cancel(interaction, self.render_id))


def cancel_marker(render_id: str) -> str:
    """The ``custom_id`` of the Cancel button on ``render_id``'s status message."""
    return f"{PREFIX}cancel:{render_id}"


def export_marker(thread_id: int, render_id: str) -> str:
    """The ``custom_id`` of the Export button under ``render_id``'s video."""
    return f"{PREFIX}export:{thread_id}:{render_id}"


DYNAMIC_ITEMS = (
    ExportButton,
    RetryButton,
    TimelineButton,
    CancelButton,
    ExportAgainButton,
    ReshapeButton,
)
"""Every button class, for ``Client.add_dynamic_items``."""


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def ready_view(thread_id: int, lang: str) -> discord.ui.View:
    """Under "Ready": see the timeline, or export right away."""
    return _view(TimelineButton(thread_id, lang), ExportButton(thread_id, lang))


def export_view(thread_id: int, lang: str) -> discord.ui.View:
    """An Export button (under a timeline that can be exported, or a cancelled render)."""
    return _view(ExportButton(thread_id, lang))


def status_view(render_id: str, lang: str) -> discord.ui.View:
    """Under a running render's status: Cancel."""
    return _view(CancelButton(render_id, lang))


def stalled_view(render_id: str, thread_id: int, lang: str) -> discord.ui.View:
    """Under a render that stopped moving: Cancel it, or render again."""
    return _view(CancelButton(render_id, lang), RetryButton(thread_id, lang))


def posted_view(thread_id: int, render_id: str, lang: str, *, studio: bool) -> discord.ui.View:
    """On a finished video's card: Export again at 720p / 1080p, Show timeline, Vertical, Square.

    The 1080p button marks the render (see ExportButton); the shapes only on the local studio.
    """
    items: list[discord.ui.Item[Any]] = [
        ExportAgainButton(thread_id, AGAIN_RESOLUTION, lang),
        ExportButton(thread_id, lang, after=render_id),
        TimelineButton(thread_id, lang),
    ]
    if studio:
        items += [ReshapeButton(thread_id, shape, lang) for shape in SHAPES]
    return _view(*items)


def retry_view(thread_id: int, lang: str) -> discord.ui.View:
    """Under a failed render: Retry, or look at the timeline first."""
    return _view(RetryButton(thread_id, lang), TimelineButton(thread_id, lang))

"""What the slash commands and the buttons do, after Discord has been acknowledged.

Every action acknowledges its interaction first (a deferral: Discord's 3-second deadline is
never at the mercy of the database or the backend), then answers ephemerally, in the clicker's
language (their ``/settings`` choice, else their Discord locale), while what the whole thread
should see (an export's status, a queued turn) goes to the thread through the conversation's
runner and presenter.

Rules:

* **Who may press.** The buttons are limited to the thread's owner and to members with Manage
  Threads in it; anyone else gets a polite ephemeral refusal. ``/export`` and ``/status`` are
  open to everyone in the thread, like talking to the bot is.
* **Exports** go through the thread's runner (so they render the timeline *after* the edits
  queued before them), keyed by the interaction id (at most once). A user may have at most
  ``max_exports_per_user`` exports in flight: queued, or recorded and not finished. A video's
  card exports again at the resolution its button names, the way ``/export`` does; an export
  that names none (the Export button, ``/export`` alone) renders at the user's default
  resolution (``/settings``).
* **Vertical / Square** (a card's buttons, local studio only) send the edit in words
  (``reshape_words_*``) as a chat turn, the way a typed message goes, keyed by the interaction
  id, with its render (``then_export``): the edited timeline is rendered once the turn changed
  it; an edit that did not take renders nothing and says so. Pressed on another backend, they
  say what to do instead.
* **The timeline** (``/status``, Show timeline) is the thread's text summary, in the thread's
  language, with its picture attached (:mod:`bot.discord_app.pictures`); the text goes out
  without the picture when it cannot be drawn or sent.
* **Cancel** goes to the export poller (the job is cancelled for good, the backend asked to
  stop); the status message becomes "cancelled by …" with an Export button. A render that is
  being posted or finished cannot be cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.core.intents import Intent, IntentKind
from bot.core.ports import ExportFollower
from bot.core.replies import CreditsReply, TimelineSummary
from bot.core.streaming import truncate
from bot.core.texts import text
from bot.core.usecases import (
    Conversation,
    ConversationRunner,
    ExportOptions,
    IncomingMessage,
    UseCases,
)
from bot.core.usecases.explain import is_local_studio
from bot.discord_app.errors import tell
from bot.discord_app.hub import ConversationHub
from bot.discord_app.locales import Locales, ReplyLanguages
from bot.discord_app.pictures import send_with_picture, timeline_file
from bot.discord_app.render import content_of, credits_embed
from bot.discord_app.views import export_view

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-user caps (settings ``MAX_EXPORTS_PER_USER``, ``MAX_QUEUED_TURNS_PER_USER``)."""

    exports_per_user: int = 2
    queued_turns_per_user: int = 10


class Actions:
    """The behaviour behind ``/export``, ``/status``, ``/credits`` and the buttons."""

    def __init__(
        self,
        use_cases: UseCases,
        hub: ConversationHub,
        exports: ExportFollower,
        locales: Locales,
        limits: Limits,
    ) -> None:
        self._use_cases = use_cases
        self._hub = hub
        self._exports = exports
        #: The language each user is answered in (their choice, their locale, …).
        self.languages = ReplyLanguages(use_cases, locales)
        self.limits = limits

    async def language(self, interaction: discord.Interaction) -> str:
        """The user's language (their ``/settings`` choice, else their Discord locale).

        Their locale is remembered for their next posts.
        """
        return await self.languages.of_interaction(interaction)

    # -- buttons (ButtonActions) ------------------------------------------------------

    async def export(self, interaction: discord.Interaction, thread_id: int) -> None:
        """The Export and Retry buttons: export the current timeline at the clicker's default."""
        await self.request_export(interaction, thread_id, None, guarded=True)

    async def timeline(self, interaction: discord.Interaction, thread_id: int) -> None:
        """The Show timeline button."""
        await self.show_timeline(interaction, thread_id, guarded=True)

    async def cancel(self, interaction: discord.Interaction, render_id: str) -> None:
        """The Cancel button on a render's status message."""
        await interaction.response.defer()
        lang = await self.language(interaction)
        store = self._use_cases.deps.store
        async with store.transaction() as tx:
            job = await tx.exports.get(render_id)
        runner = await self._hub.get(job.thread_id) if job is not None else None
        if job is None or runner is None:
            await self._tell(interaction, text("export_already_finished", lang), lang)
            return
        if not self._may_control(interaction, runner.conversation):
            await self._tell(interaction, text("not_your_thread", lang), lang)
            return
        if not await self._exports.cancel(render_id):
            await self._tell(interaction, text("export_already_finished", lang), lang)
            return
        thread_lang = runner.conversation.language
        name = discord.utils.escape_markdown(interaction.user.display_name)
        await interaction.edit_original_response(
            content=text("export_status_cancelled", thread_lang, name=name),
            view=export_view(job.thread_id, thread_lang),
        )

    async def export_at(
        self, interaction: discord.Interaction, thread_id: int, resolution: str
    ) -> None:
        """A card's Export again · 720p / 1080p: export the current timeline at ``resolution``."""
        await self.request_export(interaction, thread_id, resolution, guarded=True)

    async def reshape(self, interaction: discord.Interaction, thread_id: int, shape: str) -> None:
        """A card's Vertical / Square: the edit in words as a chat turn, then an export."""
        lang, runner = await self._deferred_runner(interaction, thread_id, guarded=True)
        if runner is None:
            return
        if not await is_local_studio(self._use_cases.deps):
            await self._tell(interaction, text("reshape_unavailable", lang), lang)
            return
        if not await self._room_for_export(interaction, lang):
            return
        words = text(f"reshape_words_{shape}", runner.conversation.language)
        options = await self._use_cases.export_options(interaction.user.id, None)
        edit = IncomingMessage(
            interaction.id, interaction.user.id, Intent(IntentKind.CHAT, words), then_export=options
        )
        if not await runner.submit(edit):  # seen before, or shutting down (the thread was told)
            await self._tell(interaction, text("restarting", lang), lang)
            return
        shape_name = text(f"shape_{shape}", lang)
        await self._tell(interaction, text("reshape_requested", lang, shape=shape_name), lang)

    # -- commands ---------------------------------------------------------------------

    async def request_export(
        self,
        interaction: discord.Interaction,
        thread_id: int,
        resolution: str | None,
        *,
        guarded: bool,
    ) -> None:
        """Queue an export of the thread's timeline at ``resolution`` (``None``: the user's)."""
        lang, runner = await self._deferred_runner(interaction, thread_id, guarded=guarded)
        if runner is None or not await self._room_for_export(interaction, lang):
            return
        options = await self._use_cases.export_options(interaction.user.id, resolution)
        await self._submit_export(runner, interaction.id, interaction.user.id, options)
        confirmation = text(
            "export_requested",
            lang,
            format=options.format.upper(),
            resolution=options.resolution,
        )
        await self._tell(interaction, confirmation, lang)

    async def show_timeline(
        self, interaction: discord.Interaction, thread_id: int, *, guarded: bool
    ) -> None:
        """Show the thread's timeline, its text and its picture, to the interaction's user only."""
        lang, runner = await self._deferred_runner(interaction, thread_id, guarded=guarded)
        if runner is None:
            return
        thread_lang = runner.conversation.language
        events = [event async for event in self._use_cases.state(runner.conversation)]
        lines = [content_of(event, thread_lang) for event in events]
        summary = next((e for e in events if isinstance(e, TimelineSummary)), None)
        picture = None if summary is None else await timeline_file(summary, thread_lang)
        await self._tell(interaction, "\n\n".join(lines), lang, picture)

    async def credits(self, interaction: discord.Interaction) -> None:
        """The user's credit balance, as an ephemeral embed."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self.language(interaction)
        # Credits belong to the bot's NemoVideo account, not to a thread: the conversation
        # only carries the language here.
        asking = Conversation(0, interaction.user.id, lang)
        billing_url = self._use_cases.deps.timings.billing_url
        async for event in self._use_cases.credits(asking):
            if isinstance(event, CreditsReply):
                embed = credits_embed(event, lang, billing_url=billing_url)
                await tell(interaction, embed=embed)
            else:
                await self._tell(interaction, content_of(event, lang), lang)

    # -- limits -----------------------------------------------------------------------

    async def exports_in_flight(self, user_id: int) -> int:
        """The user's exports that are queued, or recorded and not finished."""
        async with self._use_cases.deps.store.transaction() as tx:
            running = await tx.exports.count_unfinished(requester_id=user_id)
        return running + self._hub.waiting(user_id, IntentKind.EXPORT)

    # -- helpers ----------------------------------------------------------------------

    async def _room_for_export(self, interaction: discord.Interaction, lang: str) -> bool:
        """Whether the user may start one more export; if not, they are told why."""
        limit = self.limits.exports_per_user
        if await self.exports_in_flight(interaction.user.id) < limit:
            return True
        await self._tell(interaction, text("export_limit", lang, limit=limit), lang)
        return False

    @staticmethod
    async def _submit_export(
        runner: ConversationRunner, message_id: int, requester_id: int, options: ExportOptions
    ) -> None:
        """Queue an export behind the thread's queued turns, keyed by ``message_id``."""
        export = Intent(IntentKind.EXPORT, "")
        await runner.submit(
            IncomingMessage(message_id, requester_id, export, export_options=options)
        )

    async def _deferred_runner(
        self, interaction: discord.Interaction, thread_id: int, *, guarded: bool
    ) -> tuple[str, ConversationRunner | None]:
        """Acknowledge at once, then the user's language and the thread's runner.

        ``None`` for the runner after telling the user why they cannot use it.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = await self.language(interaction)
        runner = await self._hub.get(thread_id)
        if runner is None:
            await self._tell(interaction, text("not_a_track_thread", lang), lang)
            return lang, None
        if guarded and not self._may_control(interaction, runner.conversation):
            await self._tell(interaction, text("not_your_thread", lang), lang)
            return lang, None
        return lang, runner

    @staticmethod
    def _may_control(interaction: discord.Interaction, conversation: Conversation) -> bool:
        return (
            interaction.user.id == conversation.owner_id or interaction.permissions.manage_threads
        )

    @staticmethod
    async def _tell(
        interaction: discord.Interaction,
        message: str,
        lang: str,
        picture: discord.File | None = None,
    ) -> None:
        """An ephemeral answer, with ``picture`` attached; one too long is cut, and says so."""
        fitted = truncate(message, text("reply_truncated", lang))
        doing = f"answering interaction {interaction.id}"
        await send_with_picture(interaction.followup.send, doing, fitted, picture, ephemeral=True)

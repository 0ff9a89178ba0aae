"""The Discord bot: components wired from injected resources, one async start-up point.

:func:`create_bot` builds a :class:`BeatthreadBot` from the opened
:class:`~bot.services.Services` (use cases, HTTP client) and the settings; the bot creates
only in-memory parts (limiter, hub, notifier…) and closes only those. Start-up, in
:meth:`BeatthreadBot.setup_hook` (after login, before the gateway):

1. **Intents.** The Message Content intent is privileged: the gateway refuses a bot that asks
   for it without the application having it enabled. So the application's flags decide
   whether it is asked for; without it, the self-check explains what still works.
2. **Turns a previous run left unfinished** (in this process's shards) are marked
   interrupted and their threads told, with what the backend has now (never re-sent: a
   re-sent turn could be charged twice).
3. **Commands and buttons:** the cogs, the persistent buttons (dynamic items, working on
   messages from before a restart), the 中文 command translations, then the command sync,
   only when the tree changed (:mod:`.command_sync`; a failed sync is logged, never fatal).
4. **The export poller** starts under a :class:`~bot.jobs.Supervisor` once the gateway is
   ready: it loads every unfinished export from the database (also those of a previous run)
   and follows each to its one post.

Once the gateway is ready, the start-up self-check runs once (:mod:`.selfcheck`).
:meth:`BeatthreadBot.close` stops the conversations, then the export poller (in-flight polls
and posts finish, leases are released, the jobs stay in the database for the next start),
before discord.py closes the gateway and HTTP session; the composition root closes the rest.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import httpx
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.core.ports import Clock
from bot.core.usecases import Conversation, Timings, UseCases
from bot.discord_app.actions import Actions, Limits
from bot.discord_app.cogs.commands import CommandsCog
from bot.discord_app.cogs.conversation import ConversationCog
from bot.discord_app.cogs.tracks import TracksCog
from bot.discord_app.command_sync import sync_commands
from bot.discord_app.context import AppContext
from bot.discord_app.errors import report
from bot.discord_app.gateway_guard import install_gateway_guard
from bot.discord_app.hub import ConversationHub
from bot.discord_app.intake import TrackIntake
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.locales import Locales
from bot.discord_app.notifier import DiscordNotifier
from bot.discord_app.presenter import ThreadPresenter
from bot.discord_app.selfcheck import self_check
from bot.discord_app.translator import CommandTranslator
from bot.discord_app.views import DYNAMIC_ITEMS
from bot.jobs import PollerFactory, Supervisor
from bot.services import PollerOptions, Services

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """What Beatthread asks the gateway for: the defaults plus message content."""
    wanted = discord.Intents.default()
    wanted.message_content = True
    return wanted


class BeatthreadBot(commands.AutoShardedBot):
    """The Beatthread Discord client (start-up rules in the module docstring).

    Sharded: ``shard_ids``/``shard_count`` (settings ``SHARD_IDS``/``SHARD_COUNT``) choose
    this process's shards; without them discord.py asks Discord how many to run, all here.
    """

    def __init__(
        self,
        use_cases: UseCases,
        http: httpx.AsyncClient,
        poller: PollerFactory,
        *,
        watched: frozenset[int] = frozenset(),
        limits: Limits | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        #: Gateway events discord.py could not parse are dropped and counted here.
        self.gateway_guard = install_gateway_guard(self)
        deps = use_cases.deps
        limiter = MessageLimiter()
        notifier = DiscordNotifier(self, deps.store, limiter, deps.clock, http=http)
        self.exports = poller(notifier)
        billing_url = deps.timings.billing_url

        def presenter(conversation: Conversation) -> ThreadPresenter:
            channel = self.get_partial_messageable(
                conversation.thread_id, type=discord.ChannelType.public_thread
            )
            return ThreadPresenter(
                channel,
                conversation,
                store=deps.store,
                notifier=notifier,
                exports=self.exports,
                limiter=limiter,
                billing_url=billing_url,
            )

        self._presenter = presenter
        hub = ConversationHub(use_cases, presenter)
        locales = Locales()
        actions = Actions(use_cases, hub, self.exports, locales, limits or Limits())
        self.app = AppContext(
            use_cases=use_cases,
            http=http,
            watched=watched,
            limiter=limiter,
            locales=locales,
            notifier=notifier,
            hub=hub,
            intake=TrackIntake(http, hub, limiter, max_bytes=deps.timings.max_upload_bytes),
            actions=actions,
        )
        #: What the persistent buttons call (see :mod:`bot.discord_app.views`).
        self.button_actions = actions
        self.message_content = True
        self._checked = False
        self._tasks = Supervisor()
        #: Where ``/healthz`` and ``/metrics`` answer, once the side server runs.
        self.ops_url: str | None = None

    async def setup_hook(self) -> None:
        """The one async start-up point (steps in the module docstring)."""
        await self._choose_intents()
        await self._report_interrupted_turns()
        await self.install_commands()
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        deps = self.app.use_cases.deps
        self.command_sync = await sync_commands(self.tree, deps.store, deps.clock)

    async def install_commands(self) -> None:
        """The cogs and the command tree with its 中文 translations and error handler."""
        self.tree.error(self._on_app_command_error)
        await self.tree.set_translator(CommandTranslator())
        await self.add_cog(TracksCog(self, self.app))
        await self.add_cog(ConversationCog(self, self.app))
        await self.add_cog(CommandsCog(self, self.app))

    async def on_ready(self) -> None:
        """Once, when the gateway is first ready: start the export poller, run the self-check.

        The poller starts here rather than in ``setup_hook``: before the gateway is ready it
        could not post (``DiscordNotifier.handles``) and would only hand finished videos back.
        """
        if self._checked:
            return
        self._checked = True
        log.info("connected as %s to %d servers", self.user, len(self.guilds))
        poller = self.exports
        self._tasks.spawn("export-poller", poller.run, stop=poller.stop, restart=True)
        await self_check(
            self,
            self.app.watched,
            message_content=self.message_content,
            slash_commands=self.command_sync.failure,
        )

    async def on_message(self, message: discord.Message) -> None:
        """Messages are the cogs' business; there are no prefix commands."""

    async def shutdown(self, grace: float) -> None:
        """SIGTERM: take no new turns, let running ones finish for ``grace`` s, then close."""
        finished = await self.app.hub.drain(grace)
        if not finished:
            log.warning(
                "turns still running after %.0f s are stopped; reported at next start", grace
            )
        await self.close()

    async def close(self) -> None:
        """Stop the conversations and the poller, then close the gateway and Discord's HTTP."""
        await _handlers_finished(HANDLERS_GRACE)
        await self.app.hub.close()
        await self._tasks.stop()
        await super().close()

    async def _choose_intents(self) -> None:
        info = await self.application_info()
        flags = info.flags
        self.message_content = flags.gateway_message_content or (
            flags.gateway_message_content_limited
        )
        if not self.message_content:
            # discord.py fixes intents at construction, before the flags can be known (they
            # need the login); identifying with a privileged intent the application lacks
            # would be refused (close code 4014), so drop it here, before the gateway.
            self._connection._intents.message_content = False

    async def _report_interrupted_turns(self) -> None:
        # Only this process's shards: the other processes' turns may still be running.
        deps = self.app.use_cases.deps
        mine = None if self.shard_ids is None else list(self.shard_ids)
        async with deps.store.transaction() as tx:
            turns = await tx.turns.interrupt_in_flight(
                now=deps.clock.now(), shard_ids=mine, shard_count=self.shard_count or 1
            )
        for thread_id in sorted({turn.thread_id for turn in turns}):
            conversation = await self.app.use_cases.open_conversation(thread_id)
            if conversation is None:
                continue
            show = self._presenter(conversation)
            try:
                async for event in self.app.use_cases.after_interruption(conversation):
                    await show(event)
            finally:
                show.close()

    async def _on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error, self.app.use_cases.deps)


#: How long shutdown waits for event handlers already running (a message being recorded).
HANDLERS_GRACE = 5.0
#: Names discord.py gives the tasks that run events, slash commands and button callbacks
#: (``Client._schedule_event``, ``CommandTree._from_interaction``, ``View._dispatch_item``).
_HANDLER_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-")


async def _handlers_finished(grace: float) -> None:
    """Wait (bounded) for running event handlers, so none outlives the database engine.

    discord.py does not keep its handler tasks; they are found by name (checked against
    discord.py 2.x; a rename only makes shutdown wait less, never hang).
    """
    me = asyncio.current_task()
    running = [
        task
        for task in asyncio.all_tasks()
        if task is not me and not task.done() and task.get_name().startswith(_HANDLER_TASKS)
    ]
    if running:
        _, late = await asyncio.wait(running, timeout=grace)
        if late:
            log.warning("%d event handlers still running at shutdown", len(late))


def create_bot(
    settings: Settings,
    services: Services,
    *,
    timings: Timings | None = None,
    polling: PollerOptions | None = None,
    clock: Clock | None = None,
    **options: Any,
) -> BeatthreadBot:
    """The bot over opened ``services``; ``options`` go to :class:`discord.Client`."""
    # Beatthread has no voice: discord.py's warnings that voice's libraries are missing are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    limits = Limits(
        exports_per_user=settings.max_exports_per_user,
        queued_turns_per_user=settings.max_queued_turns_per_user,
    )
    if settings.shard_count is not None:
        options.setdefault("shard_count", settings.shard_count)
        options.setdefault(
            "shard_ids",
            list(settings.shard_ids or range(settings.shard_count)),
        )
    use_cases = services.use_cases(timings, clock)
    poller = services.poller_factory(use_cases, polling or PollerOptions.from_settings(settings))
    return BeatthreadBot(
        use_cases,
        services.http,
        poller,
        watched=frozenset(settings.watch_channel_ids),
        limits=limits,
        **options,
    )

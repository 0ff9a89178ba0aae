"""The Discord bot: components wired from injected resources, one async start-up point.

:func:`create_bot` builds a :class:`BeatthreadBot` from the opened
:class:`~bot.services.Services` (use cases, HTTP client) and the settings; the bot creates
only in-memory parts (limiter, hub, notifier…) and closes only those. Start-up, in
:meth:`BeatthreadBot.setup_hook` (after login, before the gateway):

1. **Turns a previous run left unfinished** (in this process's shards) are marked
   interrupted and their threads told, with what the backend has now (never re-sent: a
   re-sent turn could be charged twice).
2. **Commands and buttons:** the cogs, the persistent buttons and the ``/settings`` and
   ``/history`` panels' components (dynamic items, working on messages from before a
   restart), the 中文 command translations, then the command sync, only when the tree
   changed (:mod:`.command_sync`; a failed sync is logged, never fatal).
3. **Pictures:** the timeline picture's font is opened (a first drawing is ~250 ms).
4. **The export poller** starts under a :class:`~bot.jobs.Supervisor` once the gateway is
   ready: it loads every unfinished export from the database (also those of a previous run)
   and follows each to its one post.

The Message Content intent is privileged: the gateway refuses a bot that asks for it
without the application having it enabled, and discord.py fixes intents when the client is
built. So :func:`probe_application` reads the application's flags before the bot is
built; without the intent, the self-check explains what still works.

Once the gateway is ready, the start-up self-check runs once (:mod:`.selfcheck`).
:meth:`BeatthreadBot.close` waits (bounded) for the event, command and button handlers still
running (:class:`HandlerTasks`), stops the conversations, then the export poller (in-flight
polls and posts finish, leases are released, the jobs stay in the database for the next
start), before discord.py closes the gateway and HTTP session; the composition root closes
the rest.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import discord
import httpx
from discord import app_commands
from discord.ext import commands
from discord.utils import MISSING

from bot import pictures
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
from bot.discord_app.http_trace import RateLimitScope, discord_trace
from bot.discord_app.hub import ConversationHub
from bot.discord_app.intake import TrackIntake
from bot.discord_app.limiter import MessageLimiter
from bot.discord_app.locales import Locales
from bot.discord_app.notifier import DiscordNotifier
from bot.discord_app.panels import PANEL_ITEMS
from bot.discord_app.preferences import Preferences
from bot.discord_app.presenter import ThreadPresenter
from bot.discord_app.selfcheck import self_check
from bot.discord_app.translator import CommandTranslator
from bot.discord_app.video_post import VideoPost
from bot.discord_app.views import DYNAMIC_ITEMS, ButtonActions
from bot.jobs import PollerFactory, Supervisor
from bot.services import PollerOptions, Services

log = logging.getLogger(__name__)


#: A listener, as discord.py takes one.
Listener = Callable[..., Coroutine[Any, Any, Any]]


def intents(*, message_content: bool = True) -> discord.Intents:
    """What Beatthread asks the gateway for: the defaults, plus message content if allowed."""
    wanted = discord.Intents.default()
    wanted.message_content = message_content
    return wanted


@dataclass(frozen=True, slots=True)
class Application:
    """What the bot must know of its Discord application before it is built."""

    application_id: int
    #: Whether it may ask for the Message Content intent (its flags).
    message_content: bool


async def probe_application(token: str) -> Application:
    """Read the application over REST, so the bot is built with the right id and intents.

    A short-lived client that never connects logs in (``GET /users/@me`` and
    ``/applications/@me``); a refused token raises :class:`discord.LoginFailure` here.
    """
    _without_voice()
    async with discord.Client(intents=intents(message_content=False)) as probe:
        await probe.login(token)
        flags = probe.application_flags
        application_id = probe.application_id
    if application_id is None:
        raise discord.LoginFailure("Discord named no application for this token")
    allowed = flags.gateway_message_content or flags.gateway_message_content_limited
    return Application(application_id, allowed)


def _without_voice() -> None:
    """Beatthread has no voice: discord.py's warnings that its libraries are missing are noise."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class HandlerTasks:
    """The event, command and button handlers running now, so shutdown can wait for them.

    discord.py runs each handler in a task of its own and keeps none of them: a handler
    registers its task (:meth:`track`, from inside it) and drops out when it ends.
    """

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        #: Set once shutdown has begun to wait for the handlers.
        self.draining = asyncio.Event()

    @property
    def running(self) -> int:
        """How many handlers are running now."""
        return len(self._running)

    def track(self) -> None:
        """Count the current task as a running handler until it ends."""
        task = asyncio.current_task()
        if task is not None and task not in self._running:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    def tracked(self, listener: Listener) -> Listener:
        """``listener``, tracking each of its runs."""

        @functools.wraps(listener)
        async def run(*args: Any, **kwargs: Any) -> Any:
            self.track()
            return await listener(*args, **kwargs)

        return run

    async def finish(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the running handlers (never for the caller)."""
        self.draining.set()
        me = asyncio.current_task()
        running = [task for task in self._running if task is not me]
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            if late:
                log.warning("%d event handlers still running at shutdown", len(late))


class _Tree(app_commands.CommandTree["BeatthreadBot"]):
    """The command tree: every slash command and context menu runs as a tracked handler."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Runs first in the task of every command: track it; never refuses."""
        self.client.handlers.track()
        return True


class _TrackedButtons:
    """The button actions, each press run as a tracked handler."""

    def __init__(self, actions: ButtonActions, handlers: HandlerTasks) -> None:
        self._actions = actions
        self._handlers = handlers

    async def export(self, interaction: discord.Interaction, thread_id: int) -> None:
        """Export and Retry."""
        self._handlers.track()
        await self._actions.export(interaction, thread_id)

    async def timeline(self, interaction: discord.Interaction, thread_id: int) -> None:
        """Show timeline."""
        self._handlers.track()
        await self._actions.timeline(interaction, thread_id)

    async def cancel(self, interaction: discord.Interaction, render_id: str) -> None:
        """Cancel a render."""
        self._handlers.track()
        await self._actions.cancel(interaction, render_id)

    async def export_at(
        self, interaction: discord.Interaction, thread_id: int, resolution: str
    ) -> None:
        """A card's Export again at a resolution."""
        self._handlers.track()
        await self._actions.export_at(interaction, thread_id, resolution)

    async def reshape(self, interaction: discord.Interaction, thread_id: int, shape: str) -> None:
        """A card's Vertical / Square."""
        self._handlers.track()
        await self._actions.reshape(interaction, thread_id, shape)


class BeatthreadBot(commands.AutoShardedBot):
    """The Beatthread Discord client (start-up rules in the module docstring).

    Sharded: ``shard_ids``/``shard_count`` (settings ``SHARD_IDS``/``SHARD_COUNT``) choose
    this process's shards; without them discord.py asks Discord how many to run, all here.
    ``message_content``: whether to ask for that intent (:func:`probe_application`);
    ``on_rate_limited`` hears of every 429 Discord answers (the metrics).
    """

    def __init__(
        self,
        use_cases: UseCases,
        http: httpx.AsyncClient,
        poller: PollerFactory,
        *,
        watched: frozenset[int] = frozenset(),
        limits: Limits | None = None,
        message_content: bool = True,
        on_rate_limited: Callable[[RateLimitScope], None] = lambda scope: None,
        **options: Any,
    ) -> None:
        limiter = MessageLimiter()
        #: Handlers running now; :meth:`close` waits for them.
        self.handlers = HandlerTasks()
        self._listeners_added: dict[Listener, Listener] = {}
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(message_content=message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=_Tree,
            http_trace=discord_trace(limiter, on_rate_limited),
            **options,
        )
        #: Gateway events discord.py could not parse are dropped and counted here.
        self.gateway_guard = install_gateway_guard(self)
        deps = use_cases.deps
        video = VideoPost(self, deps, limiter, http=http)
        notifier = DiscordNotifier(self, deps.store, deps.clock, video)
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
            preferences=Preferences(use_cases, hub, actions.languages, track=self.handlers.track),
        )
        #: What the persistent buttons call (see :mod:`bot.discord_app.views`).
        self.button_actions = _TrackedButtons(actions, self.handlers)
        #: What the /settings and /history panels call (see :mod:`bot.discord_app.panels`).
        self.preferences = self.app.preferences
        self.message_content = message_content
        self._checked = False
        self._tasks = Supervisor()
        #: Where ``/healthz`` and ``/metrics`` answer, once the side server runs.
        self.ops_url: str | None = None

    async def setup_hook(self) -> None:
        """The one async start-up point (steps in the module docstring)."""
        await self._report_interrupted_turns()
        await self.install_commands()
        self.add_dynamic_items(*DYNAMIC_ITEMS, *PANEL_ITEMS)
        deps = self.app.use_cases.deps
        self.command_sync = await sync_commands(self.tree, deps.store, deps.clock)
        await asyncio.to_thread(pictures.warm_up)

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
        self.handlers.track()
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

    def add_listener(self, func: Listener, /, name: str = MISSING) -> None:
        """Add ``func`` (the cogs' listeners come here too), run as a tracked handler."""
        wrapped = self._listeners_added.setdefault(func, self.handlers.tracked(func))
        super().add_listener(wrapped, name)

    def remove_listener(self, func: Listener, /, name: str = MISSING) -> None:
        """Remove a listener added with :meth:`add_listener`."""
        super().remove_listener(self._listeners_added.pop(func, func), name)

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
        await self.handlers.finish(HANDLERS_GRACE)
        await self.app.hub.close()
        await self._tasks.stop()
        await super().close()

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


def create_bot(
    settings: Settings,
    services: Services,
    *,
    timings: Timings | None = None,
    polling: PollerOptions | None = None,
    clock: Clock | None = None,
    message_content: bool = True,
    **options: Any,
) -> BeatthreadBot:
    """The bot over opened ``services``; ``options`` go to :class:`discord.Client`."""
    _without_voice()
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
        message_content=message_content,
        on_rate_limited=services.metrics.count_discord_rate_limit,
        **options,
    )

"""The use cases: what Beatthread does for a conversation, over the ports, for any front end.

A front end builds one :class:`UseCases` at start-up and, per conversation, either calls the
use cases directly (each yields :mod:`reply events <bot.core.replies>` to render) or hands
messages to a :class:`ConversationRunner`, which adds the queueing, burst and at-most-once
rules. The rules of each use case are in its module's docstring:

* :mod:`.sessions` - start a conversation, replace a lost session (1002)
* :mod:`.uploads` - check and upload a file
* :mod:`.chat` - a chat turn (streaming, still-working, silent turns, dropped streams)
* :mod:`.queries` - credits and the timeline summary
* :mod:`.exports` - submit a render (the export poller in :mod:`bot.jobs` follows it)
* :mod:`.settings` - a user's own settings (resolution, video by DM, reply language)
* :mod:`.history` - a user's finished videos, a page at a time
* :mod:`.runner` - one turn at a time, queued in order, bursts merged, each message once
* :mod:`.explain` - the one place an error becomes user text
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Unpack

from bot.core.models import ExportOptions, NewThread, UserSettings, UserSettingsChanges
from bot.core.ports import Backend, Clock, Store, Tally, Telemetry
from bot.core.replies import ReplyEvent
from bot.core.usecases.chat import after_interruption, chat_turn
from bot.core.usecases.context import (
    Attachment,
    Conversation,
    Deps,
    SystemClock,
    Timings,
)
from bot.core.usecases.exports import start_export
from bot.core.usecases.history import HistoryPage, history_page
from bot.core.usecases.queries import credits, timeline
from bot.core.usecases.runner import ConversationRunner, IncomingMessage, ReplySink
from bot.core.usecases.sessions import open_conversation, start_conversation
from bot.core.usecases.settings import change_settings, export_options, user_settings
from bot.core.usecases.uploads import upload

__all__ = [
    "Attachment",
    "Conversation",
    "ConversationRunner",
    "Deps",
    "ExportOptions",
    "HistoryPage",
    "IncomingMessage",
    "NewThread",
    "ReplySink",
    "SystemClock",
    "Timings",
    "UseCases",
    "UserSettings",
]


class UseCases:
    """Every use case, bound to the ports the composition root opened."""

    def __init__(
        self,
        backend: Backend,
        store: Store,
        *,
        clock: Clock | None = None,
        timings: Timings | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.deps = Deps(
            backend, store, clock or SystemClock(), timings or Timings(), telemetry or Tally()
        )

    async def start_conversation(self, thread: NewThread) -> Conversation:
        """Record a new conversation (``thread.language`` required) and its backend session."""
        return await start_conversation(self.deps, thread)

    async def open_conversation(self, thread_id: int) -> Conversation | None:
        """A recorded conversation (after a restart), or ``None``."""
        return await open_conversation(self.deps, thread_id)

    def runner(self, conversation: Conversation, sink: ReplySink) -> ConversationRunner:
        """A message queue for ``conversation`` whose replies go to ``sink``."""
        return ConversationRunner(self.deps, conversation, sink)

    def upload(
        self, conversation: Conversation, attachment: Attachment
    ) -> AsyncIterator[ReplyEvent]:
        """Check and upload one file."""
        return upload(self.deps, conversation, attachment)

    def chat(self, conversation: Conversation, message: str) -> AsyncIterator[ReplyEvent]:
        """One chat turn."""
        return chat_turn(self.deps, conversation, message)

    def after_interruption(self, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
        """A turn was cut off by a restart: say so and what the backend has now."""
        return after_interruption(self.deps, conversation)

    def credits(self, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
        """The credit balance."""
        return credits(self.deps, conversation)

    def state(self, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
        """The timeline summary."""
        return timeline(self.deps, conversation)

    def start_export(
        self,
        conversation: Conversation,
        requester_id: int,
        options: ExportOptions | None = None,
    ) -> AsyncIterator[ReplyEvent]:
        """Submit a render of the current timeline."""
        return start_export(self.deps, conversation, requester_id, options)

    async def user_settings(self, user_id: int) -> UserSettings:
        """The user's own settings (the defaults until they change one)."""
        return await user_settings(self.deps, user_id)

    async def change_settings(
        self, user_id: int, **changes: Unpack[UserSettingsChanges]
    ) -> UserSettings:
        """Store a change of the user's settings at once; return them all."""
        return await change_settings(self.deps, user_id, **changes)

    async def export_options(self, requester_id: int, resolution: str | None) -> ExportOptions:
        """What an export renders: ``resolution``, else the requester's default."""
        return await export_options(self.deps, requester_id, resolution)

    async def history(self, requester_id: int, page: int = 1) -> HistoryPage:
        """A page of the requester's finished videos, newest first."""
        return await history_page(self.deps, requester_id, page)

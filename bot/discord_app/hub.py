"""The conversations this process serves: one runner and one presenter per Beatthread thread.

A thread is Beatthread's if the store has it (it was recorded when the thread was opened), so
after a restart a thread's conversation is reopened on its first message or click. Runners live
for the life of the process; :meth:`ConversationHub.close` stops them all at shutdown (queued
messages stay recorded, and are reported as interrupted at the next start).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.core.intents import IntentKind
from bot.core.usecases import Conversation, ConversationRunner, UseCases
from bot.discord_app.presenter import ThreadPresenter

PresenterFactory = Callable[[Conversation], ThreadPresenter]


class ConversationHub:
    """Opens, finds and closes conversations (rules in the module docstring)."""

    def __init__(self, use_cases: UseCases, make_presenter: PresenterFactory) -> None:
        self._use_cases = use_cases
        self._make_presenter = make_presenter
        self._runners: dict[int, ConversationRunner] = {}
        self._presenters: dict[int, ThreadPresenter] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def start(
        self,
        *,
        thread_id: int,
        owner_id: int,
        language: str,
        guild_id: int,
        parent_channel_id: int,
        title: str,
    ) -> ConversationRunner:
        """Record a new conversation for ``thread_id`` (backend session included)."""
        conversation = await self._use_cases.start_conversation(
            thread_id=thread_id,
            owner_user_id=owner_id,
            language=language,
            guild_id=guild_id,
            parent_channel_id=parent_channel_id,
            title=title,
        )
        return self._add(conversation)

    async def get(self, thread_id: int) -> ConversationRunner | None:
        """The thread's runner, reopened from the store if needed; ``None`` if not ours."""
        runner = self._runners.get(thread_id)
        if runner is not None:
            return runner
        # One store lookup per thread at a time, so two messages never open two runners.
        async with self._locks.setdefault(thread_id, asyncio.Lock()):
            runner = self._runners.get(thread_id)
            if runner is not None:
                return runner
            conversation = await self._use_cases.open_conversation(thread_id)
            return self._add(conversation) if conversation is not None else None

    def queued(self) -> int:
        """How many messages wait in all queues (a metric)."""
        return sum(runner.waiting() for runner in self._runners.values())

    async def drain(self, grace: float) -> bool:
        """Shutdown: every runner stops taking messages; wait up to ``grace`` s for them all.

        Returns whether every queue emptied in time.
        """
        runners = list(self._runners.values())
        for runner in runners:
            runner.stop_taking()
        drained = await asyncio.gather(*(runner.drain(grace) for runner in runners))
        return all(drained)

    def waiting(self, author_id: int, kind: IntentKind | None = None) -> int:
        """How many of ``author_id``'s messages wait in any queue (only ``kind``, if given)."""
        return sum(runner.waiting(author_id, kind) for runner in self._runners.values())

    async def close(self) -> None:
        """Stop every runner and presenter."""
        runners, self._runners = list(self._runners.values()), {}
        for runner in runners:
            await runner.close()
        for presenter in self._presenters.values():
            presenter.close()
        self._presenters.clear()

    def _add(self, conversation: Conversation) -> ConversationRunner:
        presenter = self._make_presenter(conversation)
        runner = self._use_cases.runner(conversation, presenter)
        self._presenters[conversation.thread_id] = presenter
        self._runners[conversation.thread_id] = runner
        return runner

"""A bare discord.py client that records what it receives, for the emulator's own tests."""

# ruff: noqa: ASYNC109 - waits take a timeout by design, as the driver API in issue 5 asks

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .changes import ChangeSignal
from .discordpy import CLIENT_OPTIONS, discord
from .plugin import default_intents

app_commands = discord.app_commands


class RecordingClient(discord.Client):
    """A ``discord.Client`` with a ``CommandTree`` that keeps every event it handles."""

    def __init__(self, *, intents: discord.Intents | None = None, **options: Any) -> None:
        super().__init__(intents=intents or default_intents(), **{**CLIENT_OPTIONS, **options})
        self.tree = app_commands.CommandTree(self)
        self.seen: dict[str, list[Any]] = defaultdict(list)
        self.changes = ChangeSignal()

    def _keep(self, event: str, item: Any) -> None:
        self.seen[event].append(item)
        self.changes.notify()

    async def on_ready(self) -> None:
        self._keep("ready", True)

    async def on_resumed(self) -> None:
        self._keep("resumed", True)

    async def on_message(self, message: discord.Message) -> None:
        self._keep("message", message)

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        self._keep("message_edit", after)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self._keep("raw_message_edit", payload)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self._keep("thread_create", thread)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self._keep("interaction", interaction)

    async def wait_seen(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Any:
        """The first recorded ``event`` item that matches ``predicate``."""

        def check() -> Any:
            for item in self.seen[event]:
                if predicate is None or predicate(item):
                    return item
            return None

        return await self.changes.wait_until(check, timeout=timeout, what=f"client event {event}")

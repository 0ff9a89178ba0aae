"""Everything the request handlers share, and the server-side tasks they start.

One :class:`Runtime` per :class:`~bot.local_backend.server.LocalBackend`; handlers reach it
through ``request.app[RUNTIME]``. It owns the background tasks (agent turns, render jobs) so
that ``stop()`` can cancel and await every one of them: nothing outlives the server.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.local_backend import agent
from bot.local_backend.config import BackendConfig, HandledRequest, RecordedRequest
from bot.local_backend.faults import FaultBook
from bot.local_backend.state import Account, Session, Store
from bot.local_backend.studio import Desk

log = logging.getLogger(__name__)

TurnQueue = asyncio.Queue[agent.AgentEvent | None]


class Runtime:
    """Config, state, faults, the request record, media storage and background tasks."""

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self.store = Store(config)
        self.faults = FaultBook()
        self.requests: list[RecordedRequest] = []
        self.handled: list[HandledRequest] = []
        self.media_dir = Path()
        self.ffmpeg_exe = ""
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._turns: set[asyncio.Task[Any]] = set()
        self.render_tasks: dict[str, asyncio.Task[Any]] = {}
        self.desk = Desk(self.spawn)

    # -- resources ---------------------------------------------------------------------------

    def open(self, media_dir: Path, ffmpeg_exe: str) -> None:
        """Bind the media folder and ffmpeg, and open the client used for URL uploads."""
        self.media_dir = media_dir
        self.ffmpeg_exe = ffmpeg_exe
        # Plenty of time to fetch a big file, but a stuck peer must not hang an upload forever.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=15, sock_read=60)
        self._http = aiohttp.ClientSession(timeout=timeout)

    @property
    def http(self) -> aiohttp.ClientSession:
        """The outbound HTTP client (URL uploads)."""
        if self._http is None:
            raise RuntimeError("the backend is not started")
        return self._http

    async def close(self) -> None:
        """Cancel and await every background task, then close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    # -- tasks -------------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Start a supervised background task (kept referenced, failures logged)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._reap)
        return task

    def _reap(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._turns.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    def start_turn(
        self,
        session: Session,
        account: Account,
        text: str,
        cost: int,
        queue: TurnQueue,
        *,
        in_band_error: str | None,
    ) -> None:
        """Run one agent turn server-side; its events go to ``queue``, then ``None``.

        Credits frozen by the caller are consumed when the turn completes (even if the client
        went away, because the work was done) and refunded when it ends with an in-band error
        or the server stops.
        """

        async def turn() -> None:
            completed = False
            try:
                async with session.lock:
                    completed = await agent.run_turn(
                        session,
                        text,
                        self.config,
                        queue.put_nowait,
                        in_band_error=in_band_error,
                        desk=self.desk,
                    )
            finally:
                account.settle(cost, consumed=completed)
                queue.put_nowait(None)

        task = self.spawn(turn(), name=f"turn-{session.session_id}")
        self._turns.add(task)

    async def settle(self) -> None:
        """Wait until no agent turn is running (a dropped stream's turn finishes server-side)."""
        while self._turns:
            await asyncio.gather(*self._turns, return_exceptions=True)

    def render_base(self, origin: str) -> str:
        """The base of render links: the configured public URL, else ``origin`` (the caller's)."""
        public = self.config.public_url
        return public.rstrip("/") if public else origin

    # -- operations shared by the Python API and the control routes -------------------------

    def session(self, session_id: str) -> Session:
        """A session by id, dropped or not; :class:`KeyError` if it never existed."""
        return self.store.sessions[session_id]

    def drop_session(self, session_id: str) -> None:
        """Make the session answer 1002 from now on."""
        self.session(session_id).dropped = True

    def draft(self, session_id: str) -> dict[str, Any]:
        """A copy of the session's draft."""
        return copy.deepcopy(self.session(session_id).draft)


RUNTIME = web.AppKey("runtime", Runtime)

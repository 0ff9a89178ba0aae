"""Supervised background tasks: named, referenced, logged, restarted, stopped in order.

``asyncio`` keeps only weak references to tasks, so a task nobody holds can vanish mid-run,
and an exception in a task nobody awaits is reported late or never. :class:`Supervisor` holds
every task it starts, logs a failure when it happens (with the task's name), optionally starts
the task again after a growing delay, and at shutdown stops the tasks one by one, **last
started first** (a task may depend on one started before it, never on a later one)::

    async with Supervisor() as tasks:
        tasks.spawn("export-poller", poller.run, stop=poller.stop, restart=True)
        await bot.start(token)
    # leaving the block: poller.stop() (graceful), then cancel if still running

Stopping a task: its ``stop`` hook first, if it has one (finish in-flight work, release
resources), bounded by ``stop_timeout``; then ``cancel()`` if the task is still running, and
an ``await`` so nothing outlives the supervisor. A failing hook is logged, never raised:
one task's bad shutdown must not keep the others running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["Supervisor", "TaskState"]

log = logging.getLogger(__name__)

Runner = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class TaskState:
    """One supervised task, as :meth:`Supervisor.tasks` reports it."""

    name: str
    run: Runner
    stop: Runner | None
    restart: bool
    task: asyncio.Task[None] | None = None
    failures: int = 0
    restarts: int = 0
    stopping: bool = False
    last_error: BaseException | None = field(default=None, repr=False)


class Supervisor:
    """Starts named background tasks and owns them until :meth:`stop`."""

    def __init__(
        self,
        *,
        restart_delay: float = 1.0,
        max_restart_delay: float = 60.0,
        stop_timeout: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._restart_delay = restart_delay
        self._max_restart_delay = max_restart_delay
        self._stop_timeout = stop_timeout
        self._sleep = sleep
        self._states: list[TaskState] = []
        self._closed = False

    @property
    def tasks(self) -> tuple[TaskState, ...]:
        """Every task started, in start order."""
        return tuple(self._states)

    def spawn(
        self,
        name: str,
        run: Runner,
        *,
        stop: Runner | None = None,
        restart: bool = False,
    ) -> TaskState:
        """Start ``run()`` as the task ``name``; with ``restart``, start it again if it fails.

        ``run`` is called again for each restart, so pass the coroutine function, not a
        coroutine. A task that returns normally is done and is not restarted.
        """
        if self._closed:
            raise RuntimeError("the supervisor is stopped")
        if any(state.name == name for state in self._states):
            raise ValueError(f"a task named {name!r} is already supervised")
        state = TaskState(name=name, run=run, stop=stop, restart=restart)
        state.task = asyncio.get_running_loop().create_task(self._supervise(state), name=name)
        self._states.append(state)
        return state

    async def _supervise(self, state: TaskState) -> None:
        delay = self._restart_delay
        while True:
            try:
                await state.run()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                state.failures += 1
                state.last_error = error
                log.exception("background task %s failed", state.name)
                if not state.restart or state.stopping:
                    return
                log.warning("restarting background task %s in %.1f s", state.name, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self._max_restart_delay)
                state.restarts += 1
            else:
                return

    async def stop(self) -> None:
        """Stop every task, last started first (idempotent)."""
        self._closed = True
        for state in reversed(self._states):
            await self._stop_one(state)

    async def _stop_one(self, state: TaskState) -> None:
        task = state.task
        if task is None or state.stopping:
            return
        state.stopping = True
        if state.stop is not None and not task.done():
            try:
                async with asyncio.timeout(self._stop_timeout):
                    await state.stop()
            except TimeoutError:
                log.warning(
                    "%s did not stop within %.0f s; cancelling", state.name, self._stop_timeout
                )
            except Exception:
                log.exception("stopping background task %s failed", state.name)
        if not task.done():
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being cancelled ourselves, not just the task we stopped
        log.debug("background task %s stopped", state.name)

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

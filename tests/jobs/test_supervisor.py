"""Supervisor: tasks are named and held, failures logged, restarts back off, stops in order."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.jobs import Supervisor

pytestmark = pytest.mark.timeout(10)


class Sleeps:
    """Records restart delays instead of sleeping them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_a_failure_is_logged_with_the_task_name(caplog):
    caplog.set_level(logging.ERROR, logger="bot.jobs.supervisor")

    async def broken() -> None:
        raise RuntimeError("boom")

    async with Supervisor() as tasks:
        state = tasks.spawn("broken-job", broken)
        assert state.task is not None and state.task.get_name() == "broken-job"
        await state.task
    assert (state.failures, state.restarts) == (1, 0)
    assert isinstance(state.last_error, RuntimeError)
    (record,) = caplog.records
    assert "broken-job" in record.getMessage() and record.exc_info


async def test_a_restartable_task_is_started_again_with_growing_delays():
    sleeps = Sleeps()
    runs = 0
    done = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs < 4:
            raise RuntimeError(f"failure {runs}")
        done.set()

    async with Supervisor(restart_delay=1.0, max_restart_delay=3.0, sleep=sleeps) as tasks:
        state = tasks.spawn("flaky", flaky, restart=True)
        await done.wait()
    assert runs == 4
    assert sleeps.delays == [1.0, 2.0, 3.0]
    assert (state.failures, state.restarts) == (3, 3)


async def test_stop_runs_hooks_then_cancels_last_started_first():
    """The later task may depend on the earlier one, so it stops first; hooks come first."""
    events: list[str] = []
    started = {name: asyncio.Event() for name in ("store", "poller")}

    def task(name: str):
        async def run() -> None:
            started[name].set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                events.append(f"{name} cancelled")
                raise

        async def stop() -> None:
            events.append(f"{name} stop hook")

        return run, stop

    supervisor = Supervisor()
    for name in ("store", "poller"):
        run, stop = task(name)
        supervisor.spawn(name, run, stop=stop)
    await asyncio.gather(*(event.wait() for event in started.values()))
    await supervisor.stop()
    assert events == [
        "poller stop hook",
        "poller cancelled",
        "store stop hook",
        "store cancelled",
    ]
    assert all(state.task is not None and state.task.done() for state in supervisor.tasks)
    await supervisor.stop()  # idempotent
    with pytest.raises(RuntimeError):
        supervisor.spawn("late", task("late")[0])


async def test_a_graceful_stop_lets_the_task_finish_on_its_own():
    finished = asyncio.Event()
    stopping = asyncio.Event()

    async def run() -> None:
        await stopping.wait()
        finished.set()

    async def stop() -> None:
        stopping.set()
        await finished.wait()

    async with Supervisor() as tasks:
        state = tasks.spawn("graceful", run, stop=stop)
    assert finished.is_set()
    assert state.task is not None and not state.task.cancelled()


async def test_a_hook_that_hangs_or_fails_does_not_stop_the_others(caplog):
    caplog.set_level(logging.WARNING, logger="bot.jobs.supervisor")
    cancelled: list[str] = []
    started = {name: asyncio.Event() for name in ("first", "second")}

    def forever(name: str):
        async def run() -> None:
            started[name].set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(name)
                raise

        return run

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def fails() -> None:
        raise RuntimeError("hook broke")

    supervisor = Supervisor(stop_timeout=0.01)
    supervisor.spawn("first", forever("first"), stop=hangs)
    supervisor.spawn("second", forever("second"), stop=fails)
    await asyncio.gather(*(event.wait() for event in started.values()))
    await supervisor.stop()
    assert cancelled == ["second", "first"]
    messages = [record.getMessage() for record in caplog.records]
    assert any("second" in m and "failed" in m for m in messages)
    assert any("first did not stop" in m for m in messages)


async def test_names_are_unique():
    async def idle() -> None:
        await asyncio.Event().wait()

    async with Supervisor() as tasks:
        tasks.spawn("poller", idle)
        with pytest.raises(ValueError, match="already supervised"):
            tasks.spawn("poller", idle)

"""The side server of a running bot: /healthz follows its parts, /metrics counts its work.

The bot is started the way ``beatthread run`` starts it (``prepared_bot(ops=True)``), with the
side server on a free port; the parts are real and really stopped (a local backend server, a
PostgreSQL cluster of the test's own).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.discord_app.stage import WAIT
from tests.discord_app.test_exports import idle

pytestmark = pytest.mark.timeout(60)


async def healthz(bot) -> tuple[int, dict]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{bot.ops_url}/healthz", timeout=WAIT)
    return response.status_code, response.json()


def failing(body: dict) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


async def samples(bot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, keyed by name and sorted labels."""
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{bot.ops_url}/metrics", timeout=WAIT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_healthz_reports_a_stopped_backend_and_a_stopped_database(
    make_stage, private_postgres
):
    """All green while running; each stopped part fails its own check, and only that one."""
    stage = await make_stage(database_url=private_postgres.url("postgres"))
    bot = await stage.start_bot(ops=True)
    assert bot.ops_url is not None
    status, body = await healthz(bot)
    assert (status, body["status"], failing(body)) == (200, "ok", set())
    assert set(body["checks"]) == {"gateway", "database", "backend"}

    await stage.backend.stop()
    status, body = await healthz(bot)
    assert (status, body["status"], failing(body)) == (503, "fail", {"backend"})

    await asyncio.to_thread(private_postgres.stop)
    status, body = await healthz(bot)
    assert (status, failing(body)) == (503, {"backend", "database"})
    assert body["checks"]["database"]["error"]


async def test_metrics_count_an_upload_a_turn_and_an_export(make_stage):
    """The counters move with the work: upload ok, chat and export turns, submitted → posted."""
    stage = await make_stage()
    bot = await stage.start_bot(ops=True)
    before = await samples(bot)
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    await stage.mia.post(thread, "sync visuals to the beat")
    await stage.emulator.wait_for_message(thread, lambda m: "beat" in m.content, timeout=WAIT)
    handle = await stage.mia.slash("export", thread)
    await handle.wait_for_original(timeout=WAIT)
    await stage.result_post(thread)
    await idle(stage, thread)
    after = await samples(bot)

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("beatthread_uploads_total", outcome="ok") == 1
    assert moved("beatthread_turns_total", kind="chat") == 1
    assert moved("beatthread_turns_total", kind="export") == 1
    assert moved("beatthread_export_transitions_total", status="submitted") == 1
    assert moved("beatthread_export_transitions_total", status="posted") == 1
    assert moved("beatthread_export_poll_seconds_count") >= 1
    assert after[("beatthread_queue_depth", (("queue", "turns"),))] == 0
    assert after[("beatthread_queue_depth", (("queue", "exports_followed"),))] == 0

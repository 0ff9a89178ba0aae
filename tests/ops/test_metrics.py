"""Metrics: counters move, the exposition parses, and real 429s and backend errors are counted."""

from __future__ import annotations

import asyncio
import logging
import socket

import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.backend import Authenticator, NemoClient
from bot.backend.errors import BackendUnavailableError, InsufficientCreditsError
from bot.discord_app.http_trace import discord_trace
from bot.discord_app.limiter import MessageLimiter
from bot.local_backend.config import Fault
from bot.ops import Metrics
from tests.plugins.local_backend import ATTRIBUTION, FAST_RETRY

MESSAGES = "/channels/{channel_id}/messages"


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    """The value of one sample in the rendered exposition, or None when it is absent."""
    body, _ = metrics.render()
    for family in text_string_to_metric_families(body.decode()):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def metrics():
    return Metrics()


def traced(metrics: Metrics) -> dict[str, object]:
    """discord.py client options: the bot's HTTP trace, reporting 429s into ``metrics``."""
    return {"http_trace": discord_trace(MessageLimiter(), metrics.count_discord_rate_limit)}


def test_render_is_parseable_prometheus_text(metrics):
    """A scraper can read every family, with the declared content type."""
    body, content_type = metrics.render()
    assert content_type == prometheus_client.CONTENT_TYPE_LATEST
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert {
        "beatthread_turns",
        "beatthread_uploads",
        "beatthread_export_transitions",
        "beatthread_export_poll_seconds",
        "beatthread_backend_errors",
        "beatthread_discord_rate_limits",
        "beatthread_queue_depth",
    } <= names


def test_known_labels_start_at_zero(metrics):
    """rate() works from the first scrape because known series exist before the first event."""
    assert sample(metrics, "beatthread_turns_total", kind="export") == 0
    assert sample(metrics, "beatthread_uploads_total", outcome="rejected") == 0
    assert sample(metrics, "beatthread_export_transitions_total", status="posted") == 0
    assert sample(metrics, "beatthread_discord_rate_limits_total", scope="global") == 0


def test_counters_move(metrics):
    """Each typed method moves its own series and no other."""
    metrics.count_turn("chat")
    metrics.count_turn("chat")
    metrics.count_turn("credits")
    metrics.count_upload("ok")
    metrics.count_upload("rejected")
    metrics.count_export_status("completed")
    metrics.count_backend_error("1001")
    assert sample(metrics, "beatthread_turns_total", kind="chat") == 2
    assert sample(metrics, "beatthread_turns_total", kind="credits") == 1
    assert sample(metrics, "beatthread_turns_total", kind="state") == 0
    assert sample(metrics, "beatthread_uploads_total", outcome="ok") == 1
    assert sample(metrics, "beatthread_uploads_total", outcome="rejected") == 1
    assert sample(metrics, "beatthread_uploads_total", outcome="failed") == 0
    assert sample(metrics, "beatthread_export_transitions_total", status="completed") == 1
    assert sample(metrics, "beatthread_export_transitions_total", status="posted") == 0
    assert sample(metrics, "beatthread_backend_errors_total", code="1001") == 1


def test_export_poll_latency_is_a_histogram(metrics):
    """Poll latencies land in buckets, so a dashboard can show the slow tail."""
    metrics.observe_export_poll(0.3)
    metrics.observe_export_poll(4.0)
    assert sample(metrics, "beatthread_export_poll_seconds_count") == 2
    assert sample(metrics, "beatthread_export_poll_seconds_sum") == pytest.approx(4.3)
    assert sample(metrics, "beatthread_export_poll_seconds_bucket", le="0.25") == 0
    assert sample(metrics, "beatthread_export_poll_seconds_bucket", le="0.5") == 1
    assert sample(metrics, "beatthread_export_poll_seconds_bucket", le="5.0") == 2


def test_each_metrics_has_its_own_registry():
    """Two bots in one process (or two tests) never share or clash over series."""
    first, second = Metrics(), Metrics()
    first.count_turn("chat")
    assert sample(first, "beatthread_turns_total", kind="chat") == 1
    assert sample(second, "beatthread_turns_total", kind="chat") == 0
    assert prometheus_client.REGISTRY.get_sample_value("beatthread_turns_total") is None


def test_queue_depth_is_read_at_each_scrape(metrics):
    """A gauge follows its queue without anyone pushing updates."""
    queue: list[str] = []
    metrics.register_queue_depth("turns", lambda: len(queue))
    assert sample(metrics, "beatthread_queue_depth", queue="turns") == 0
    queue += ["a", "b", "c"]
    assert sample(metrics, "beatthread_queue_depth", queue="turns") == 3


def test_broken_queue_callback_drops_only_its_series(metrics, caplog):
    """One failing callback must not take the whole /metrics scrape down."""

    def broken() -> int:
        raise RuntimeError("queue gone")

    metrics.register_queue_depth("broken", broken)
    metrics.register_queue_depth("exports", lambda: 2)
    with caplog.at_level(logging.WARNING, logger="bot.ops.metrics"):
        assert sample(metrics, "beatthread_queue_depth", queue="exports") == 2
        assert sample(metrics, "beatthread_queue_depth", queue="broken") is None
    assert "broken" in caplog.text


async def test_real_discordpy_route_429_is_counted_once(metrics, world, connect):
    """A 429 from the emulator, waited out and retried by discord.py, counts once as route."""
    client = await connect(**traced(metrics))
    world.emulator.limiter.inject("POST", MESSAGES, retry_after=0.05)
    await client.get_channel(world.channel.id).send("after the wait")
    assert [hit.scope for hit in world.emulator.recorder.rate_limit_hits] == ["shared"]
    assert sample(metrics, "beatthread_discord_rate_limits_total", scope="route") == 1
    assert sample(metrics, "beatthread_discord_rate_limits_total", scope="global") == 0


async def test_real_discordpy_global_429_is_counted_once_as_global(metrics, world, connect):
    """A global 429 counts once, as global and not also as route; the retried send lands."""
    client = await connect(**traced(metrics))
    world.emulator.limiter.inject("POST", MESSAGES, retry_after=0.05, scope="global")
    await asyncio.wait_for(client.get_channel(world.channel.id).send("later"), timeout=5)
    assert [hit.scope for hit in world.emulator.recorder.rate_limit_hits] == ["global"]
    assert [m.content for m in world.emulator.messages_in(world.channel)] == ["later"]
    assert sample(metrics, "beatthread_discord_rate_limits_total", scope="global") == 1
    assert sample(metrics, "beatthread_discord_rate_limits_total", scope="route") == 0


async def test_backend_errors_are_counted_by_code(local_backend, http_client, identity_store):
    """NemoClient reports contract codes and HTTP statuses, retried attempts included."""
    metrics = Metrics()
    nemo = NemoClient(
        http_client,
        api_url=local_backend.url,
        web_url="https://nemovideo.example",
        attribution=ATTRIBUTION,
        auth=Authenticator(identity_store),
        retry=FAST_RETRY,
        on_error=metrics.count_backend_error,
    )
    await nemo.credits()
    local_backend.expire_tokens()  # so that the backend allows the renewal
    local_backend.inject(Fault(route="credits", code=1001))  # renewed once, then succeeds
    await nemo.credits()
    local_backend.inject(Fault(route="credits", http_status=503))  # retried, then succeeds
    await nemo.credits()
    local_backend.inject(Fault(route="create_session", code=2001))
    with pytest.raises(InsufficientCreditsError):
        await nemo.create_session()
    assert sample(metrics, "beatthread_backend_errors_total", code="1001") == 1
    assert sample(metrics, "beatthread_backend_errors_total", code="503") == 1
    assert sample(metrics, "beatthread_backend_errors_total", code="2001") == 1
    assert sample(metrics, "beatthread_backend_errors_total", code="network") is None


async def test_unreachable_backend_is_counted_as_network(http_client, identity_store):
    """A refused connection is a 'network' error, once per attempt of an idempotent call."""
    metrics = Metrics()
    nemo = NemoClient(
        http_client,
        api_url=f"http://127.0.0.1:{free_port()}",
        web_url="https://nemovideo.example",
        attribution=ATTRIBUTION,
        auth=Authenticator(identity_store, static_token="nmv_static_test_token"),
        retry=FAST_RETRY,
        on_error=metrics.count_backend_error,
    )
    with pytest.raises(BackendUnavailableError):
        await nemo.credits()
    assert sample(metrics, "beatthread_backend_errors_total", code="network") == (
        FAST_RETRY.transient_attempts
    )

"""``Metrics``: the bot's Prometheus families, on a registry of its own.

Each ``Metrics`` owns a ``CollectorRegistry`` (never the process-global one), so tests and
several bots in one process never clash over metric names. The rest of the code calls the
typed methods below; nothing outside this module touches ``prometheus_client``.

Families (all prefixed ``beatthread_``):

* ``turns_total{kind}`` — conversation turns handled (chat, credits, state, export, upload);
* ``uploads_total{outcome}`` — tracks sent to NemoVideo: ok, failed, rejected;
* ``export_transitions_total{status}`` — export jobs entering each status;
* ``export_poll_seconds`` — histogram of render-status call latency;
* ``export_poller_events_total{event}`` — what the export poller did: claims, polls, 429s...;
* ``backend_errors_total{code}`` — NemoVideo errors: contract code, HTTP status or ``network``;
* ``discord_rate_limits_total{scope}`` — Discord 429 responses to discord.py: ``route`` or
  ``global`` (a partition: a global 429 counts once, as ``global``), reported by the bot's
  HTTP trace (:mod:`bot.discord_app.http_trace`);
* ``queue_depth{queue}`` — gauges read from callbacks at every scrape;
* ``gateway_events_dropped_total{event}`` — gateway events discord.py could not parse (or
  had no parser for), dropped by the bot's gateway guard; read from its counts at scrape.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Final, Literal, get_args

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.core.intents import IntentKind
from bot.core.models import ExportStatus
from bot.core.ports import PollerEvent, UploadOutcome

if TYPE_CHECKING:
    from bot.core.ports import Telemetry

log = logging.getLogger(__name__)


#: Render-status calls take tens of milliseconds to seconds; the tail is what matters.
_POLL_BUCKETS: Final = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, math.inf)


class Metrics:
    """The bot's metrics; one per bot, shared by whoever reports into it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._turns = self._counter(
            "beatthread_turns",
            "Conversation turns handled, by use case.",
            "kind",
            [kind.value for kind in IntentKind],
        )
        self._uploads = self._counter(
            "beatthread_uploads",
            "Track uploads to NemoVideo, by outcome.",
            "outcome",
            get_args(UploadOutcome),
        )
        self._export_transitions = self._counter(
            "beatthread_export_transitions",
            "Export jobs entering a status.",
            "status",
            [status.value for status in ExportStatus],
        )
        self._export_poll = Histogram(
            "beatthread_export_poll_seconds",
            "Seconds per NemoVideo render-status call.",
            buckets=_POLL_BUCKETS,
            registry=self.registry,
        )
        self._poller_events = self._counter(
            "beatthread_export_poller_events",
            "Export poller events: claimed, polled, progress_shown, stalled, rate_limited...",
            "event",
            get_args(PollerEvent),
        )
        self._backend_errors = self._counter(
            "beatthread_backend_errors",
            "NemoVideo errors, by contract code, HTTP status or 'network' (retries included).",
            "code",
        )
        self._discord_rate_limits = self._counter(
            "beatthread_discord_rate_limits",
            "Discord 429 responses to discord.py, by scope (route or global).",
            "scope",
            ("route", "global"),
        )
        self._queues = _QueueDepths()
        self.registry.register(self._queues)
        self._gateway_drops = _GatewayDrops()
        self.registry.register(self._gateway_drops)

    def _counter(
        self, name: str, documentation: str, label: str, known: Iterable[str] = ()
    ) -> Counter:
        """A counter by ``label`` on this registry; ``known`` values start at 0.

        Known values exist from the first scrape, so a rate() over them works at once.
        """
        counter = Counter(name, documentation, [label], registry=self.registry)
        for value in known:
            counter.labels(value)
        return counter

    # -- counters and histograms --------------------------------------------------------

    def count_turn(self, kind: str) -> None:
        """One conversation turn handled; ``kind`` is an ``IntentKind`` value (e.g. ``chat``)."""
        self._turns.labels(kind).inc()

    def count_upload(self, outcome: UploadOutcome) -> None:
        """One upload finished: ``ok``, ``failed`` (backend/transfer) or ``rejected`` (ours)."""
        self._uploads.labels(outcome).inc()

    def count_export_status(self, status: str) -> None:
        """An export job entered ``status`` (an ``ExportStatus`` value)."""
        self._export_transitions.labels(status).inc()

    def observe_export_poll(self, seconds: float) -> None:
        """One render-status call took ``seconds``."""
        self._export_poll.observe(seconds)

    def count_poller_event(self, event: PollerEvent) -> None:
        """The export poller did ``event`` once."""
        self._poller_events.labels(event).inc()

    def count_backend_error(self, code: str) -> None:
        """A NemoVideo exchange failed with ``code``: ``"1001"``, ``"503"``, ``"network"``.

        Fits ``NemoClient(on_error=...)`` as is.
        """
        self._backend_errors.labels(code).inc()

    def count_discord_rate_limit(self, scope: Literal["route", "global"]) -> None:
        """Discord answered one of discord.py's requests with a 429 (``global`` or not)."""
        self._discord_rate_limits.labels(scope).inc()

    # -- gauges -------------------------------------------------------------------------

    def register_queue_depth(self, name: str, depth: Callable[[], int]) -> None:
        """Report ``depth()`` as ``beatthread_queue_depth{queue=name}`` at every scrape.

        A second registration under the same name replaces the first. ``depth`` runs on the
        scraping thread (the event loop for :class:`~bot.ops.OpsServer`): keep it a cheap read.
        """
        self._queues.callbacks[name] = depth

    def register_gateway_drops(self, dropped: Mapping[str, int]) -> None:
        """Report ``dropped`` (counts by event name, kept by the gateway guard) at every scrape.

        A second registration replaces the first (a reconnected bot brings a new guard).
        """
        self._gateway_drops.dropped = dropped

    # -- exposition ---------------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of every family, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _QueueDepths:
    """A collector reading queue depths from callbacks when scraped."""

    def __init__(self) -> None:
        self.callbacks: dict[str, Callable[[], int]] = {}

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "beatthread_queue_depth", "Items waiting in an in-process queue.", labels=["queue"]
        )
        for name, depth in list(self.callbacks.items()):
            try:
                value = depth()
            except Exception:
                # One broken callback must not fail the whole scrape; its series goes missing.
                log.warning("queue depth callback %r failed", name, exc_info=True)
                continue
            family.add_metric([name], float(value))
        yield family


class _GatewayDrops:
    """A collector reporting the gateway guard's drop counts when scraped."""

    def __init__(self) -> None:
        self.dropped: Mapping[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "beatthread_gateway_events_dropped",
            "Gateway events the bot could not parse and dropped, by event name.",
            labels=["event"],
        )
        for event, count in sorted(dict(self.dropped).items()):
            family.add_metric([event], float(count))
        yield family


if TYPE_CHECKING:

    def _implements_the_port(metrics: Metrics) -> Telemetry:
        """Checked by mypy: Metrics fits :class:`bot.core.ports.Telemetry`."""
        return metrics

"""The telemetry port: what the use cases and the poller count; :class:`Tally` in memory."""

from __future__ import annotations

from collections import Counter
from typing import Literal, Protocol

UploadOutcome = Literal["ok", "failed", "rejected"]
"""How an upload ended: sent, failed at the backend or on the way, or refused by our checks."""

PollerEvent = Literal[
    "claimed",
    "polled",
    "progress_shown",
    "stalled",
    "found_posted",
    "submitted_again",
    "rate_limited",
    "error",
    "lost",
]
"""What the export poller counts: a job leased, a render-status call, progress shown, a stall
told, a post found after a crash, a job the backend never got submitted again, a 429, a failed
poll or unexpected error, a job due here but held or finished elsewhere."""


class Telemetry(Protocol):
    """Where the use cases and the poller count what they do (metrics; the ops adapter)."""

    def count_turn(self, kind: str) -> None:
        """One conversation item handled; ``kind`` is an ``IntentKind`` value."""
        ...

    def count_upload(self, outcome: UploadOutcome) -> None:
        """One upload finished."""
        ...

    def count_export_status(self, status: str) -> None:
        """An export job entered ``status`` (an ``ExportStatus`` value)."""
        ...

    def observe_export_poll(self, seconds: float) -> None:
        """One render-status call took ``seconds``."""
        ...

    def count_poller_event(self, event: PollerEvent) -> None:
        """The export poller did ``event`` once (a claim, a poll, a 429 ...)."""
        ...


class Tally:
    """Counts in memory (the default; tests read it): implements :class:`Telemetry`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count_turn(self, kind: str) -> None:
        """One turn of ``kind``."""
        self.counts[f"turn:{kind}"] += 1

    def count_upload(self, outcome: UploadOutcome) -> None:
        """One upload ended in ``outcome``."""
        self.counts[f"upload:{outcome}"] += 1

    def count_export_status(self, status: str) -> None:
        """One job entered ``status``."""
        self.counts[f"export:{status}"] += 1

    def observe_export_poll(self, seconds: float) -> None:
        """Latencies are not kept."""

    def count_poller_event(self, event: PollerEvent) -> None:
        """The poller did ``event``."""
        self.counts[event] += 1

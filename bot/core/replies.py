"""Reply events: what a use case asks the front end to show, already in the user's language.

The core never prints or posts; it yields these and a front end (Discord, the console) renders
them. Every event but :class:`ReplyText` carries ``text``, display-ready and at most one
message long; the structured fields are there for front ends that render richer (embeds,
buttons) and for tests.

Streaming text comes as a run of :class:`ReplyText` events for one reply. A front end either
appends ``delta`` (a terminal) or keeps one live message per piece: each name in ``finished`` is
a message that is now final, in order, and ``current`` is what the live message shows now (it
is ``""`` once ``done``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.backend_results import MusicAnalysis
from bot.core.timeline import Timeline


@dataclass(frozen=True, slots=True)
class ReplyText:
    """A piece of the agent's reply, after GUI translation and noise removal.

    ``delta`` is the new text since the previous event of this reply; ``finished`` are
    messages completed by it (each within the message limit); ``current`` is the message still
    growing, display-ready; ``done`` marks the reply's last event.
    """

    delta: str
    finished: tuple[str, ...] = ()
    current: str = ""
    done: bool = False


@dataclass(frozen=True, slots=True)
class StillWorking:
    """The agent has been busy without text for a while (sent every interval)."""

    text: str


@dataclass(frozen=True, slots=True)
class Queued:
    """The message waits behind the running turn; ``position`` counts the items waiting."""

    position: int
    text: str


@dataclass(frozen=True, slots=True)
class TimelineSummary:
    """The current timeline, one line per track.

    ``timeline`` is the parsed draft the text summarises, for front ends that also draw it;
    ``music`` the music's beat analysis when the backend knows it (the picture's beat grid).
    """

    text: str
    exportable: bool
    timeline: Timeline | None = None
    music: MusicAnalysis | None = None


@dataclass(frozen=True, slots=True)
class WhatChanged:
    """What a turn without text (or a recovered dropped turn) changed on the timeline.

    ``changes`` is empty when nothing visible changed; ``text`` says so then.
    """

    changes: tuple[str, ...]
    text: str


class NoticeKind(StrEnum):
    """What a :class:`Notice` is about, for front ends that style them differently."""

    READY = "ready"  # the first track is in; tell the user what to do next
    UPLOADED = "uploaded"
    UPLOAD_HINT = "upload_hint"  # "upload" without a file: how to attach one
    SESSION_RESTARTED = "session_restarted"  # 1002: new session, old timeline gone
    STREAM_DROPPED = "stream_dropped"  # checking whether the turn went through
    STREAM_RECOVERED = "stream_recovered"
    TURN_INTERRUPTED = "turn_interrupted"  # a restart cut a turn off; it is not re-sent
    RESTARTING = "restarting"  # shutting down: a new message is not taken
    EDIT_NOT_RENDERED = "edit_not_rendered"  # an edit-then-render whose edit changed nothing


@dataclass(frozen=True, slots=True)
class Notice:
    """An informational line (upload done, session restarted, checking after a drop…)."""

    kind: NoticeKind
    text: str


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """Something failed; ``text`` says what the user can do. ``error`` names it for logs/tests."""

    error: str
    text: str


@dataclass(frozen=True, slots=True)
class CreditsReply:
    """The credit balance; ``register_url`` is set for anonymous accounts."""

    available: int
    frozen: int
    register_url: str | None
    text: str


@dataclass(frozen=True, slots=True)
class ExportStarted:
    """A render was submitted under ``render_id``."""

    render_id: str
    text: str


ReplyEvent = (
    ReplyText
    | StillWorking
    | Queued
    | TimelineSummary
    | WhatChanged
    | Notice
    | ErrorReply
    | CreditsReply
    | ExportStarted
)

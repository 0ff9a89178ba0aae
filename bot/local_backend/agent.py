"""The local ``nemo_agent``: what a ``/run_sse`` turn does, decided from its text (§4, §8).

In studio mode (the default) every turn is a studio turn (:func:`_studio_turn`): an
``edit_multitrack`` call, the change :mod:`bot.studio.edits` understood, and an honest reply.
The scripted test double (``studio=False``) has three turn kinds, chosen deterministically
from the message (:func:`classify`):

* **generate** ("generate", "seedance", 生成 …): a short text, then a long-running
  ``generate_video_with_seedance`` tool call, ``work_seconds`` of work, its result (a clip is
  added to ``generated_media`` and to the video track), then a closing text.
* **edit** (sync, beat, title, add, remove, cut, volume, louder, quieter, trim, colour, effect,
  transition …): an ``edit_multitrack`` tool call, ``work_seconds`` of work, the draft change
  (:func:`bot.local_backend.draft.apply_edit`), the tool result, then a text reply, except for
  silent turns: with ``silent_turns="auto"`` every third edit turn of a session ends after the
  tool result with no text at all (the contract's "~30 % of edit turns"), ``"always"`` makes
  every edit turn silent, ``"never"`` none.
* **chat** (anything else): a text-only reply (``chat_reply`` replaces its text).

A test can hold a session's tool work open (:meth:`LocalBackend.hold_work`) instead of timing it.

Text is streamed in chunks of a few words, ``event_delay`` apart, each a ``partial`` chunk,
followed by one final non-partial chunk holding the **whole** text, exactly like ADK's SSE
streaming mode; the ADK encoding sends both, so a client that concatenates everything doubles
the text (the simplified encoding sends only the partial chunks).

Replies contain GUI phrases the client must translate (§8), deterministically: odd-numbered
edit replies end with "click Export when you're happy", odd-numbered chat replies mention the
Effects panel and dragging, generate replies always say "Preview it in the timeline".

The draft changes when the tool "finishes", independently of the HTTP connection: the turn
runs in a server-side task, so a client that loses the stream finds the change in the state
(the contract's disconnect-recovery flow). An injected in-band error ends the turn after its
first event instead, before any change is made.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.local_backend import draft, studio
from bot.local_backend.config import BackendConfig
from bot.local_backend.state import Session
from bot.local_backend.studio import Desk

TurnKind = Literal["chat", "edit", "generate"]

EDIT_TOOL = "edit_multitrack"
GENERATE_TOOL = "generate_video_with_seedance"
GENERATED_CLIP_MS = 5000

_GENERATE_WORDS = ("generate", "seedance", "make a clip", "make me a clip", "生成")
_EDIT_WORDS = re.compile(
    r"\b(?:sync|beats?|titles?|add|remove|delete|cut|volume|louder|quieter|softer|mute|trim"
    r"|shorten|colou?r|filter|effects?|transitions?|fade)\b"
    r"|同步|节拍|标题|音量|剪|调色|特效|转场|删除|添加"
)
_WORDS_PER_CHUNK = 4


def classify(text: str) -> TurnKind:
    """The kind of turn a message starts; the same text always gives the same kind."""
    lowered = text.lower()
    if any(word in lowered for word in _GENERATE_WORDS):
        return "generate"
    if _EDIT_WORDS.search(lowered):
        return "edit"
    return "chat"


@dataclass(frozen=True)
class TextChunk:
    """Agent text: a streamed delta (``partial``) or the final whole text (not partial)."""

    text: str
    partial: bool


@dataclass(frozen=True)
class ToolCall:
    """The agent calls a tool (ADK ``functionCall``)."""

    call_id: str
    name: str
    args: dict[str, Any]
    long_running: bool = False


@dataclass(frozen=True)
class ToolResult:
    """A tool returns (ADK ``functionResponse``)."""

    call_id: str
    name: str
    response: dict[str, Any]


@dataclass(frozen=True)
class InBandError:
    """The turn failed server-side; sent as ``data: {"error": …}`` before the stream closes."""

    message: str


AgentEvent = TextChunk | ToolCall | ToolResult | InBandError
Emit = Callable[[AgentEvent], None]


class _InBandAbortError(Exception):
    """Raised after the first event when an in-band error was injected."""


async def run_turn(
    session: Session,
    text: str,
    config: BackendConfig,
    emit: Emit,
    *,
    in_band_error: str | None = None,
    desk: Desk | None = None,
) -> bool:
    """Play one turn through ``emit``; return ``False`` if it ended with an in-band error.

    With ``config.studio`` (and a ``desk``) every turn is a studio turn; otherwise the kind
    comes from :func:`classify`.
    """
    sent = 0

    def send(event: AgentEvent) -> None:
        nonlocal sent
        emit(event)
        sent += 1
        if in_band_error is not None:
            raise _InBandAbortError

    try:
        kind = classify(text)
        if config.studio and desk is not None:
            await _studio_turn(session, text, config, send, desk)
        elif kind == "generate":
            await _generate_turn(session, text, config, send)
        elif kind == "edit":
            await _edit_turn(session, text, config, send)
        else:
            await _chat_turn(session, config, send)
    except _InBandAbortError:
        emit(InBandError(in_band_error or "internal error"))
        return False
    return True


async def _studio_turn(
    session: Session, text: str, config: BackendConfig, send: Emit, desk: Desk
) -> None:
    """The local studio understands the words, changes the draft and says what it did."""
    call_id = _call_id()
    send(ToolCall(call_id, EDIT_TOOL, {"instruction": text, "session_id": session.session_id}))
    changes, reply = await studio.studio_reply(desk, session, text)
    result = {
        "status": "success" if changes else "no_change",
        "changes": changes,
        "duration_ms": draft.duration_ms(session.draft),
    }
    send(ToolResult(call_id, EDIT_TOOL, result))
    if changes:
        session.edit_turns += 1
        index = session.edit_turns
        if config.silent_turns == "always" or (config.silent_turns == "auto" and index % 3 == 0):
            return
    else:
        session.chat_turns += 1
    await _stream_text(reply if config.chat_reply is None else config.chat_reply, config, send)


async def _edit_turn(session: Session, text: str, config: BackendConfig, send: Emit) -> None:
    session.edit_turns += 1
    index = session.edit_turns
    silent = config.silent_turns == "always" or (config.silent_turns == "auto" and index % 3 == 0)
    call_id = _call_id()
    send(ToolCall(call_id, EDIT_TOOL, {"instruction": text, "session_id": session.session_id}))
    await _work(session, config)
    changes = draft.apply_edit(session.draft, text, session.media)
    result = {
        "status": "success",
        "changes": changes,
        "duration_ms": draft.duration_ms(session.draft),
    }
    send(ToolResult(call_id, EDIT_TOOL, result))
    if silent:
        return
    reply = "Done! I " + "; ".join(changes) + "."
    if index % 2 == 1:
        reply += " You can preview it in the timeline, and click Export when you're happy."
    await _stream_text(reply, config, send)


async def _generate_turn(session: Session, text: str, config: BackendConfig, send: Emit) -> None:
    seconds = GENERATED_CLIP_MS // 1000
    await _stream_text(f"Generating a {seconds}-second clip with Seedance now.", config, send)
    call_id = _call_id()
    args = {"prompt": text, "duration": seconds, "aspect_ratio": "16:9"}
    send(ToolCall(call_id, GENERATE_TOOL, args, long_running=True))
    await _work(session, config)
    number = len(session.generated_media) + 1
    clip = {
        "id": "gen_" + secrets.token_hex(6),
        "type": "video",
        "tool": GENERATE_TOOL,
        "prompt": text,
        "duration": float(seconds),
    }
    session.generated_media.append(clip)
    draft.add_generated_clip(session.draft, f"generated clip {number}", None, GENERATED_CLIP_MS)
    send(ToolResult(call_id, GENERATE_TOOL, {"status": "success", "video": clip}))
    await _stream_text(
        f"Your {seconds}-second clip is ready and on the timeline. "
        "Preview it in the timeline, then click Export to download it.",
        config,
        send,
    )


async def _work(session: Session, config: BackendConfig) -> None:
    """A scripted tool's work: ``work_seconds``, or until the session's work gate opens."""
    if session.work_gate is None:
        await asyncio.sleep(config.work_seconds)
    else:
        await session.work_gate.wait()


async def _chat_turn(session: Session, config: BackendConfig, send: Emit) -> None:
    session.chat_turns += 1
    reply = (
        "Happy to help with your music video! I can sync the visuals to the beat, add a title, "
        "change the music volume, trim the length or add colour effects. "
        "Tell me what you would like"
    )
    if session.chat_turns % 2 == 1:
        reply += ", or open the Effects panel and drag a style onto your clips."
    else:
        reply += "."
    await _stream_text(reply if config.chat_reply is None else config.chat_reply, config, send)


async def _stream_text(text: str, config: BackendConfig, send: Emit) -> None:
    words = re.findall(r"\S+\s*", text)
    for start in range(0, len(words), _WORDS_PER_CHUNK):
        await asyncio.sleep(config.event_delay)
        send(TextChunk("".join(words[start : start + _WORDS_PER_CHUNK]), partial=True))
    send(TextChunk(text, partial=False))


def _call_id() -> str:
    return f"adk-{uuid.uuid4()}"

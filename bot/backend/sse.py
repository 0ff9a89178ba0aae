"""Lenient reading of the ``/run_sse`` agent events (contract §4), table-tested without sockets.

``httpx-sse`` splits the stream into :class:`~httpx_sse.ServerSentEvent` objects (WHATWG rules;
SSE comment lines are dropped there: no consumer needs them, and any bytes reset the read
timeout). :class:`AgentEventParser` turns each event's data into typed agent events, accepting
both the simplified ``{"type": "text" | "tool_call" | "tool_result" | "heartbeat"}`` objects and
Google ADK ``Event`` JSON (``content.parts[].text | functionCall | functionResponse``).

ADK streaming sends ``partial: true`` text deltas and then one final non-partial event that
repeats the whole text; the parser forwards only what was not already sent, so text is never
doubled. Data that is not JSON at all is shown as text; anything else it cannot read is
skipped (logged at debug), never fatal: broken JSON, and JSON nested too deeply to parse.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from httpx_sse import ServerSentEvent

from bot.core.backend_results import (
    AgentEvent,
    AgentFailure,
    AgentHeartbeat,
    AgentText,
    AgentToolCall,
    AgentToolResult,
)

log = logging.getLogger(__name__)


class AgentEventParser:
    """Interprets the SSE events of one chat turn as agent events."""

    def __init__(self) -> None:
        self._partial_text = ""  # ADK partial deltas since the last complete text event

    def parse(self, message: ServerSentEvent) -> list[AgentEvent]:
        """Return the events carried by ``message`` (possibly none)."""
        data = message.data.strip()
        if not data:
            return [AgentHeartbeat()]  # the contract's empty ``data:`` keep-alive
        if data == "[DONE]":
            return []
        if message.event in ("heartbeat", "ping", "keepalive"):
            return [AgentHeartbeat()]
        try:
            payload = json.loads(data)
        except ValueError:
            if data.startswith(("{", "[")):
                # Broken JSON (cut off, or two events run together) is no text for a person,
                # and shown raw a few megabytes of it filled a thread with messages.
                log.debug("ignoring an SSE event that is not valid JSON (%d bytes)", len(data))
                return []
            return [AgentText(data)]  # a bare text line: show it rather than lose it
        except RecursionError:
            # Valid JSON nested deeper than the parser goes: nothing a person should read.
            log.debug("ignoring an SSE event nested too deeply to parse (%d bytes)", len(data))
            return []
        if not isinstance(payload, dict):
            return [AgentText(payload)] if isinstance(payload, str) and payload else []
        return self._from_object(payload)

    def _from_object(self, payload: dict[str, Any]) -> list[AgentEvent]:
        if payload.get("error"):
            return [AgentFailure(_error_text(payload["error"]))]
        kind = payload.get("type")
        if isinstance(kind, str):
            return self._from_typed(kind, payload)
        content = payload.get("content")
        if isinstance(content, dict) and isinstance(content.get("parts"), list):
            return self._from_adk(content["parts"], partial=payload.get("partial") is True)
        if isinstance(content, str):
            return [AgentText(content)] if content else []
        if isinstance(payload.get("text"), str):
            return [AgentText(payload["text"])] if payload["text"] else []
        log.debug("ignoring unrecognised SSE event with keys %s", sorted(payload)[:10])
        return []

    def _from_typed(self, kind: str, payload: dict[str, Any]) -> list[AgentEvent]:
        kind = kind.lower()
        if kind in ("text", "message", "chunk", "delta"):
            text = payload.get("content", payload.get("text", payload.get("delta")))
            return [AgentText(text)] if isinstance(text, str) and text else []
        if kind in ("tool_call", "toolcall", "tool_start", "function_call"):
            return [AgentToolCall(_name(payload))]
        if kind in ("tool_result", "tool_end", "function_response", "function_result"):
            return [AgentToolResult(_name(payload))]
        if kind in ("heartbeat", "ping", "keepalive", "keep-alive"):
            return [AgentHeartbeat()]
        if kind == "error":
            return [AgentFailure(_error_text(payload.get("message") or payload.get("error")))]
        log.debug("ignoring SSE event of type %r", kind[:40])
        return []

    def _from_adk(self, parts: list[Any], *, partial: bool) -> list[AgentEvent]:
        events: list[AgentEvent] = []
        text = ""
        for part in parts:
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("text"), str) and not part.get("thought"):
                text += part["text"]
            call = part.get("functionCall") or part.get("function_call")
            if isinstance(call, dict):
                events.append(AgentToolCall(_name(call)))
            response = part.get("functionResponse") or part.get("function_response")
            if isinstance(response, dict):
                events.append(AgentToolResult(_name(response)))
        fresh = self._unsent(text, partial=partial)
        if fresh:
            events.insert(0, AgentText(fresh))
        return events

    def _unsent(self, text: str, *, partial: bool) -> str:
        if partial:
            self._partial_text += text
            return text
        already = self._partial_text
        self._partial_text = ""
        if already and text.startswith(already):
            return text[len(already) :]
        if already and already.startswith(text):
            return ""
        return text


def _name(payload: dict[str, Any]) -> str:
    for key in ("name", "tool", "tool_name"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return "tool"


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        error = error.get("message") or error.get("error") or json.dumps(error)[:200]
    return str(error)[:500] if error else "unknown error"

"""Sans-I/O reading of the ``/run_sse`` stream (contract §4) into typed agent events.

Two layers, both table-tested without sockets:

* :class:`SSEDecoder` turns text chunks into raw SSE messages per the WHATWG event-stream
  rules (``data:`` lines joined by newlines, a blank line dispatches, ``:`` starts a comment).
  Unlike most SSE libraries it reports comment lines, because one documented heartbeat form
  is an SSE comment and the front end must know the backend is still alive.
* :class:`AgentEventParser` turns each message's data into events, leniently accepting both
  the simplified ``{"type": "text" | "tool_call" | "tool_result" | "heartbeat"}`` objects and
  Google ADK ``Event`` JSON (``content.parts[].text | functionCall | functionResponse``).

ADK streaming sends ``partial: true`` text deltas and then one final non-partial event that
repeats the whole text; the parser forwards only what was not already sent, so text is never
doubled. A data line that is not JSON at all is shown as text; anything else it cannot read
is skipped (logged at debug), never fatal: broken JSON, and JSON nested too deeply to parse.
The stream ends when the server closes the connection.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.core.backend_results import (
    AgentEvent,
    AgentFailure,
    AgentHeartbeat,
    AgentText,
    AgentToolCall,
    AgentToolResult,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched SSE message; ``comment`` is set for a comment line instead."""

    data: str | None = None
    event: str | None = None
    comment: str | None = None


class SSEDecoder:
    """Incremental event-stream decoder: feed text, get messages.

    Linear in the stream's length however it is chunked: a chunk without a line break is put
    aside until one arrives (a multi-megabyte event arrives in hundreds of chunks, and
    rescanning what came before on every one of them stalled the event loop for seconds).
    """

    def __init__(self) -> None:
        self._parts: list[str] = []  # the unfinished line, as it arrived
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, chunk: str) -> list[SSEMessage]:
        """Consume a chunk of text; return the messages it completed."""
        held_cr = bool(self._parts) and self._parts[-1].endswith("\r")
        self._parts.append(chunk)
        if "\n" not in chunk and "\r" not in chunk and not held_cr:
            return []
        text = "".join(self._parts)
        self._parts = []
        messages: list[SSEMessage] = []
        start = 0
        for brk in _LINE_BREAK.finditer(text):
            if brk.group() == "\r" and brk.end() == len(text):
                break  # a CR at the very end may be the first half of a CRLF
            message = self._line(text[start : brk.start()])
            start = brk.end()
            if message is not None:
                messages.append(message)
        if start < len(text):
            self._parts.append(text[start:])
        return messages

    def close(self) -> list[SSEMessage]:
        """End of stream: a final message without its blank line is dropped, per the spec."""
        messages: list[SSEMessage] = []
        pending = "".join(self._parts)
        if pending.endswith("\r"):  # a lone CR held back in case an LF followed
            message = self._line(pending[:-1])
            if message is not None:
                messages.append(message)
        self._parts = []
        self._data.clear()
        self._event = None
        return messages

    def _line(self, line: str) -> SSEMessage | None:
        if line == "":
            if not self._data and self._event is None:
                return None
            message = SSEMessage(data="\n".join(self._data), event=self._event)
            self._data = []
            self._event = None
            return message
        if line.startswith(":"):
            return SSEMessage(comment=line[1:].strip())
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        # "id" and "retry" are legal but unused: nothing in the contract resumes streams.
        return None


#: A line ends at CRLF, LF or CR (WHATWG event-stream rules).
_LINE_BREAK = re.compile(r"\r\n?|\n")


class AgentEventParser:
    """Interprets SSE messages of one chat turn as agent events."""

    def __init__(self) -> None:
        self._partial_text = ""  # ADK partial deltas since the last complete text event

    def parse(self, message: SSEMessage) -> list[AgentEvent]:
        """Return the events carried by ``message`` (possibly none)."""
        if message.comment is not None:
            return [AgentHeartbeat()]
        data = (message.data or "").strip()
        if not data or data == "[DONE]":
            return [AgentHeartbeat()] if not data else []
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

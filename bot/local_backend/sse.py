"""Encoding of agent events and heartbeats as SSE frames (§4).

Framing: every message is one ``data: <compact JSON>`` line and a blank line; there are no
``event:`` or ``id:`` lines and no closing "done" event (the turn ends when the response ends).

Two payload styles (``BackendConfig.sse_format``):

* ``"adk"``: Google ADK ``Event`` JSON as ``model_dump_json(exclude_none=True, by_alias=True)``
  produces it: camelCase keys, ``content.parts[]`` with ``text`` / ``functionCall`` /
  ``functionResponse``, ``partial: true`` on streamed text deltas, then one ``partial: false``
  event carrying the whole text; ``longRunningToolIds`` on the Seedance call.
* ``"simple"``: the v4.4 reference's ``{"type": "text", "content": …}``,
  ``{"type": "tool_call", "name", "args"}``, ``{"type": "tool_result", "name", "result"}``.
  Text is sent as deltas only (no aggregated repeat).

Heartbeats (``BackendConfig.heartbeat_form``): ``: keep-alive`` (an SSE comment),
``data:`` with an empty payload, or ``data: {"type":"heartbeat"}``. In-band errors are
``data: {"error": "<text>"}`` in both styles, as stock ADK sends them.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from bot.local_backend.agent import AgentEvent, InBandError, TextChunk, ToolCall, ToolResult
from bot.local_backend.config import HeartbeatForm, SseFormat

AUTHOR = "nemo_agent"

_HEARTBEATS: dict[str, bytes] = {
    "comment": b": keep-alive\n\n",
    "empty_data": b"data:\n\n",
    "type": b'data: {"type":"heartbeat"}\n\n',
}


def heartbeat(form: HeartbeatForm) -> bytes:
    """One heartbeat frame in the configured form."""
    return _HEARTBEATS[form]


def frame(payload: dict[str, Any]) -> bytes:
    """One ``data:`` message (the JSON never contains a newline, so one line suffices)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def encode(event: AgentEvent, fmt: SseFormat, invocation_id: str) -> bytes | None:
    """The frame for ``event``, or ``None`` when this style does not send it."""
    if isinstance(event, InBandError):
        return frame({"error": event.message})
    payload = _adk(event, invocation_id) if fmt == "adk" else _simple(event)
    return None if payload is None else frame(payload)


def new_invocation_id() -> str:
    """An ADK-style invocation id, one per turn."""
    return f"e-{uuid.uuid4()}"


def _simple(event: TextChunk | ToolCall | ToolResult) -> dict[str, Any] | None:
    if isinstance(event, TextChunk):
        return {"type": "text", "content": event.text} if event.partial else None
    if isinstance(event, ToolCall):
        return {"type": "tool_call", "name": event.name, "args": event.args}
    return {"type": "tool_result", "name": event.name, "result": event.response}


def _adk(event: TextChunk | ToolCall | ToolResult, invocation_id: str) -> dict[str, Any]:
    payload: dict[str, Any]
    if isinstance(event, TextChunk):
        payload = {
            "content": {"parts": [{"text": event.text}], "role": "model"},
            "partial": event.partial,
        }
    elif isinstance(event, ToolCall):
        call = {"id": event.call_id, "name": event.name, "args": event.args}
        payload = {"content": {"parts": [{"functionCall": call}], "role": "model"}}
        if event.long_running:
            payload["longRunningToolIds"] = [event.call_id]
    else:
        response = {"id": event.call_id, "name": event.name, "response": event.response}
        payload = {"content": {"parts": [{"functionResponse": response}], "role": "user"}}
    payload.update(
        {
            "invocationId": invocation_id,
            "author": AUTHOR,
            "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
            "id": str(uuid.uuid4()),
            "timestamp": time.time(),
        }
    )
    return payload

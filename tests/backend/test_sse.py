"""Table tests for the lenient agent-event parser over httpx-sse's ServerSentEvent."""

import json

import pytest
from httpx_sse import ServerSentEvent

from bot.backend.sse import AgentEventParser
from bot.core.backend_results import (
    AgentFailure,
    AgentHeartbeat,
    AgentText,
    AgentToolCall,
    AgentToolResult,
)


def parse_all(*payloads: str) -> list[object]:
    parser = AgentEventParser()
    events: list[object] = []
    for payload in payloads:
        events.extend(parser.parse(ServerSentEvent(data=payload)))
    return events


def adk(parts: list[dict], *, partial: bool | None = None) -> str:
    event: dict = {"content": {"parts": parts, "role": "model"}, "author": "nemo_agent"}
    if partial is not None:
        event["partial"] = partial
    return json.dumps(event)


@pytest.mark.parametrize(
    ("payloads", "expected"),
    [
        (['{"type":"text","content":"Hello"}'], [AgentText("Hello")]),
        (
            ['{"type":"tool_call","name":"edit_multitrack","args":{}}'],
            [AgentToolCall("edit_multitrack")],
        ),
        (['{"type":"tool_result","name":"edit_multitrack"}'], [AgentToolResult("edit_multitrack")]),
        (['{"type":"heartbeat"}'], [AgentHeartbeat()]),
        ([""], [AgentHeartbeat()]),
        (["  "], [AgentHeartbeat()]),
        (['{"error":"boom"}'], [AgentFailure("boom")]),
        (['{"error":{"message":"quota"}}'], [AgentFailure("quota")]),
        (['{"type":"error","message":"bad"}'], [AgentFailure("bad")]),
        ([adk([{"text": "Hi"}])], [AgentText("Hi")]),
        (
            [
                adk(
                    [
                        {
                            "functionCall": {
                                "id": "a",
                                "name": "generate_video_with_seedance",
                                "args": {},
                            }
                        }
                    ]
                )
            ],
            [AgentToolCall("generate_video_with_seedance")],
        ),
        (
            [adk([{"functionResponse": {"id": "a", "name": "edit_multitrack", "response": {}}}])],
            [AgentToolResult("edit_multitrack")],
        ),
        (
            [
                adk([{"text": "Hel"}], partial=True),
                adk([{"text": "lo"}], partial=True),
                adk([{"text": "Hello"}]),
            ],
            [AgentText("Hel"), AgentText("lo")],
        ),
        (
            [adk([{"text": "Hel"}], partial=True), adk([{"text": "Hello there"}], partial=False)],
            [AgentText("Hel"), AgentText("lo there")],
        ),
        ([adk([{"text": "thinking", "thought": True}])], []),
        (["not json at all"], [AgentText("not json at all")]),
        # Broken JSON is skipped, not shown raw (a cut-off or run-together event).
        (['{"content": {"parts": [{"text": "cut'], []),
        (['{"text": "a"}data: {"text": "b"}'], []),
        (["{'single': 'quotes'}"], []),
        (['["unclosed"'], []),
        (["[DONE]"], []),
        (['{"unexpected":"shape"}'], []),
        (['["a","list"]'], []),
        (['{"type":"mystery"}'], []),
        (['{"type":"text","content":""}'], []),
    ],
    ids=lambda value: repr(value)[:50],
)
def test_parser_reads_simplified_and_adk_events(payloads, expected):
    """Both documented payload families map to the same typed events, never doubled."""
    assert parse_all(*payloads) == expected


def test_json_nested_too_deeply_to_parse_is_skipped():
    """Valid JSON deeper than the parser's recursion limit is skipped, not a crashed turn."""
    deep = "[" * 200_000 + "]" * 200_000
    assert parse_all(deep, adk([{"text": "still here"}])) == [AgentText("still here")]


@pytest.mark.parametrize("name", ["heartbeat", "ping", "keepalive"])
def test_a_named_keep_alive_event_is_a_heartbeat(name):
    """``event: ping`` with any data is a keep-alive, never text for the thread."""
    message = ServerSentEvent(event=name, data='{"text": "not for people"}')
    assert AgentEventParser().parse(message) == [AgentHeartbeat()]

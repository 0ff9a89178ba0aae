"""Table tests for the sans-I/O SSE decoder and the lenient agent-event parser."""

import json

import pytest

from bot.backend.sse import AgentEventParser, SSEDecoder, SSEMessage
from bot.core.backend_results import (
    AgentFailure,
    AgentHeartbeat,
    AgentText,
    AgentToolCall,
    AgentToolResult,
)


def decode(*chunks: str) -> list[SSEMessage]:
    decoder = SSEDecoder()
    messages = []
    for chunk in chunks:
        messages.extend(decoder.feed(chunk))
    messages.extend(decoder.close())
    return messages


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (["data: a\n\n"], [SSEMessage(data="a")]),
        (["data: a\r\n\r\n"], [SSEMessage(data="a")]),
        (["data: a\r", "\n\r\n"], [SSEMessage(data="a")]),
        (["data: a\rdata: b\r\r"], [SSEMessage(data="a\nb")]),
        (["da", 'ta: {"x"', ": 1}\n", "\n"], [SSEMessage(data='{"x": 1}')]),
        (["data:no-space\n\n"], [SSEMessage(data="no-space")]),
        (["data: line1\ndata: line2\n\n"], [SSEMessage(data="line1\nline2")]),
        ([": keep-alive\n\n"], [SSEMessage(comment="keep-alive")]),
        (["data:\n\n"], [SSEMessage(data="")]),
        (["event: heartbeat\ndata: {}\n\n"], [SSEMessage(data="{}", event="heartbeat")]),
        (["id: 7\nretry: 100\n\n"], []),
        (["data: unterminated"], []),  # the spec drops an event without its blank line
        (["\n\n\n"], []),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_decoder_follows_event_stream_rules(chunks, expected):
    """The decoder must split events exactly as browsers do, whatever the chunking."""
    assert decode(*chunks) == expected


MIXED_BREAKS = 'data: a\r\ndata: b\r\r: note\n\nevent: x\rdata: {"k": 1}\n\r\ndata: c\r'


@pytest.mark.parametrize("cut", range(len(MIXED_BREAKS) + 1))
def test_decoder_gives_the_same_messages_wherever_the_stream_is_cut(cut):
    """CR, LF and CRLF lines decode alike in one chunk or two, a CRLF cut in half included."""
    whole = decode(MIXED_BREAKS)
    assert whole == [
        SSEMessage(data="a\nb"),
        SSEMessage(comment="note"),
        SSEMessage(data='{"k": 1}', event="x"),
    ]
    assert decode(MIXED_BREAKS[:cut], MIXED_BREAKS[cut:]) == whole


def test_a_multi_megabyte_event_in_a_thousand_chunks_is_one_message():
    """The decoder stays linear: rescanning the held line on every chunk stalled the loop.

    (Before, a 2 MB event in 16 KB chunks cost 13 s of event-loop time; these 1,024 chunks
    would take minutes.)
    """
    event = "data: " + json.dumps({"blob": "b" * 2_000_000}) + "\n\n"
    step = len(event) // 1024 + 1
    chunks = [event[at : at + step] for at in range(0, len(event), step)]
    (message,) = decode(*chunks)
    assert json.loads(message.data or "") == {"blob": "b" * 2_000_000}


def parse_all(*payloads: str | None, comment: bool = False) -> list[object]:
    parser = AgentEventParser()
    events: list[object] = []
    for payload in payloads:
        message = SSEMessage(comment="ping") if payload is None else SSEMessage(data=payload)
        events.extend(parser.parse(message))
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
        ([None], [AgentHeartbeat()]),
        ([""], [AgentHeartbeat()]),
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


def test_comment_line_is_a_heartbeat():
    """An SSE comment is one of the contract's heartbeat forms: it must be seen, not dropped."""
    assert AgentEventParser().parse(SSEMessage(comment="keep-alive")) == [AgentHeartbeat()]

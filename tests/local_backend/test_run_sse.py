"""§3.4 / §4: the /run_sse stream, its formats, heartbeats, silent turns, credits and faults."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest

from bot.local_backend import Fault
from tests.local_backend.support import Api, Frame, parse_frames, texts, tool_names, turn_body


async def test_chat_turn_streams_partials_then_full_text(api: Api) -> None:
    """ADK streaming: partial deltas, then one non-partial event repeating the whole text."""
    headers = await api.login()
    sid = await api.session(headers)
    frames = await api.turn(headers, sid, "hello there")
    parts = texts(frames)
    partials = [text for text, partial in parts if partial]
    finals = [text for text, partial in parts if not partial]
    assert len(partials) > 3
    assert finals == ["".join(partials)]
    assert tool_names(frames) == []
    event = frames[0].json()
    assert event["author"] == "nemo_agent"
    assert event["content"]["role"] == "model"
    assert {"invocationId", "id", "timestamp", "actions"} <= event.keys()


async def test_edit_turn_calls_tool_and_changes_state(api: Api) -> None:
    """An edit turn: tool call, tool result, text; the change is visible in state."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    frames = await api.turn(headers, sid, "add the title Urban Dreams")
    assert tool_names(frames) == ["call:edit_multitrack", "result:edit_multitrack"]
    assert "Urban Dreams" in texts(frames)[-1][0]
    draft = (await api.state(headers, sid))["data"]["state"]["draft"]
    titles = [t for t in draft["t"] if t["tt"] == 7]
    assert titles[0]["sg"][0]["m"]["text"] == "Urban Dreams"
    assert api.backend.draft(sid) == draft


async def test_sync_to_beat_adds_video_track(api: Api) -> None:
    """Syncing visuals to the beat cuts a video track over the whole song."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    await api.turn(headers, sid, "sync visuals to the beat")
    draft = api.backend.draft(sid)
    video = next(t for t in draft["t"] if t["tt"] == 0)
    assert sum(s["d"] for s in video["sg"]) == 2000  # the test song lasts 2 s


async def test_generate_turn_uses_seedance_long_running_tool(api: Api) -> None:
    """Generation: long-running Seedance call, generated_media grows, clip on the timeline."""
    headers = await api.login()
    sid = await api.session(headers)
    frames = await api.turn(headers, sid, "generate a neon city clip")
    assert tool_names(frames) == [
        "call:generate_video_with_seedance",
        "result:generate_video_with_seedance",
    ]
    call = next(f.json() for f in frames if "functionCall" in (f.data or ""))
    assert call["longRunningToolIds"] == [call["content"]["parts"][0]["functionCall"]["id"]]
    state = (await api.state(headers, sid))["data"]["state"]
    assert len(state["generated_media"]) == 1
    assert state["draft"]["t"][0]["sg"][0]["m"]["generated"] is True


async def test_simple_format(api: Api) -> None:
    """sse_format="simple": type objects; text as deltas only (no repeated full text)."""
    api.backend.config.sse_format = "simple"
    headers = await api.login()
    sid = await api.ready_session(headers)
    events = [f.json() for f in await api.turn(headers, sid, "add the title Hi")]
    assert [e["type"] for e in events[:2]] == ["tool_call", "tool_result"]
    assert events[0]["name"] == "edit_multitrack"
    assert "args" in events[0]
    assert "result" in events[1]
    text = "".join(e["content"] for e in events[2:])
    assert all(e["type"] == "text" for e in events[2:])
    assert text.startswith('Done! I added the title "Hi"')
    assert text.count("Done!") == 1


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("comment", Frame(data=None, comment="keep-alive")),
        ("empty_data", Frame(data="")),
        ("type", Frame(data='{"type":"heartbeat"}')),
    ],
)
async def test_heartbeats_during_work(api: Api, form: str, expected: Frame) -> None:
    """While a tool works longer than heartbeat_interval, heartbeats in the chosen form flow."""
    api.backend.config.heartbeat_form = form  # type: ignore[assignment]
    api.backend.config.work_seconds = 0.3
    api.backend.config.heartbeat_interval = 0.05
    headers = await api.login()
    sid = await api.ready_session(headers)
    frames = await api.turn(headers, sid, "make it louder")
    call = next(i for i, f in enumerate(frames) if "functionCall" in (f.data or ""))
    result = next(i for i, f in enumerate(frames) if "functionResponse" in (f.data or ""))
    between = frames[call + 1 : result]
    assert len(between) >= 2
    assert set(between) == {expected}


async def test_silent_turns_auto_every_third_edit(api: Api) -> None:
    """auto: the third edit turn of a session ends with tool events only, no text."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    with_text = []
    for text in ("make it louder", "make it quieter", "add the title A", "add the title B"):
        frames = await api.turn(headers, sid, text)
        assert tool_names(frames) == ["call:edit_multitrack", "result:edit_multitrack"]
        with_text.append(bool(texts(frames)))
    assert with_text == [True, True, False, True]
    # the silent turn still changed the draft
    assert any(t["tt"] == 7 for t in api.backend.draft(sid)["t"])


@pytest.mark.parametrize(("mode", "has_text"), [("always", False), ("never", True)])
async def test_silent_turns_always_and_never(api: Api, mode: str, has_text: bool) -> None:
    api.backend.config.silent_turns = mode  # type: ignore[assignment]
    headers = await api.login()
    sid = await api.ready_session(headers)
    results = [bool(texts(await api.turn(headers, sid, "louder"))) for _ in range(3)]
    assert results == [has_text] * 3


async def test_gui_phrases_appear_deterministically(api: Api) -> None:
    """The first edit reply tells the user to click Export (for the GUI translation)."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    first = texts(await api.turn(headers, sid, "add the title X"))[-1][0]
    second = texts(await api.turn(headers, sid, "add the title Y"))[-1][0]
    assert "click Export" in first
    assert "click Export" not in second
    chat = texts(await api.turn(headers, sid, "hi"))[-1][0]
    assert "open the Effects panel" in chat


async def test_credits_frozen_during_turn_and_consumed_after(api: Api) -> None:
    """The cost is frozen while the turn runs and consumed once it ends."""
    api.backend.config.work_seconds = 0.5
    headers = await api.login()
    sid = await api.ready_session(headers)
    async with api.client.stream(
        "POST", "/run_sse", json=turn_body(sid, "louder"), headers=headers
    ) as response:
        async for line in response.aiter_lines():
            if "functionCall" in line:
                assert await api.credits(headers) == {"available": 90, "frozen": 10, "total": 100}
    assert await api.credits(headers) == {"available": 90, "frozen": 0, "total": 90}
    assert api.backend.turns_received(sid) == 1


async def test_insufficient_credits_is_2001_before_streaming(api: Api) -> None:
    """2001 comes as a JSON envelope, not as a stream, and nothing is charged."""
    headers = await api.login()
    sid = await api.session(headers)
    api.backend.set_credits(5)
    response = await api.client.post("/run_sse", json=turn_body(sid, "hi"), headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == 2001
    assert await api.credits(headers) == {"available": 5, "frozen": 0, "total": 5}


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": "1", "new_message": {"parts": []}},
        {"new_message": {"parts": [{"text": "hi"}]}},
        {"app_name": "other", "session_id": "1", "new_message": {"parts": [{"text": "hi"}]}},
    ],
)
async def test_invalid_body_is_400(api: Api, body: dict[str, object]) -> None:
    headers = await api.login()
    response = await api.client.post("/run_sse", json=body, headers=headers)
    assert response.status_code == 400


async def test_unknown_session_is_1002(api: Api) -> None:
    headers = await api.login()
    response = await api.client.post(
        "/run_sse", json=turn_body("1111111111111111111", "hi"), headers=headers
    )
    assert response.json()["code"] == 1002


async def test_drop_after_events_cuts_connection_but_turn_completes(api: Api) -> None:
    """A dropped stream is a transport error; the work still lands in state, charged once."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    api.backend.inject(Fault(route="run_sse", drop_after_events=1))
    received: list[str] = []
    with pytest.raises(httpx.TransportError):
        async with api.client.stream(
            "POST", "/run_sse", json=turn_body(sid, "add the title Dropped"), headers=headers
        ) as response:
            async for chunk in response.aiter_text():
                received.append(chunk)
    frames = parse_frames("".join(received))
    assert tool_names(frames) == ["call:edit_multitrack"]
    await api.backend.settle()
    titles = [t for t in api.backend.draft(sid)["t"] if t["tt"] == 7]
    assert titles[0]["sg"][0]["m"]["text"] == "Dropped"
    assert await api.credits(headers) == {"available": 90, "frozen": 0, "total": 90}
    assert api.backend.turns_received(sid) == 1


async def test_drop_before_any_event(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    api.backend.inject(Fault(route="run_sse", drop_after_events=0))
    with pytest.raises(httpx.TransportError):
        async with api.client.stream(
            "POST", "/run_sse", json=turn_body(sid, "hi"), headers=headers
        ) as response:
            await response.aread()


async def test_in_band_error_ends_turn_and_refunds(api: Api) -> None:
    """data: {"error": …} after the first event, then a clean close; no change, no charge."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    before = api.backend.draft(sid)
    api.backend.inject(Fault(route="run_sse", in_band_error="agent crashed"))
    frames = await api.turn(headers, sid, "add the title Never")
    assert tool_names(frames) == ["call:edit_multitrack"]
    assert json.loads(frames[-1].data or "") == {"error": "agent crashed"}
    await api.backend.settle()
    assert api.backend.draft(sid) == before
    assert await api.credits(headers) == {"available": 100, "frozen": 0, "total": 100}


async def test_turns_on_one_session_are_serialised(api: Api) -> None:
    """Two concurrent turns on one session run one after the other, both complete."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    first, second = await asyncio.gather(
        api.turn(headers, sid, "add the title One"), api.turn(headers, sid, "louder")
    )
    assert tool_names(first)[-1].startswith("result:")
    assert tool_names(second)[-1].startswith("result:")
    assert api.backend.turns_received(sid) == 2


async def test_client_leaving_mid_turn_does_not_stop_the_work(api: Api) -> None:
    """A client that closes the stream early still finds the change in state, charged once."""
    api.backend.config.work_seconds = 0.3
    headers = await api.login()
    sid = await api.ready_session(headers)
    async with api.client.stream(
        "POST", "/run_sse", json=turn_body(sid, "add the title Left"), headers=headers
    ) as response:
        async for line in response.aiter_lines():
            if "functionCall" in line:
                break  # leave while the tool is still working
    await api.backend.settle()
    titles = [t for t in api.backend.draft(sid)["t"] if t["tt"] == 7]
    assert titles[0]["sg"][0]["m"]["text"] == "Left"
    assert await api.credits(headers) == {"available": 90, "frozen": 0, "total": 90}


async def test_stop_during_a_stream_ends_it(api: Api) -> None:
    """stop() while a turn works: the stream ends promptly, nothing is left running."""
    api.backend.config.work_seconds = 60
    headers = await api.login()
    sid = await api.ready_session(headers)
    async with api.client.stream(
        "POST", "/run_sse", json=turn_body(sid, "louder"), headers=headers
    ) as response:
        lines = response.aiter_lines()
        async for line in lines:
            if "functionCall" in line:
                break
        await asyncio.wait_for(api.backend.stop(), timeout=10)
        with contextlib.suppress(httpx.TransportError):
            rest = [line async for line in lines]
            assert not any("functionResponse" in line for line in rest)

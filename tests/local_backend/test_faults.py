"""Injected faults: gateway statuses, app codes, delays, dropped connections, counts."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.local_backend import Fault
from tests.local_backend.support import Api, texts

CREDITS = "/api/credits/balance/simple"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_http_status_fault_answers_json_envelope_once(api: Api, status: int) -> None:
    """The next request gets the status with a JSON error body; the one after is normal."""
    headers = await api.login()
    api.backend.inject(Fault(route="credits", http_status=status))
    response = await api.client.get(CREDITS, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == status
    assert response.json()["data"] is None
    assert (await api.client.get(CREDITS, headers=headers)).json()["code"] == 0


async def test_app_code_fault_follows_error_http_status(api: Api) -> None:
    headers = await api.login()
    sid = await api.session(headers)
    api.backend.inject(Fault(route="state", code=1002, times=2))
    assert (await api.state(headers, sid))["code"] == 1002
    api.backend.config.error_http_status = "4xx"
    response = await api.client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=headers)
    assert (response.status_code, response.json()["code"]) == (404, 1002)
    assert (await api.state(headers, sid))["code"] == 0


async def test_fault_on_render_route_has_render_error_fields(api: Api) -> None:
    headers = await api.login()
    api.backend.inject(Fault(route="render_poll", http_status=503, code=9))
    response = await api.client.get("/api/render/proxy/lambda/r1", headers=headers)
    assert response.status_code == 503
    body = response.json()
    assert (body["success"], body["code"]) == (False, 9)
    assert body["error"]


async def test_delay(api: Api) -> None:
    """A delay holds the answer back (here: for a request that then succeeds)."""
    headers = await api.login()
    api.backend.inject(Fault(route="credits", delay=0.2))
    started = time.monotonic()
    response = await api.client.get(CREDITS, headers=headers)
    assert time.monotonic() - started >= 0.2
    assert response.json()["code"] == 0


async def test_drop_on_plain_route_resets_connection(api: Api) -> None:
    """drop_after_events on a non-streaming route: no answer at all, a transport error."""
    api.backend.inject(Fault(route="anonymous_token", drop_after_events=0))
    with pytest.raises(httpx.TransportError):
        await api.client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "x"})
    assert await api.token("x")


async def test_faults_are_per_route_and_clearable(api: Api) -> None:
    headers = await api.login()
    api.backend.inject(Fault(route="state", http_status=500, times=5))
    assert (await api.client.get(CREDITS, headers=headers)).status_code == 200
    api.backend.clear_faults()
    sid = await api.session(headers)
    assert (await api.state(headers, sid))["code"] == 0


async def test_faults_are_not_recorded_differently(api: Api) -> None:
    """Faulted requests are still recorded (the client did send them)."""
    api.backend.inject(Fault(route="anonymous_token", http_status=503))
    await api.client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "r"})
    assert [r.path for r in api.backend.requests] == ["/api/auth/anonymous-token"]


async def test_raw_body_replaces_the_event_stream_piece_by_piece(api: Api) -> None:
    """The bytes go out as they are, as an event stream, and no turn runs server-side."""
    headers = await api.login()
    sid = await api.ready_session(headers)
    pieces = [b'data: {"content": {"parts": [{"te', b'xt": "\xe4\xb8', b'\xad"}]}}\n\n']
    api.backend.inject(Fault(route="run_sse", raw_body=pieces))
    frames = await api.turn(headers, sid, "hello")
    assert [f.json()["content"]["parts"][0]["text"] for f in frames] == ["\u4e2d"]
    assert api.backend.turns_received(sid) == 0
    assert [text for text, _ in texts(await api.turn(headers, sid, "hello"))]  # normal again


async def test_raw_body_answers_a_render_poll_with_any_json(api: Api) -> None:
    """A status body no server would send, with HTTP 200: what the client's reader must bear."""
    headers = await api.login()
    api.backend.inject(Fault(route="render_poll", raw_body=[b'{"status": NaN, "progr']))
    response = await api.client.get("/api/render/proxy/lambda/r1", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content == b'{"status": NaN, "progr'


async def test_raw_body_pending_in_the_control_api_is_text(api: Api) -> None:
    """The control API lists a pending raw body as text, undecodable bytes replaced."""
    response = await api.client.post(
        "/_control/faults", json={"route": "render_poll", "raw_body": ["{}"]}
    )
    assert response.json()["pending"][0]["raw_body"] == ["{}"]
    api.backend.inject(Fault(route="run_sse", raw_body=[b"\xff"]))
    listed = (await api.client.post("/_control/faults", json={"route": "state"})).json()
    assert listed["pending"][1]["raw_body"] == ["\ufffd"]


@pytest.mark.parametrize(
    "kwargs",
    [{"route": "nope"}, {"route": "state", "times": 0}, {"route": "state", "http_status": 42}],
)
def test_invalid_fault_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        Fault(**kwargs)  # type: ignore[arg-type]

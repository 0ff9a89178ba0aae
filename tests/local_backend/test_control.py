"""The /_control API for backends running in another process, and request recording."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from bot.local_backend import LocalBackend
from tests.local_backend.support import Api, wait_for


async def test_requests_are_recorded_with_headers(api: Api) -> None:
    """Method, path, query and headers (tokens included, in memory only) are kept in order."""
    headers = await api.login()
    await api.client.get("/api/credits/balance/simple?x=1", headers=headers)
    first, second = api.backend.requests
    assert (first.method, first.path) == ("POST", "/api/auth/anonymous-token")
    assert first.headers["X-Client-Id"] == "client-1"
    assert (second.method, second.path, second.query) == (
        "GET",
        "/api/credits/balance/simple",
        "x=1",
    )
    assert second.headers["Authorization"] == headers["Authorization"]
    assert second.headers["X-Skill-Source"] == "beatthread"
    assert first.at <= second.at


async def test_control_requests_fingerprint_tokens_and_are_not_recorded(api: Api) -> None:
    headers = await api.login()
    await api.client.get("/api/credits/balance/simple", headers=headers)
    records = (await api.client.get("/_control/requests")).json()
    assert [r["path"] for r in records] == [
        "/api/auth/anonymous-token",
        "/api/credits/balance/simple",
    ]
    token = headers["Authorization"].removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    assert records[1]["headers"]["Authorization"] == f"Bearer sha256:{digest}"
    assert token not in str(records)
    assert len(api.backend.requests) == 2


async def test_timings_say_when_the_server_was_busy(api: Api) -> None:
    """Each request from arrival to its handler's end, each render's run, on the wall clock.

    A benchmark in another process subtracts this from what Discord showed, so the stream's
    interval must cover the whole stream and the render's its whole run.
    """
    headers = await api.login()
    sid = await api.ready_session(headers)
    before = time.time()
    await api.turn(headers, sid, "sync visuals to the beat")
    after = time.time()
    draft = (await api.state(headers, sid))["data"]["state"]["draft"]
    body = {"id": "render_t", "sessionId": sid, "draft": draft}
    await api.client.post("/api/render/proxy/lambda", json=body, headers=headers)

    async def rendered() -> bool:
        renders = (await api.client.get("/_control/timings")).json()["renders"]
        return renders[0]["finished_at"] is not None

    await wait_for(rendered)
    timings = (await api.client.get("/_control/timings")).json()
    requests = timings["requests"]
    assert [r["route"] for r in requests] == [
        "anonymous_token",
        "create_session",
        "upload",
        "run_sse",
        "state",
        "render_submit",
    ]
    assert all(r["received_at"] <= r["finished_at"] for r in requests)
    assert [r["status"] for r in requests] == [200] * len(requests)
    stream = requests[3]
    assert before <= stream["received_at"] <= stream["finished_at"] <= after
    assert stream["finished_at"] - stream["received_at"] >= api.backend.config.work_seconds
    (render,) = timings["renders"]
    assert (render["id"], render["session_id"], render["status"]) == ("render_t", sid, "completed")
    assert render["submitted_at"] >= requests[-1]["received_at"] - 0.001  # ms resolution
    elapsed = render["finished_at"] - render["submitted_at"]
    assert elapsed >= api.backend.config.render_seconds - 0.001
    assert render["size"] == api.backend.renders["render_t"].size > 0


async def test_config_patch(api: Api) -> None:
    response = await api.client.post(
        "/_control/config", json={"render_shape": "B", "render_seconds": 1}
    )
    assert response.status_code == 200
    assert api.backend.config.render_shape == "B"
    assert api.backend.config.render_seconds == 1.0
    assert response.json()["render_shape"] == "B"
    for bad in ({"render_shape": "C"}, {"no_such_field": 1}, {"render_seconds": "soon"}):
        response = await api.client.post("/_control/config", json=bad)
        assert response.status_code == 400
        assert response.json()["error"]
    assert api.backend.config.render_shape == "B"


async def test_config_hides_static_tokens(api: Api) -> None:
    api.backend.config.static_tokens = {"nmv_usr_secret_operator": 10}
    body = (await api.client.get("/_control/config")).text
    assert "nmv_usr_secret_operator" not in body


async def test_faults_via_control(api: Api) -> None:
    headers = await api.login()
    response = await api.client.post(
        "/_control/faults", json={"route": "credits", "http_status": 502, "times": 2}
    )
    assert response.json()["pending"][0]["route"] == "credits"
    assert (await api.client.get("/api/credits/balance/simple", headers=headers)).status_code == 502
    await api.client.delete("/_control/faults")
    assert (await api.client.get("/api/credits/balance/simple", headers=headers)).status_code == 200
    bad = await api.client.post("/_control/faults", json={"route": "nowhere"})
    assert bad.status_code == 400


async def test_tokens_sessions_and_credits_via_control(api: Api) -> None:
    headers = await api.login()
    sid = await api.ready_session(headers)
    await api.turn(headers, sid, "add the title Ctl")
    info = (await api.client.get(f"/_control/sessions/{sid}")).json()
    assert info["turns_received"] == 1
    assert info["dropped"] is False
    assert any(t["tt"] == 7 for t in info["draft"]["t"])
    await api.client.post("/_control/credits", json={"available": 3})
    assert (await api.credits(headers))["available"] == 3
    assert (await api.client.post("/_control/credits", json={"available": "x"})).status_code == 400
    await api.client.post(f"/_control/sessions/{sid}/drop")
    assert (await api.state(headers, sid))["code"] == 1002
    assert (await api.client.post("/_control/sessions/1/drop")).status_code == 404
    await api.client.post("/_control/expire-tokens")
    assert (await api.state(headers, sid))["code"] == 1001


async def test_control_api_can_be_switched_off() -> None:
    async with LocalBackend(control=False) as backend, httpx.AsyncClient(base_url=backend.url) as c:
        assert (await c.get("/_control/requests")).status_code == 404


async def test_python_helpers_raise_for_unknown_sessions(backend: LocalBackend) -> None:
    for helper in (backend.draft, backend.turns_received, backend.drop_session, backend.state):
        with pytest.raises(KeyError):
            helper("nope")

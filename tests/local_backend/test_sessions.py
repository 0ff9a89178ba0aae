"""§3.2 sessions, §3.3 claim tokens, §3.6 credits, §3.7 state, and malformed requests."""

from __future__ import annotations

import re

import httpx

from tests.local_backend.support import Api

SESSION_PATH = "/api/tasks/me/with-session/nemo_agent"


async def test_create_session_returns_ids_in_documented_format(api: Api) -> None:
    """task_ id, 19-digit numeric session id and the anonymous user id (for ?bind=)."""
    headers = await api.login()
    response = await api.client.post(SESSION_PATH, json={"task_name": "project"}, headers=headers)
    data = response.json()["data"]
    assert re.fullmatch(r"task_[0-9a-f]+", data["task_id"])
    assert re.fullmatch(r"[1-9]\d{18}", data["session_id"])
    assert data["user_id"].startswith("anon_")


async def test_create_session_requires_task_name(api: Api) -> None:
    """A body without task_name is a client bug: HTTP 400 with a message."""
    headers = await api.login()
    response = await api.client.post(SESSION_PATH, json={"language": "en"}, headers=headers)
    assert response.status_code == 400
    assert "task_name" in response.json()["message"]


async def test_malformed_json_is_http_400_envelope(api: Api) -> None:
    """Broken JSON never crashes a handler; the answer is a JSON envelope."""
    headers = {**await api.login(), "Content-Type": "application/json"}
    response = await api.client.post(SESSION_PATH, content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == 400


async def test_unknown_path_is_json_404(client: httpx.AsyncClient) -> None:
    """Even routing errors answer in the envelope."""
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == 404


async def test_state_of_new_session_is_empty(api: Api) -> None:
    """§3.7 shape: video_infos, draft, canvas_config, generated_media; nothing uploaded yet."""
    headers = await api.login()
    sid = await api.session(headers)
    body = await api.state(headers, sid)
    assert body["code"] == 0
    data = body["data"]
    assert data["session_id"] == sid
    assert data["task_name"] == "project"
    assert data["state"]["video_infos"] == []
    assert data["state"]["draft"] == {}
    assert data["state"]["generated_media"] == []
    assert data["state"]["canvas_config"]["width"] == 1920


async def test_unknown_dropped_and_foreign_sessions_are_1002(api: Api) -> None:
    """1002 for a session that never existed, was dropped, or belongs to someone else."""
    owner = await api.login("owner")
    stranger = await api.login("stranger")
    sid = await api.session(owner)
    assert (await api.state(owner, "1234567890123456789"))["code"] == 1002
    assert (await api.state(stranger, sid))["code"] == 1002
    assert (await api.state(owner, sid))["code"] == 0
    api.backend.drop_session(sid)
    assert (await api.state(owner, sid))["code"] == 1002
    upload = await api.upload(owner, sid)
    assert upload.json()["code"] == 1002


async def test_claim_token(api: Api) -> None:
    """§3.3: clm_ token valid for 7 days, only for the caller's own task and session."""
    headers = await api.login()
    created = await api.client.post(SESSION_PATH, json={"task_name": "p"}, headers=headers)
    ids = created.json()["data"]
    body = {"task_id": ids["task_id"], "session_id": ids["session_id"]}
    response = await api.client.post("/api/auth/claim-token", json=body, headers=headers)
    data = response.json()["data"]
    assert data["claim_token"].startswith("clm_")
    assert data["expires_in"] == 604800
    wrong = {"task_id": "task_nope", "session_id": ids["session_id"]}
    response = await api.client.post("/api/auth/claim-token", json=wrong, headers=headers)
    assert response.json()["code"] == 1002


async def test_credits_balance(api: Api) -> None:
    """§3.6: available, frozen and total = available + frozen."""
    headers = await api.login()
    assert await api.credits(headers) == {"available": 100, "frozen": 0, "total": 100}
    api.backend.set_credits(7)
    assert await api.credits(headers) == {"available": 7, "frozen": 0, "total": 7}
    # accounts created after set_credits start with the same balance
    assert (await api.credits(await api.login("later")))["available"] == 7

"""§3.1 anonymous tokens, Bearer auth (1001) and the HTTP status of app errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.local_backend import BackendConfig, LocalBackend
from tests.local_backend.support import Api

TOKEN_PATH = "/api/auth/anonymous-token"


async def test_anonymous_token_has_documented_fields(client: httpx.AsyncClient) -> None:
    """The client stores token, user id and expiry exactly as §3.1 shows them."""
    response = await client.post(TOKEN_PATH, headers={"X-Client-Id": "c-1"})
    body = response.json()
    assert response.status_code == 200
    assert body["code"] == 0
    data = body["data"]
    assert re.fullmatch(r"nmv_usr_[A-Za-z0-9_\-]{20,}", data["token"])
    assert re.fullmatch(r"anon_[0-9a-f]{16}", data["user_id"])
    assert data["credits"] == 100
    expires = datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)


async def test_missing_client_id_is_http_400_with_envelope(client: httpx.AsyncClient) -> None:
    """Without X-Client-Id the documented answer is HTTP 400, and it is still JSON."""
    response = await client.post(TOKEN_PATH)
    assert response.status_code == 400
    assert "X-Client-Id" in response.json()["message"]


async def test_second_token_for_same_client_id_is_429(client: httpx.AsyncClient) -> None:
    """One token per client id per 7 days: a client must persist and reuse its token."""
    assert (await client.post(TOKEN_PATH, headers={"X-Client-Id": "same"})).status_code == 200
    again = await client.post(TOKEN_PATH, headers={"X-Client-Id": "same"})
    assert again.status_code == 429
    other = await client.post(TOKEN_PATH, headers={"X-Client-Id": "other"})
    assert other.status_code == 200


async def test_each_anonymous_user_has_its_own_account(api: Api) -> None:
    """Credits spent by one anonymous user do not affect another."""
    first = await api.login("a")
    second = await api.login("b")
    api.backend.set_credits(100)
    sid = await api.session(first)
    await api.turn(first, sid, "hello")
    assert (await api.credits(first))["available"] == 90
    assert (await api.credits(second))["available"] == 100


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer nmv_usr_not-issued-here", "Basic abc"]
)
async def test_missing_or_unknown_token_is_1001(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    """Every Bearer endpoint answers 1001 for tokens this server never issued."""
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/api/credits/balance/simple", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"code": 1001, "message": response.json()["message"], "data": None}


async def test_expired_tokens_answer_1001_and_client_id_may_get_a_new_one(api: Api) -> None:
    """After expiry the client re-requests with the same client id (§3.1) and succeeds."""
    headers = await api.login("c")
    api.backend.expire_tokens()
    response = await api.client.get("/api/credits/balance/simple", headers=headers)
    assert response.json()["code"] == 1001
    fresh = await api.login("c")
    assert fresh != headers
    assert (await api.client.get("/api/credits/balance/simple", headers=fresh)).json()["code"] == 0


async def test_renewed_token_is_the_same_anonymous_user(api: Api) -> None:
    """Same client id after expiry: same anon user, same sessions, remaining credits kept."""
    first = await api.client.post(TOKEN_PATH, headers={"X-Client-Id": "keep"})
    headers = {"Authorization": f"Bearer {first.json()['data']['token']}"}
    sid = await api.session(headers)
    await api.turn(headers, sid, "hello")
    api.backend.expire_tokens()
    second = await api.client.post(TOKEN_PATH, headers={"X-Client-Id": "keep"})
    assert second.json()["data"]["user_id"] == first.json()["data"]["user_id"]
    assert second.json()["data"]["credits"] == 90
    renewed = {"Authorization": f"Bearer {second.json()['data']['token']}"}
    assert (await api.state(renewed, sid))["code"] == 0
    other = await api.client.post(TOKEN_PATH, headers={"X-Client-Id": "someone-else"})
    assert other.json()["data"]["user_id"] != first.json()["data"]["user_id"]


async def test_token_ttl_is_honoured(api: Api) -> None:
    """A token past its lifetime is rejected without any explicit expiry call."""
    api.backend.config.token_ttl_seconds = 0.0
    headers = await api.login("ttl")
    response = await api.client.get("/api/credits/balance/simple", headers=headers)
    assert response.json()["code"] == 1001


async def test_static_operator_token_is_accepted() -> None:
    """A configured NEMO_TOKEN-style token works without the anonymous flow."""
    config = BackendConfig(
        studio=False, turn_cost=10, static_tokens={"nmv_usr_operator_secret": 5000}
    )
    async with LocalBackend(config) as backend, httpx.AsyncClient(base_url=backend.url) as client:
        headers = {"Authorization": "Bearer nmv_usr_operator_secret"}
        body = (await client.get("/api/credits/balance/simple", headers=headers)).json()
        assert body["data"] == {"available": 5000, "frozen": 0, "total": 5000}
        backend.expire_tokens()  # operator tokens are not "issued" tokens
        body = (await client.get("/api/credits/balance/simple", headers=headers)).json()
        assert body["code"] == 0


async def test_ip_token_limit(api: Api) -> None:
    """With the per-IP limit on, further client ids from one address get 429."""
    api.backend.config.ip_token_limit = 2
    await api.token("ip-1")
    await api.token("ip-2")
    response = await api.client.post(TOKEN_PATH, headers={"X-Client-Id": "ip-3"})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("code", "status"), [(1001, 401), (1002, 404), (2001, 402), (4001, 415), (4002, 413)]
)
async def test_app_codes_travel_with_4xx_when_configured(api: Api, code: int, status: int) -> None:
    """With error_http_status="4xx" each app code comes with its HTTP status and envelope."""
    api.backend.config.error_http_status = "4xx"
    headers = await api.login()
    sid = await api.session(headers)
    if code == 1001:
        response = await api.client.get("/api/credits/balance/simple")
    elif code == 1002:
        response = await api.client.get("/api/state/nemo_agent/me/123/latest", headers=headers)
    elif code == 2001:
        api.backend.set_credits(0)
        response = await api.client.post(
            "/run_sse",
            json={"session_id": sid, "new_message": {"parts": [{"text": "hi"}]}},
            headers=headers,
        )
    elif code == 4001:
        response = await api.upload(headers, sid, name="notes.txt", data=b"hello")
    else:
        api.backend.config.max_upload_bytes = 10
        response = await api.upload(headers, sid)
    assert response.status_code == status
    assert response.json()["code"] == code

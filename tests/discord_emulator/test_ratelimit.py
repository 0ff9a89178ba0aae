"""Rate limits: realistic headers keep discord.py within limits, and 429s are waited out."""

from __future__ import annotations

import time

import aiohttp

from .clients import RecordingClient
from .discordpy import pointed_at, running
from .ratelimit import BucketLimit, RateLimitPolicy

MESSAGES = "/channels/{channel_id}/messages"


async def small_world(make_emulator, policy: RateLimitPolicy):
    emu = await make_emulator(rate_limits=policy)
    guild = emu.add_guild()
    channel = emu.add_text_channel(guild, "tracks")
    return emu, channel


async def test_discordpy_stays_within_buckets_from_headers(make_emulator):
    """With X-RateLimit-* headers discord.py paces sends and edits itself: no 429 at all."""
    policy = RateLimitPolicy(message_create=BucketLimit(2, 0.3), message_edit=BucketLimit(2, 0.3))
    emu, channel = await small_world(make_emulator, policy)
    client = RecordingClient()
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            target = client.get_channel(channel.id)
            started = time.monotonic()
            messages = [await target.send(f"part {i}") for i in range(5)]
            for i in range(4):
                await messages[-1].edit(content=f"edit {i}")
            elapsed = time.monotonic() - started
    assert emu.recorder.rate_limit_hits == []
    assert len(emu.messages_in(channel)) == 5
    assert elapsed >= 0.6
    stored = emu.messages_in(channel)[-1]
    assert [e.content for e in stored.edits] == [f"edit {i}" for i in range(4)]


async def test_injected_shared_429_is_waited_out(make_emulator):
    """A shared-scope 429 (not predictable from headers) is slept through and retried once."""
    emu, channel = await small_world(make_emulator, RateLimitPolicy())
    emu.limiter.inject("POST", MESSAGES, retry_after=0.2)
    client = RecordingClient()
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            started = time.monotonic()
            await client.get_channel(channel.id).send("after the wait")
            elapsed = time.monotonic() - started
    (hit,) = emu.recorder.rate_limit_hits
    assert (hit.scope, hit.injected, hit.retry_after) == ("shared", True, 0.2)
    assert elapsed >= 0.2
    posts = emu.recorder.requests_to("POST", MESSAGES)
    assert [p.status for p in posts] == [429, 200]
    assert len(emu.messages_in(channel)) == 1


async def test_bucket_exhausted_elsewhere_gives_429_that_discordpy_waits_out(make_emulator):
    """Another process of the same bot used the bucket: discord.py gets a 429, waits, retries."""
    emu, channel = await small_world(
        make_emulator, RateLimitPolicy(message_create=BucketLimit(1, 0.4))
    )
    client = RecordingClient()
    url = f"{emu.api_base}/channels/{channel.id}/messages"
    headers = {"Authorization": f"Bot {emu.token}"}
    with pointed_at(emu):
        async with running(client, emu.token, emulator=emu):
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, json={"content": "other"}, headers=headers) as response,
            ):
                assert response.status == 200
                assert response.headers["X-RateLimit-Remaining"] == "0"
            await client.get_channel(channel.id).send("mine")
    (hit,) = emu.recorder.rate_limit_hits
    assert (hit.scope, hit.injected, hit.bucket) == ("user", False, "message_create")
    assert [m.content for m in emu.messages_in(channel)] == ["other", "mine"]


async def test_rate_limit_headers_and_429_shape(make_emulator):
    """Headers and the 429 body follow Rate_Limits.md; Via is set so discord.py trusts it."""
    emu, channel = await small_world(
        make_emulator, RateLimitPolicy(message_create=BucketLimit(1, 5.0))
    )
    url = f"{emu.api_base}/channels/{channel.id}/messages"
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"content": "one"}, headers=headers) as first:
            assert first.headers["X-RateLimit-Limit"] == "1"
            assert first.headers["X-RateLimit-Remaining"] == "0"
            assert 0 < float(first.headers["X-RateLimit-Reset-After"]) <= 5.0
            assert float(first.headers["X-RateLimit-Reset"]) > time.time()
            bucket = first.headers["X-RateLimit-Bucket"]
        async with session.post(url, json={"content": "two"}, headers=headers) as second:
            body = await second.json()
            assert second.status == 429
            assert second.headers["X-RateLimit-Bucket"] == bucket
            assert second.headers["X-RateLimit-Scope"] == "user"
            assert int(second.headers["Retry-After"]) >= 1
            assert second.headers["Via"]
    assert body["message"] == "You are being rate limited."
    assert body["global"] is False
    assert 0 < body["retry_after"] <= 5.0
    assert len(emu.recorder.rate_limit_hits) == 1


async def test_missing_token_is_401(make_emulator):
    """Requests without the bot token are refused with 401 before any rate limit."""
    emu, channel = await small_world(make_emulator, RateLimitPolicy())
    url = f"{emu.api_base}/channels/{channel.id}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 401
        assert await response.json() == {"message": "401: Unauthorized", "code": 0}

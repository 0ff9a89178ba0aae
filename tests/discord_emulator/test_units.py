"""Sans-I/O parts of the emulator: snowflakes, permissions, URL signing, rate-limit windows."""

from __future__ import annotations

import pytest

from .cdn import CdnSigner
from .clock import ShiftableClock
from .permissions import (
    ALL_PERMISSIONS,
    Overwrite,
    Permission,
    apply_implicit,
    compute_base_permissions,
    compute_overwrites,
)
from .ratelimit import BucketLimit, RateLimiter, RateLimitPolicy
from .snowflake import SnowflakeFactory, snowflake_time

P = Permission
GUILD, ROLE, MEMBER = 10, 20, 30


def test_snowflakes_increase_and_carry_the_clock():
    """Ids are strictly increasing and decode to the clock's time."""
    clock = ShiftableClock(lambda: 1_700_000_000.0)
    ids = SnowflakeFactory(clock)
    first, second = ids.next(), ids.next()
    assert second > first
    assert snowflake_time(first) == pytest.approx(1_700_000_000.0, abs=0.001)
    clock.advance(60)
    assert snowflake_time(ids.next()) == pytest.approx(1_700_000_060.0, abs=0.001)


@pytest.mark.parametrize(
    ("overwrites", "expected_send"),
    [
        ([], True),
        ([Overwrite(GUILD, 0, deny=P.SEND_MESSAGES)], False),
        (
            [Overwrite(GUILD, 0, deny=P.SEND_MESSAGES), Overwrite(ROLE, 0, allow=P.SEND_MESSAGES)],
            True,
        ),
        (
            [Overwrite(ROLE, 0, allow=P.SEND_MESSAGES), Overwrite(MEMBER, 1, deny=P.SEND_MESSAGES)],
            False,
        ),
    ],
)
def test_overwrites_apply_in_documented_order(overwrites, expected_send):
    """@everyone, then roles (deny before allow), then the member overwrite."""
    base = compute_base_permissions(everyone=P.VIEW_CHANNEL | P.SEND_MESSAGES, roles=[0])
    result = compute_overwrites(
        base, guild_id=GUILD, member_id=MEMBER, member_role_ids=[ROLE], overwrites=overwrites
    )
    assert bool(result & P.SEND_MESSAGES) is expected_send


def test_administrator_and_implicit_rules():
    """ADMINISTRATOR grants all; no VIEW_CHANNEL means nothing; no send means no attach."""
    assert compute_base_permissions(everyone=0, roles=[P.ADMINISTRATOR]) == ALL_PERMISSIONS
    assert apply_implicit(P.SEND_MESSAGES | P.ATTACH_FILES, in_thread=False) == 0
    channel = apply_implicit(P.VIEW_CHANNEL | P.ATTACH_FILES, in_thread=False)
    assert not channel & P.ATTACH_FILES
    thread = apply_implicit(
        P.VIEW_CHANNEL | P.SEND_MESSAGES_IN_THREADS | P.ATTACH_FILES, in_thread=True
    )
    assert thread & P.ATTACH_FILES


def test_signed_urls_expire_and_resist_tampering():
    """A signature is valid until ``ex``, only for its own path and times."""
    clock = ShiftableClock(lambda: 1_700_000_000.0)
    signer = CdnSigner(clock, lambda: 3600)
    query = dict(
        part.split("=") for part in signer.sign("/attachments/1/2/a.mp3").split("&") if part
    )
    assert int(query["ex"], 16) - int(query["is"], 16) == 3600
    assert signer.verify("/attachments/1/2/a.mp3", query)
    assert not signer.verify("/attachments/1/3/a.mp3", query)
    assert not signer.verify(
        "/attachments/1/2/a.mp3", {**query, "ex": f"{int(query['ex'], 16) + 1:x}"}
    )
    clock.advance(3600)
    assert not signer.verify("/attachments/1/2/a.mp3", query)


def test_buckets_count_per_major_parameter_and_reset():
    """A bucket is per channel; it refills after its window; headers round up."""
    now = [100.0]
    limiter = RateLimiter(
        RateLimitPolicy(message_create=BucketLimit(2, 1.0)), monotonic=lambda: now[0]
    )
    route = "/channels/{channel_id}/messages"
    a, b = {"channel_id": "1"}, {"channel_id": "2"}
    assert limiter.check("POST", route, a).allowed
    second = limiter.check("POST", route, a)
    assert second.headers["X-RateLimit-Remaining"] == "0"
    third = limiter.check("POST", route, a)
    assert not third.allowed and third.retry_after == 1.0
    assert limiter.check("POST", route, b).allowed
    now[0] += 0.0004
    assert limiter.check("POST", route, a).headers["X-RateLimit-Reset-After"] == "1.000"
    now[0] += 1.0
    assert limiter.check("POST", route, a).allowed

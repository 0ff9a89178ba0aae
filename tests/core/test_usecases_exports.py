"""Export use cases against the real local backend and store: submit, retry, follow, post once."""

from __future__ import annotations

import itertools

import httpx
import pytest

from bot.core.models import ExportStatus
from bot.core.replies import (
    ErrorReply,
    ExportFailed,
    ExportFinished,
    ExportStarted,
)
from bot.core.usecases import Conversation, UseCases
from bot.local_backend import Fault
from tests.backend.media import is_mp4
from tests.core.usecases_support import FAST, collect, mp4_duration, of_type, tone_attachment

pytestmark = pytest.mark.timeout(30)

_thread_ids = itertools.count(1)
REQUESTER = 42
#: The failure paths need no second database: the transitions they use are the main test's.
sqlite_only = pytest.mark.parametrize("database_backend", ["sqlite"])


@pytest.fixture
def use_cases(nemo, store) -> UseCases:
    return UseCases(nemo, store, timings=FAST)


@pytest.fixture
async def conversation(use_cases) -> Conversation:
    return await use_cases.start_conversation(
        thread_id=next(_thread_ids), owner_user_id=7, language="en"
    )


@pytest.fixture
async def with_track(use_cases, conversation, tmp_path) -> Conversation:
    """A conversation whose timeline holds a 3-second track."""
    await collect(use_cases.upload(conversation, tone_attachment(tmp_path, seconds=3.0)))
    return conversation


def submits(backend) -> int:
    return sum(1 for r in backend.requests if r.method == "POST" and r.path.endswith("/lambda"))


async def export(use_cases: UseCases, conversation: Conversation) -> list[object]:
    """Start an export and follow it to the end, as a front end would."""
    events = await collect(use_cases.start_export(conversation, REQUESTER))
    for started in of_type(events, ExportStarted):
        events += await collect(use_cases.follow_export(conversation, started.render_id))
    return events


async def job(use_cases: UseCases, render_id: str):
    async with use_cases.deps.store.transaction() as tx:
        return await tx.exports.get(render_id)


async def test_export_posts_a_playable_mp4_once(use_cases, with_track, tmp_path):
    """Submit, follow, announce the MP4 and the project link; the job ends ``posted``."""
    events = await export(use_cases, with_track)
    (started,) = of_type(events, ExportStarted)
    (finished,) = of_type(events, ExportFinished)
    assert finished.render_id == started.render_id
    assert finished.url in finished.text
    assert finished.project_url and "/workspace/claim?ct=clm_" in finished.project_url
    stored = await job(use_cases, finished.render_id)
    assert stored.status is ExportStatus.POSTED and stored.posted_at is not None
    assert stored.requester_id == REQUESTER and stored.output_url == finished.url

    async with httpx.AsyncClient() as http:
        video = (await http.get(finished.url)).content
    assert is_mp4(video[:12])
    target = tmp_path / "video.mp4"
    target.write_bytes(video)
    assert 2.5 <= mp4_duration(target) <= 3.5  # the track's length


async def test_empty_timeline_is_not_exported(use_cases, conversation, local_backend):
    """Nothing on the timeline: a polite refusal, and no render is submitted."""
    events = await export(use_cases, conversation)
    (error,) = of_type(events, ErrorReply)
    assert "nothing to export" in error.text
    assert submits(local_backend) == 0


@sqlite_only
async def test_submit_failure_retries_once_with_a_new_id(use_cases, with_track, local_backend):
    """A failed submission is repeated under a new id (a repeated id would be a duplicate)."""
    local_backend.inject(Fault(route="render_submit", http_status=500))
    events = await export(use_cases, with_track)
    assert of_type(events, ExportFinished)
    assert submits(local_backend) == 2
    async with use_cases.deps.store.transaction() as tx:
        assert await tx.exports.load_unfinished() == []


@sqlite_only
async def test_plan_refusal_is_not_retried(use_cases, with_track, local_backend):
    """402 (plan) cannot be fixed by a new id: one submission and the register link."""
    local_backend.inject(Fault(route="render_submit", http_status=402))
    events = await export(use_cases, with_track)
    (error,) = of_type(events, ErrorReply)
    assert "register?bind=anon_" in error.text
    assert submits(local_backend) == 1


@sqlite_only
async def test_failed_render_is_rendered_again_once(use_cases, with_track, local_backend):
    """A render that fails is submitted once more under a new id, and that one is posted."""
    local_backend.config.render_failures = 1
    events = await export(use_cases, with_track)
    (started,) = of_type(events, ExportStarted)
    (finished,) = of_type(events, ExportFinished)
    assert finished.render_id != started.render_id
    assert (await job(use_cases, started.render_id)).status is ExportStatus.FAILED


@sqlite_only
async def test_render_failing_twice_is_reported(use_cases, with_track, local_backend):
    """Two failed renders: the user is told to try again later; no third attempt."""
    local_backend.config.render_failures = 2
    events = await export(use_cases, with_track)
    (failed,) = of_type(events, ExportFailed)
    assert "failed twice" in failed.text
    assert submits(local_backend) == 2

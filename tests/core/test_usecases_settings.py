"""A user's settings and history use cases, over the real store and local backend."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.models import ExportOptions, UserSettings
from bot.core.replies import ExportStarted
from bot.core.timeline import parse_draft
from bot.core.usecases import UseCases
from bot.core.usecases.history import HISTORY_PAGE_SIZE
from bot.core.usecases.remembered import SETTINGS_KEPT_S, RememberedSettings
from tests.core.conftest import OWNER
from tests.core.usecases_support import FAST, collect, of_type, tone_attachment


async def test_a_new_user_has_the_defaults(use_cases):
    """Nothing stored: 1080p, no DM, automatic language."""
    assert await use_cases.user_settings(OWNER) == UserSettings("1080p", False, None)


@pytest.mark.parametrize(
    "change", [{"resolution": "4k"}, {"resolution": "720"}, {"language": "fr"}, {"language": "zh"}]
)
async def test_only_offered_values_are_stored(use_cases, change):
    """A resolution or language the panel does not offer is refused before it is stored."""
    with pytest.raises(ValueError, match=r"not an export resolution|not a reply language"):
        await use_cases.change_settings(OWNER, **change)
    assert await use_cases.user_settings(OWNER) == UserSettings()


async def test_a_chosen_language_reaches_the_users_threads(use_cases, conversation):
    """Choosing 中文 switches the thread already recorded; automatic leaves it as it is."""
    await use_cases.change_settings(OWNER, language="zh-CN")
    reopened = await use_cases.open_conversation(conversation.thread_id)
    assert reopened.language == "zh-CN"
    await use_cases.change_settings(OWNER, language=None)
    assert (await use_cases.open_conversation(conversation.thread_id)).language == "zh-CN"


async def test_an_export_without_options_uses_the_requesters_resolution(
    use_cases, conversation, local_backend, tmp_path
):
    """The requester's default is recorded with the job and sent to the backend."""
    await collect(use_cases.upload(conversation, tone_attachment(tmp_path)))
    await use_cases.change_settings(OWNER, resolution="720p")
    (started,) = of_type(await collect(use_cases.start_export(conversation, OWNER)), ExportStarted)
    async with use_cases.deps.store.transaction() as tx:
        job = await tx.exports.get(started.render_id)
    assert job.options == ExportOptions(resolution="720p")
    assert local_backend.renders[started.render_id].output["resolution"] == "720p"
    draft = local_backend.sessions[next(iter(local_backend.sessions))].draft
    assert job.length_ms == parse_draft(draft).length_ms > 0
    assert await use_cases.export_options(OWNER, "1080p") == ExportOptions(resolution="1080p")


async def test_an_empty_history_is_one_empty_page(use_cases):
    """No videos: page 1 of 1, nothing before or after; any page asked for is that one."""
    for asked in (0, 1, 5):
        page = await use_cases.history(OWNER, asked)
        assert (page.videos, page.page, page.pages, page.total) == ((), 1, 1, 0)
        assert not page.has_previous and not page.has_next


@pytest.mark.parametrize(
    ("draft", "length"),
    [
        ({"d": 12_000, "t": [{"tt": 0, "sg": [{"d": 5000}]}]}, 12_000),
        (
            {"t": [{"tt": 0, "sg": [{"d": 5000}, {"d": 2500}]}, {"tt": 1, "sg": [{"d": 6000}]}]},
            7500,
        ),
        ({"t": []}, None),
    ],
)
def test_video_length_is_the_timelines(draft, length):
    """The draft's own duration, else where its last track ends; nothing for an empty one."""
    assert parse_draft(draft).length_ms == length


def test_pages_hold_five_videos():
    """The page size /history shows."""
    assert HISTORY_PAGE_SIZE == 5


class SteppedClock:
    """A clock the test moves: ``monotonic`` is what the settings' memory goes by."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self):
        return datetime.fromtimestamp(1_800_000_000 + self.t, UTC)

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_a_change_in_another_process_is_seen_once_the_memory_lapses(nemo, store):
    """Two processes on one store: each sees its own change at once, the other's within 60 s."""
    clock = SteppedClock()
    here = UseCases(nemo, store, clock=clock, timings=FAST)
    there = UseCases(nemo, store, clock=clock, timings=FAST)
    assert (await here.user_settings(OWNER)).dm_video is False  # read, and remembered here
    assert (await there.change_settings(OWNER, dm_video=True)).dm_video is True
    assert (await there.user_settings(OWNER)).dm_video is True
    clock.t += SETTINGS_KEPT_S - 1
    assert (await here.user_settings(OWNER)).dm_video is False
    clock.t += 1
    assert (await here.user_settings(OWNER)).dm_video is True


def test_the_least_recently_used_settings_go_first():
    """Beyond its capacity the memory forgets the user it used least recently."""
    memory = RememberedSettings(capacity=2)
    memory.put(1, UserSettings(resolution="720p"), 0.0)
    memory.put(2, UserSettings(), 0.0)
    assert memory.get(1, 1.0) is not None  # 1 is now the most recent
    memory.put(3, UserSettings(), 0.0)
    assert memory.get(2, 1.0) is None
    assert memory.get(1, 1.0) == UserSettings(resolution="720p")


async def test_overlapping_reads_of_one_user_share_one_read():
    """Twenty reads at once: one call of ``read``; the first caller leaving cancels nothing."""
    memory = RememberedSettings()
    calls = 0
    started, release = asyncio.Event(), asyncio.Event()

    async def read() -> UserSettings:
        nonlocal calls
        calls += 1
        started.set()
        await release.wait()
        return UserSettings(resolution="720p")

    readers = [asyncio.create_task(memory.read_once(OWNER, read, 0.0)) for _ in range(20)]
    # The tasks take their first step in creation order before this one wakes: all wait now.
    await asyncio.wait_for(started.wait(), 5)
    readers[0].cancel()
    release.set()
    results = await asyncio.gather(*readers[1:])
    assert calls == 1
    assert set(results) == {UserSettings(resolution="720p")}
    assert memory.get(OWNER, 1.0) == UserSettings(resolution="720p")


def test_a_read_that_started_before_a_change_does_not_undo_it():
    """Settings kept as of a later moment are not replaced by an older read's result."""
    memory = RememberedSettings()
    memory.put(OWNER, UserSettings(dm_video=True), 5.0)  # the change
    memory.put(OWNER, UserSettings(), 4.0)  # a read that began before it ends now
    assert memory.get(OWNER, 6.0) == UserSettings(dm_video=True)

"""A user's settings and history use cases, over the real store and local backend."""

from __future__ import annotations

import pytest

from bot.core.models import ExportOptions, UserSettings
from bot.core.replies import ExportStarted
from bot.core.usecases.history import HISTORY_PAGE_SIZE, video_length_ms
from tests.core.conftest import OWNER
from tests.core.usecases_support import collect, of_type, tone_attachment


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
    assert job.length_ms == video_length_ms(draft) > 0
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
    assert video_length_ms(draft) == length


def test_pages_hold_five_videos():
    """The page size /history shows."""
    assert HISTORY_PAGE_SIZE == 5

"""Users' settings, their threads' language, and the export history, on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from bot.core.models import ExportStatus, NewThread, PastExport, UserSettings
from bot.storage import create_engine

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
MIA, LENA = 2**62 + 7, 31


async def add_thread(store, thread_id, *, owner=MIA, guild_id=10, language="en-US"):
    async with store.transaction() as tx:
        await tx.threads.add(
            NewThread(
                thread_id=thread_id,
                guild_id=guild_id,
                parent_channel_id=20,
                owner_user_id=owner,
                language=language,
            ),
            now=NOW,
        )


async def add_job(store, render_id, *, thread_id=100, requester=MIA, at=NOW, video=True, **extra):
    """A job recorded at ``at``; with ``video``, finished and posted (message 9000 + n)."""
    async with store.transaction() as tx:
        await tx.exports.create(
            render_id=render_id, thread_id=thread_id, requester_id=requester, now=at, **extra
        )
        if video:
            await tx.exports.transition(
                render_id,
                ExportStatus.SUBMITTED,
                ExportStatus.POSTED,
                now=at,
                output_url=f"https://cdn.example/{render_id}.mp4",
                posted_message_id=9000 + int(render_id.rsplit("_", 1)[1]),
            )


# -- settings -----------------------------------------------------------------------------------


async def test_a_user_without_settings_has_none_stored(store):
    """No row until a first change: the use case then shows the defaults."""
    async with store.transaction() as tx:
        assert await tx.user_settings.get(MIA) is None


async def test_a_change_stores_only_what_it_names(store):
    """The first change fills in the defaults; later ones leave the other settings alone."""
    async with store.transaction() as tx:
        first = await tx.user_settings.change(MIA, now=NOW, resolution="720p")
    async with store.transaction() as tx:
        second = await tx.user_settings.change(MIA, now=NOW, dm_video=True)
    async with store.transaction() as tx:
        third = await tx.user_settings.change(MIA, now=NOW, language="zh-CN")
        back = await tx.user_settings.change(MIA, now=NOW, language=None)
        stored = await tx.user_settings.get(MIA)
        other = await tx.user_settings.get(LENA)
    assert first == UserSettings(resolution="720p")
    assert second == UserSettings(resolution="720p", dm_video=True)
    assert third == UserSettings(resolution="720p", dm_video=True, language="zh-CN")
    assert back == stored == UserSettings(resolution="720p", dm_video=True)
    assert other is None


async def test_changes_at_the_same_moment_both_land(store):
    """Two menus used at once: each upsert sets its own column, neither undoes the other."""

    async def change(**changes):
        async with store.transaction() as tx:
            await tx.user_settings.change(MIA, now=NOW, **changes)

    await asyncio.gather(change(resolution="720p"), change(dm_video=True), change(language="en"))
    async with store.transaction() as tx:
        assert await tx.user_settings.get(MIA) == UserSettings("720p", True, "en")


async def test_an_unknown_setting_is_refused(store):
    """A typo fails loudly."""
    async with store.transaction() as tx:
        with pytest.raises(TypeError, match="not a user setting"):
            await tx.user_settings.change(MIA, now=NOW, resolutoin="720p")


async def test_a_language_reaches_every_thread_of_its_owner(store):
    """One UPDATE by owner: their threads speak it, others' threads do not change."""
    await add_thread(store, 100)
    await add_thread(store, 101, language="zh-CN")
    await add_thread(store, 102, owner=LENA)
    later = NOW + timedelta(minutes=1)
    async with store.transaction() as tx:
        changed = await tx.threads.set_owner_language(MIA, "zh-CN", now=later)
        threads = await tx.threads.get_many([100, 101, 102])
    assert changed == 1  # 101 spoke it already
    assert {t: threads[t].language for t in threads} == {100: "zh-CN", 101: "zh-CN", 102: "en-US"}
    assert threads[100].updated_at == later and threads[101].updated_at == NOW


# -- history ------------------------------------------------------------------------------------


async def test_history_lists_finished_videos_newest_first_in_pages(store):
    """Seven videos: 5 then 2, newest first; unfinished jobs and other users' are not listed."""
    await add_thread(store, 100, guild_id=77)
    for n in range(7):
        await add_job(store, f"render_{n}", at=NOW + timedelta(minutes=n), length_ms=1000 * n)
    await add_job(store, "render_20", at=NOW + timedelta(hours=1), video=False)
    await add_job(store, "render_21", requester=LENA)
    async with store.transaction() as tx:
        total = await tx.history.count(MIA)
        first = await tx.history.page(MIA, offset=0, limit=5)
        second = await tx.history.page(MIA, offset=5, limit=5)
        beyond = await tx.history.page(MIA, offset=10, limit=5)
    assert total == 7
    assert [v.render_id for v in first] == [f"render_{n}" for n in (6, 5, 4, 3, 2)]
    assert [v.render_id for v in second] == ["render_1", "render_0"]
    assert beyond == []
    assert first[0] == PastExport(
        render_id="render_6",
        thread_id=100,
        guild_id=77,
        created_at=NOW + timedelta(minutes=6),
        output_url="https://cdn.example/render_6.mp4",
        length_ms=6000,
        posted_message_id=9006,
        resolution=None,
    )


async def test_jobs_at_the_same_instant_keep_one_order(store):
    """Equal times are ordered by render id, so paging never shows one twice or skips one."""
    await add_thread(store, 100)
    for n in range(4):
        await add_job(store, f"render_{n}")
    async with store.transaction() as tx:
        pages = [await tx.history.page(MIA, offset=o, limit=2) for o in (0, 2)]
    assert [v.render_id for page in pages for v in page] == [f"render_{n}" for n in (3, 2, 1, 0)]


async def test_an_empty_history(store):
    """Nobody's videos: zero, and an empty page."""
    async with store.transaction() as tx:
        assert await tx.history.count(LENA) == 0
        assert await tx.history.page(LENA, offset=0, limit=5) == []


async def test_the_length_is_stored_with_the_job(store):
    """A job's length comes back with the job (and stays unknown where it was not recorded)."""
    await add_thread(store, 100)
    await add_job(store, "render_1", video=False, length_ms=12_500)
    await add_job(store, "render_2", video=False)
    async with store.transaction() as tx:
        assert (await tx.exports.get("render_1")).length_ms == 12_500
        assert (await tx.exports.get("render_2")).length_ms is None


async def test_history_and_owner_lookups_have_their_indexes(migrated_database_url):
    """A requester's jobs by time, and a user's threads, are index lookups, not table scans."""
    engine = create_engine(migrated_database_url)
    try:
        async with engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda sync: {
                    table: {i["name"]: i["column_names"] for i in inspect(sync).get_indexes(table)}
                    for table in ("export_job", "track_thread")
                }
            )
    finally:
        await engine.dispose()
    assert indexes["export_job"]["ix_export_job_requester_id_created_at"] == [
        "requester_id",
        "created_at",
    ]
    assert indexes["track_thread"]["ix_track_thread_owner_user_id"] == ["owner_user_id"]

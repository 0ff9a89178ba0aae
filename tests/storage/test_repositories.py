"""Repositories behave the same on SQLite and PostgreSQL (every test runs on both)."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import (
    ChatTurnStatus,
    ExportStatus,
    NewThread,
    Recorded,
    ThreadStatus,
    TrackThread,
    UploadStatus,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


async def add_thread(store, thread_id=100, guild_id=10, **extra):
    async with store.transaction() as tx:
        return await tx.threads.add(
            NewThread(
                thread_id=thread_id,
                guild_id=guild_id,
                parent_channel_id=20,
                owner_user_id=30,
                **extra,
            ),
            now=NOW,
        )


# -- threads ------------------------------------------------------------------------------------


async def test_thread_lookup_finds_the_session(store):
    """The hot path: a message in a thread → which backend session it belongs to."""
    added = await add_thread(
        store, task_id="task_1", session_id="5529798706024415232", title="Song"
    )
    async with store.transaction() as tx:
        found = await tx.threads.get(100)
        missing = await tx.threads.get(999)
    assert found == added.item
    assert found == TrackThread(
        thread_id=100,
        guild_id=10,
        parent_channel_id=20,
        owner_user_id=30,
        status=ThreadStatus.ACTIVE,
        created_at=NOW,
        updated_at=NOW,
        task_id="task_1",
        session_id="5529798706024415232",
        title="Song",
    )
    assert missing is None


async def test_discord_ids_use_all_64_bits(store):
    """Snowflakes are larger than 32 bits; they must round-trip exactly."""
    big = 2**63 - 1
    await add_thread(store, thread_id=big, guild_id=big - 1)
    async with store.transaction() as tx:
        thread = await tx.threads.get(big)
    assert thread is not None and (thread.thread_id, thread.guild_id) == (big, big - 1)


async def test_a_thread_is_recorded_once(store):
    """Recording a thread again (a re-delivered event) keeps the first record."""
    first = await add_thread(store, title="first")
    again = await add_thread(store, title="second")
    assert first.created and not again.created
    assert again.item == first.item


async def test_session_lost_then_replaced(store):
    """After 1002 the thread is marked, then a new session is attached and it is active again."""
    await add_thread(store, task_id="t1", session_id="s1")
    async with store.transaction() as tx:
        assert await tx.threads.set_status(100, ThreadStatus.SESSION_LOST, now=LATER)
        assert (await tx.threads.get(100)).status is ThreadStatus.SESSION_LOST
        assert await tx.threads.set_session(100, task_id="t2", session_id="s2", now=LATER)
        thread = await tx.threads.get(100)
        assert not await tx.threads.set_status(999, ThreadStatus.ARCHIVED, now=LATER)
    assert (thread.task_id, thread.session_id, thread.status) == ("t2", "s2", ThreadStatus.ACTIVE)
    assert thread.updated_at == LATER and thread.created_at == NOW


async def test_timeline_snapshot_is_kept(store):
    """The last timeline is remembered so the next reply can say what changed."""
    await add_thread(store)
    snapshot = '{"t": [' + ",".join(["1"] * 10_000) + "]}"
    async with store.transaction() as tx:
        assert await tx.threads.save_timeline(100, snapshot, now=LATER)
    async with store.transaction() as tx:
        assert (await tx.threads.get(100)).timeline_snapshot == snapshot


# -- uploads ------------------------------------------------------------------------------------


async def test_upload_is_recorded_once_per_attachment(store):
    """A re-delivered message event does not upload the same attachment twice."""
    await add_thread(store)
    details = {
        "thread_id": 100,
        "filename": "beat.mp3",
        "content_type": "audio/mpeg",
        "size_bytes": 1234,
    }
    async with store.transaction() as tx:
        first = await tx.uploads.record(attachment_id=5, now=NOW, **details)
        assert await tx.uploads.set_status(100, 5, UploadStatus.UPLOADED, now=LATER)
    async with store.transaction() as tx:
        second = await tx.uploads.record(attachment_id=5, now=LATER, **{**details, "size_bytes": 1})
    assert first.created and first.item.status is UploadStatus.PENDING
    assert not second.created
    assert second.item.status is UploadStatus.UPLOADED and second.item.size_bytes == 1234


async def test_same_attachment_is_recorded_once_per_thread(store):
    """The key is (thread, attachment): a second thread gets its own upload of the same file."""
    await add_thread(store, thread_id=100)
    await add_thread(store, thread_id=200)
    details = {"filename": "beat.mp3", "content_type": "audio/mpeg", "size_bytes": 1234}
    async with store.transaction() as tx:
        first = await tx.uploads.record(thread_id=100, attachment_id=5, now=NOW, **details)
        assert await tx.uploads.set_status(100, 5, UploadStatus.UPLOADED, now=LATER)
    async with store.transaction() as tx:
        other = await tx.uploads.record(thread_id=200, attachment_id=5, now=LATER, **details)
        again = await tx.uploads.record(thread_id=200, attachment_id=5, now=LATER, **details)
        assert await tx.uploads.set_status(200, 5, UploadStatus.FAILED, now=LATER)
        assert not await tx.uploads.set_status(300, 5, UploadStatus.FAILED, now=LATER)
        in_first = await tx.uploads.get(100, 5)
        in_second = await tx.uploads.get(200, 5)
        nowhere = await tx.uploads.get(300, 5)
        listed = [await tx.uploads.list_for_thread(t) for t in (100, 200)]
    assert first.created and other.created and not again.created
    assert other.item.thread_id == 200 and other.item.status is UploadStatus.PENDING
    assert (in_first.status, in_second.status) == (UploadStatus.UPLOADED, UploadStatus.FAILED)
    assert nowhere is None
    assert [[(u.thread_id, u.attachment_id) for u in uploads] for uploads in listed] == [
        [(100, 5)],
        [(200, 5)],
    ]


async def test_failed_upload_keeps_its_error_code(store):
    """The user is told why; the code stays with the upload."""
    await add_thread(store)
    async with store.transaction() as tx:
        await tx.uploads.record(
            attachment_id=5,
            thread_id=100,
            filename="a.wav",
            content_type=None,
            size_bytes=1,
            now=NOW,
        )
        await tx.uploads.record(
            attachment_id=6,
            thread_id=100,
            filename="b.wav",
            content_type=None,
            size_bytes=2,
            now=LATER,
        )
        assert await tx.uploads.set_status(
            100, 5, UploadStatus.REJECTED, now=LATER, error_code="magic"
        )
        uploads = await tx.uploads.list_for_thread(100)
        assert not await tx.uploads.set_status(100, 7, UploadStatus.FAILED, now=LATER)
    assert [(u.attachment_id, u.status, u.error_code) for u in uploads] == [
        (5, UploadStatus.REJECTED, "magic"),
        (6, UploadStatus.PENDING, None),
    ]


# -- chat turns ---------------------------------------------------------------------------------


async def test_a_message_becomes_a_chat_turn_only_once(store):
    """A Discord message id is sent to the backend at most once: the second record says 'seen'."""
    await add_thread(store)
    async with store.transaction() as tx:
        first = await tx.turns.record(message_id=42, thread_id=100, author_id=30, now=NOW)
    async with store.transaction() as tx:
        again = await tx.turns.record(message_id=42, thread_id=100, author_id=30, now=LATER)
    assert first.created
    assert again == Recorded(first.item, created=False)


async def test_a_message_seen_twice_in_one_unit_of_work(store):
    """The duplicate is reported without poisoning the transaction it happens in."""
    await add_thread(store)
    async with store.transaction() as tx:
        assert (await tx.turns.record(message_id=42, thread_id=100, author_id=30, now=NOW)).created
        again = await tx.turns.record(message_id=42, thread_id=100, author_id=30, now=NOW)
        assert not again.created
        assert await tx.turns.transition(
            42, ChatTurnStatus.QUEUED, ChatTurnStatus.STREAMING, now=NOW
        )
    async with store.transaction() as tx:
        assert (await tx.turns.get(42)).status is ChatTurnStatus.STREAMING


async def test_turn_transitions_are_compare_and_set(store):
    """Only the expected current status moves a turn on."""
    await add_thread(store)
    async with store.transaction() as tx:
        await tx.turns.record(message_id=42, thread_id=100, author_id=30, now=NOW)
        assert await tx.turns.transition(
            42, ChatTurnStatus.QUEUED, ChatTurnStatus.STREAMING, now=NOW
        )
        assert not await tx.turns.transition(
            42, ChatTurnStatus.QUEUED, ChatTurnStatus.STREAMING, now=NOW
        )
        assert await tx.turns.transition(
            42, ChatTurnStatus.STREAMING, ChatTurnStatus.DONE, now=LATER
        )
        assert not await tx.turns.transition(
            7, ChatTurnStatus.QUEUED, ChatTurnStatus.DONE, now=LATER
        )


#: Guild snowflakes on shards 0 and 1 of 2 (Discord: ``(guild_id >> 22) % shard_count``).
ON_SHARD_0, ON_SHARD_1 = (1_000_000_000_000 << 22) | 7, (1_000_000_000_001 << 22) | 7


async def test_in_flight_turns_are_interrupted_at_start_up(store):
    """Turns cut off by a restart are marked and returned (users are told); done ones stay."""
    await add_thread(store, thread_id=100, guild_id=ON_SHARD_0)
    await add_thread(store, thread_id=200, guild_id=ON_SHARD_1)
    async with store.transaction() as tx:
        for message_id, thread_id, status in [
            (1, 100, ChatTurnStatus.QUEUED),
            (2, 100, ChatTurnStatus.STREAMING),
            (3, 100, ChatTurnStatus.DONE),
            (4, 200, ChatTurnStatus.STREAMING),
        ]:
            await tx.turns.record(
                message_id=message_id, thread_id=thread_id, author_id=30, now=NOW, status=status
            )
    async with store.transaction() as tx:
        mine = await tx.turns.interrupt_in_flight(now=LATER, shard_ids=[0], shard_count=2)
    async with store.transaction() as tx:
        rest = await tx.turns.interrupt_in_flight(now=LATER)
        again = await tx.turns.interrupt_in_flight(now=LATER)
        done = await tx.turns.get(3)
    assert [(t.message_id, t.status) for t in mine] == [
        (1, ChatTurnStatus.INTERRUPTED),
        (2, ChatTurnStatus.INTERRUPTED),
    ]
    assert [t.message_id for t in rest] == [4]
    assert again == []
    assert done.status is ChatTurnStatus.DONE


# -- export jobs --------------------------------------------------------------------------------


async def test_export_job_is_created_once_per_render_id(store):
    """Retrying /export with the same client-chosen render id does not make a second job."""
    await add_thread(store)
    async with store.transaction() as tx:
        job = await tx.exports.create(render_id="render_1", thread_id=100, requester_id=30, now=NOW)
    async with store.transaction() as tx:
        again = await tx.exports.create(
            render_id="render_1", thread_id=100, requester_id=31, now=LATER
        )
    assert job.created and not again.created
    assert again.item == job.item
    assert (job.item.status, job.item.next_poll_at, job.item.attempts) == (
        ExportStatus.SUBMITTED,
        NOW,
        0,
    )


async def test_unfinished_jobs_are_loaded_in_poll_order(store):
    """Start-up rehydrates what still needs polling or posting, soonest first."""
    await add_thread(store)
    statuses = {
        "a": ExportStatus.PROCESSING,
        "b": ExportStatus.POSTED,
        "c": ExportStatus.SUBMITTED,
        "d": ExportStatus.FAILED,
        "e": ExportStatus.POSTING,
        "f": ExportStatus.CANCELLED,
        "g": ExportStatus.COMPLETED,
    }
    async with store.transaction() as tx:
        for offset, (render_id, status) in enumerate(statuses.items()):
            await tx.exports.create(
                render_id=render_id,
                thread_id=100,
                requester_id=30,
                now=NOW,
                status=status,
                next_poll_at=NOW - timedelta(seconds=offset),
            )
    async with store.transaction() as tx:
        unfinished = await tx.exports.load_unfinished()
        first_two = await tx.exports.load_unfinished(limit=2)
    assert [job.render_id for job in unfinished] == ["g", "e", "c", "a"]
    assert [job.render_id for job in first_two] == ["g", "e"]


async def test_export_update_sets_fields(store):
    """Progress, schedule and the status message are kept between polls."""
    await add_thread(store)
    async with store.transaction() as tx:
        await tx.exports.create(render_id="r", thread_id=100, requester_id=30, now=NOW)
        assert await tx.exports.update(
            "r", now=LATER, progress=50, attempts=3, next_poll_at=LATER, status_message_id=77
        )
        assert not await tx.exports.update("missing", now=LATER, progress=1)
        job = await tx.exports.get("r")
    assert (job.progress, job.attempts, job.next_poll_at, job.status_message_id) == (
        50,
        3,
        LATER,
        77,
    )
    assert job.updated_at == LATER


async def test_export_update_refuses_unknown_fields(store):
    """A typo in a field name fails loudly instead of being ignored."""
    async with store.transaction() as tx:
        with pytest.raises(TypeError, match="not an export-job field"):
            await tx.exports.update("r", now=NOW, progres=5)


def test_export_rows_are_read_with_every_column():
    """A job is unpacked from its row by position: the column list must be the whole table."""
    from bot.storage.repositories._rows import JOB, JOB_COLUMNS

    assert sorted(column.name for column in JOB_COLUMNS) == sorted(JOB.c.keys())

"""Engine factory and unit of work: pragmas, URL handling, commit and rollback."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from bot.core.models import NewThread
from bot.storage import create_engine, create_sessionmaker, db, normalize_url, unit_of_work
from bot.storage.repositories import ThreadRepository
from bot.storage.tables import UTCDateTime

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "driver", "database"),
    [
        ("sqlite:///data/beatthread.db", "sqlite+aiosqlite", "data/beatthread.db"),
        ("sqlite+aiosqlite:////abs/bt.db", "sqlite+aiosqlite", "/abs/bt.db"),
        ("postgres://u:p@db:5432/bt", "postgresql+asyncpg", "bt"),
        ("postgresql://u:p@db/bt", "postgresql+asyncpg", "bt"),
        ("postgresql+psycopg2://u:p@db/bt", "postgresql+asyncpg", "bt"),
        ("postgresql+asyncpg://u:p@db/bt", "postgresql+asyncpg", "bt"),
    ],
)
def test_urls_get_an_async_driver(given, driver, database):
    """Operators paste whatever URL their host gives them; we pick the asyncio driver."""
    url = normalize_url(given)
    assert (url.drivername, url.database) == (driver, database)


def test_other_databases_are_refused():
    """Only SQLite and PostgreSQL are tested, so only they are accepted."""
    with pytest.raises(ValueError, match="unsupported database"):
        normalize_url("mysql://u@h/db")


async def test_sqlite_pragmas_and_parent_directory(tmp_path):
    """A fresh SQLite path works out of the box: directory created, WAL, FKs, busy timeout."""
    path = tmp_path / "nested" / "dir" / "bt.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as connection:
            pragma = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    assert path.exists()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


async def test_unit_of_work_commits_on_success(sessionmaker):
    """What a use case wrote is there for the next unit of work."""
    async with unit_of_work(sessionmaker) as session:
        await ThreadRepository(session).add(
            NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4), now=NOW
        )
    async with unit_of_work(sessionmaker) as session:
        assert await ThreadRepository(session).get(1) is not None


async def test_unit_of_work_rolls_back_on_error(sessionmaker):
    """An exception leaves nothing half-written behind."""
    with pytest.raises(RuntimeError, match="boom"):
        async with unit_of_work(sessionmaker) as session:
            await ThreadRepository(session).add(
                NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4), now=NOW
            )
            raise RuntimeError("boom")
    async with unit_of_work(sessionmaker) as session:
        assert await ThreadRepository(session).get(1) is None


async def test_times_come_back_aware_and_utc(sessionmaker):
    """Whatever zone a time is given in, it is stored as the same instant and read as UTC."""
    plus_two = NOW.astimezone(timezone(timedelta(hours=2)))
    async with unit_of_work(sessionmaker) as session:
        await ThreadRepository(session).add(
            NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4), now=plus_two
        )
    async with unit_of_work(sessionmaker) as session:
        thread = await ThreadRepository(session).get(1)
    assert thread is not None
    assert thread.created_at == NOW
    assert thread.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    "moment",
    [
        NOW,
        NOW.replace(microsecond=5).astimezone(timezone(timedelta(hours=-7))),
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_sqlite_keeps_its_own_text_for_times(moment):
    """UTCDateTime's one-step SQLite conversion writes the dialect's own text and reads it back.

    Stored times are compared as text (due jobs, expired leases): a different spelling of the
    same instant would sort wrongly against rows written before.
    """
    dialect = sqlite.dialect()
    column = UTCDateTime()
    to_text = column.bind_processor(dialect)
    to_time = column.result_processor(dialect, None)
    assert to_text is not None and to_time is not None
    dialect_text = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert dialect_text is not None
    stored = to_text(moment)
    assert stored == dialect_text(moment.astimezone(UTC).replace(tzinfo=None))
    assert to_time(stored) == moment and to_time(stored).tzinfo is UTC
    assert to_time("2026-11-24 14:00:00+02:00") == NOW  # text that names its own offset
    assert to_text(None) is None and to_time(None) is None


async def test_naive_times_are_refused(sessionmaker):
    """A naive datetime is a bug (whose local time?), not something to guess about."""
    with pytest.raises(StatementError, match="naive datetime"):
        async with unit_of_work(sessionmaker) as session:
            await ThreadRepository(session).add(
                NewThread(thread_id=1, guild_id=2, parent_channel_id=3, owner_user_id=4),
                now=datetime(2026, 1, 1),  # noqa: DTZ001 -- the point of the test
            )


async def test_each_task_gets_its_own_session(migrated_database_url):
    """Two sessionmakers over two engines see each other's committed work (two processes)."""
    first, second = create_engine(migrated_database_url), create_engine(migrated_database_url)
    try:
        async with unit_of_work(create_sessionmaker(first)) as session:
            await ThreadRepository(session).add(
                NewThread(thread_id=7, guild_id=2, parent_channel_id=3, owner_user_id=4), now=NOW
            )
        async with unit_of_work(create_sessionmaker(second)) as session:
            assert (await session.execute(text("SELECT count(*) FROM track_thread"))).scalar() == 1
    finally:
        await first.dispose()
        await second.dispose()


async def test_units_of_work_wait_for_each_other_however_long_one_takes(
    migrated_database_url, monkeypatch
):
    """A writer holding its transaction past the busy timeout delays the others, never fails them.

    Under load a unit of work may hold its transaction for seconds (the event loop is late to
    resume it). Forty more writers than the pool holds then queue for it: none gives up, not on
    SQLite's busy timeout (shortened here to 50 ms) nor on the pool's own 30-s wait.
    """
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    engine = create_engine(migrated_database_url)
    sessionmaker = create_sessionmaker(engine)
    holding, writers = asyncio.Event(), 40

    async def add(thread_id: int) -> None:
        async with unit_of_work(sessionmaker) as session:
            await ThreadRepository(session).add(
                NewThread(thread_id=thread_id, guild_id=2, parent_channel_id=3, owner_user_id=4),
                now=NOW,
            )
            if thread_id == 0:
                holding.set()
                await asyncio.sleep(0.5)  # the slow holder: ten busy timeouts long

    try:
        slow = asyncio.create_task(add(0))
        await asyncio.wait_for(holding.wait(), 10)
        await asyncio.wait_for(asyncio.gather(slow, *(add(n) for n in range(1, writers + 1))), 60)
        async with unit_of_work(sessionmaker) as session:
            count = (await session.execute(text("SELECT count(*) FROM track_thread"))).scalar()
    finally:
        await engine.dispose()
    assert count == writers + 1


def _insert_behind_sqlalchemys_back(connection):
    cursor = connection.connection.cursor()
    cursor.execute(
        "INSERT INTO track_thread (thread_id, guild_id, parent_channel_id, owner_user_id, status,"
        " created_at, updated_at) VALUES (1, 2, 3, 4, 'active', '2026-01-01', '2026-01-01')"
    )
    cursor.close()


async def test_connection_returned_mid_transaction_is_rolled_back(engine):
    """The pool still resets a connection that comes back inside a transaction (e.g. cancelled)."""
    async with engine.connect() as connection:
        await connection.run_sync(_insert_behind_sqlalchemys_back)
    async with engine.connect() as connection:
        count = await connection.exec_driver_sql("SELECT count(*) FROM track_thread")
        assert count.scalar() == 0

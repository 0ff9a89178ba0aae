"""The backend identity survives a restart, and its token never shows."""

import logging
from datetime import UTC, datetime

from bot.core.models import BackendIdentity
from bot.storage import SqlIdentityStore, create_engine, create_sessionmaker
from bot.storage.tables import BackendIdentityRow

TOKEN = "nmv_usr_secret-token-value-123"
EXPIRES = datetime(2026, 12, 1, tzinfo=UTC)


async def test_identity_survives_a_restart(migrated_database_url):
    """A new engine (a new process) reads back the client id and token saved by the last one."""
    identity = BackendIdentity("client-1", TOKEN, EXPIRES, "anon_1")
    first = create_engine(migrated_database_url)
    try:
        await SqlIdentityStore(create_sessionmaker(first)).save_identity(identity)
    finally:
        await first.dispose()

    second = create_engine(migrated_database_url)
    try:
        assert await SqlIdentityStore(create_sessionmaker(second)).load_identity() == identity
    finally:
        await second.dispose()


async def test_nothing_stored_before_first_start(identity_store):
    """A fresh database has no identity: the backend client generates one."""
    assert await identity_store.load_identity() is None


async def test_saving_replaces_the_identity(identity_store):
    """A refreshed token (or a new client id after a 400) replaces the old one; one row only."""
    await identity_store.save_identity(BackendIdentity("client-1", "old-token"))
    await identity_store.save_identity(BackendIdentity("client-2", TOKEN, EXPIRES))
    assert await identity_store.load_identity() == BackendIdentity("client-2", TOKEN, EXPIRES)


async def test_token_never_logged_or_shown(migrated_database_url, caplog):
    """Even with SQL echo on, parameters are hidden; no repr shows the token."""
    caplog.set_level(logging.DEBUG)
    engine = create_engine(migrated_database_url, echo=True)
    try:
        store = SqlIdentityStore(create_sessionmaker(engine))
        await store.save_identity(BackendIdentity("client-1", TOKEN))
        loaded = await store.load_identity()
    finally:
        await engine.dispose()
    assert loaded is not None and loaded.token == TOKEN
    assert "INSERT INTO backend_identity" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(loaded) and TOKEN not in repr(store)
    row = BackendIdentityRow(id=1, client_id="client-1", token=TOKEN)
    assert TOKEN not in repr(row) and "client-1" in repr(row)

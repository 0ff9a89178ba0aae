"""Migrations: reversible, in step with the tables, and shipped inside the package."""

import asyncio
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.storage import create_engine, current_revision, downgrade, head_revision, upgrade
from bot.storage.migrate import MIGRATIONS_DIR
from bot.storage.tables import Base

TABLES = {
    "backend_identity",
    "track_thread",
    "upload",
    "chat_turn",
    "export_job",
    "bot_setting",
    "user_settings",
}
REPO_ROOT = Path(__file__).resolve().parents[2]


async def table_names(url):
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def schema_differences(url):
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_round_trip(database_url):
    """Every migration can be undone and redone: head → base → head leaves the same schema."""
    await upgrade(database_url)
    assert await table_names(database_url) >= TABLES
    assert await current_revision(database_url) == head_revision()

    await downgrade(database_url, "base")
    assert await table_names(database_url) <= {"alembic_version"}
    assert await current_revision(database_url) is None

    await upgrade(database_url)
    assert await table_names(database_url) >= TABLES
    assert await schema_differences(database_url) == []


async def test_tables_and_migrations_agree(migrated_database_url):
    """Autogenerate finds nothing to do: the tables in code are exactly what migrations build."""
    assert await schema_differences(migrated_database_url) == []


async def test_upgrade_twice_is_a_no_op(migrated_database_url):
    """Start-up migrates every time; an up-to-date database is left alone."""
    await upgrade(migrated_database_url)
    assert await current_revision(migrated_database_url) == head_revision()


async def test_processes_starting_together_all_migrate(database_url):
    """Several bot processes start at once; one migrates, the others wait and find it done."""
    await asyncio.gather(*(upgrade(database_url) for _ in range(3)))
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []


async def test_two_databases_can_migrate_at_once(database_url, tmp_path):
    """Alembic's globals are guarded: concurrent migrations of different databases both work."""
    other = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    await asyncio.gather(upgrade(database_url), upgrade(other), downgrade(other, "base"))
    assert await current_revision(database_url) == head_revision()


def test_migration_files_have_dated_names():
    """Scripts sort by date and say what they do: YYYY_MM_DD_NNNN_slug.py."""
    scripts = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    scripts.remove("__init__.py")
    assert scripts
    for name in scripts:
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+\.py", name), name


def test_the_bot_runs_the_scripts_at_the_repository_root():
    """One copy of the scripts: the package the bot imports is the top-level migrations/."""
    assert MIGRATIONS_DIR == REPO_ROOT / "migrations"
    for name in ("env.py", "script.py.mako", "versions"):
        assert (MIGRATIONS_DIR / name).exists(), name
    assert not (REPO_ROOT / "bot" / "storage" / "migrations").exists()


def test_alembic_upgrade_head_from_the_repository_root(tmp_path):
    """`alembic upgrade head` in a checkout migrates DATABASE_URL, as env.py resolves it."""
    database = tmp_path / "cli.db"
    alembic = str(Path(sys.executable).parent / "alembic")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    subprocess.run(
        [alembic, "upgrade", "head"], cwd=REPO_ROOT, env=env, check=True, capture_output=True
    )
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables >= TABLES
    current = subprocess.run(
        [alembic, "-x", f"url=sqlite:///{database}", "current"],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    )
    assert f"{head_revision()} (head)" in current.stdout

"""Alembic environment: async engine, batch mode (SQLite), URL handed in by the caller.

Two ways in:

* programmatic (:mod:`bot.storage.migrate`, start-up, tests): the caller opens the connection
  and passes it as ``config.attributes["connection"]``; this module only runs the scripts;
* the ``alembic`` command line (``alembic upgrade head`` from the repository root): the URL
  comes from ``-x url=…``, else ``DATABASE_URL``, else the bot's settings (SQLite under
  ``DATA_DIR``).
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from bot.storage.db import create_engine
from bot.storage.tables import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.attributes.get("url")
    if url:
        return str(url)
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from bot.config import Settings  # only the command line needs settings

    return Settings().resolved_database_url()


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UTC type as the plain column type, so scripts stay free of app imports."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
        **options,
    )


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    """Run the migrations on an open connection (inside ``AsyncConnection.run_sync``)."""
    # Our SQLite migration engine issues an explicit BEGIN, so DDL is transactional there too.
    _configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url(), transactional_ddl=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_online() -> None:
    """Run on the caller's connection, or open one (command line)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    asyncio.run(_run_async())


if context.is_offline_mode():
    run_offline()
else:
    run_online()

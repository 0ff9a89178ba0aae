"""bot/core is pure: its modules import no I/O library and no adapter package."""

import ast
from pathlib import Path

import pytest

import bot.core

CORE = Path(bot.core.__file__).parent

# Import roots that do I/O (network, database, processes) or belong to an adapter layer.
FORBIDDEN = (
    "discord",
    "httpx",
    "httpx_sse",
    "sqlalchemy",
    "aiohttp",
    "aiosqlite",
    "asyncpg",
    "alembic",
    "requests",
    "socket",
    "ssl",
    "selectors",
    "subprocess",
    "asyncio.subprocess",
    "http.client",
    "urllib.request",
    "bot.backend",
    "bot.storage",
    "bot.local_backend",
    "bot.discord_app",
    "bot.console",
    "bot.services",
)


def imported_names(source: str, module: str) -> list[tuple[int, str]]:
    """Every module name an import statement in ``source`` can bind, with its line.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a submodule); relative
    imports are resolved against ``module`` (a dotted name like ``bot.core.timeline``).
    """
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level]
                base = ".".join([*package, base] if base else package)
            names.append((node.lineno, base))
            names += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return names


def is_forbidden(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in FORBIDDEN)


def violations(source: str, module: str) -> list[str]:
    return [
        f"line {line}: {name}"
        for line, name in imported_names(source, module)
        if is_forbidden(name)
    ]


CORE_MODULES = sorted(CORE.rglob("*.py"))


def test_core_has_modules() -> None:
    """The check below is not vacuous."""
    assert len(CORE_MODULES) >= 8


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda path: path.name)
def test_core_module_imports_no_io(path: Path) -> None:
    """Core logic stays testable without sockets, databases or Discord (architecture rule 1)."""
    module = "bot.core." + ".".join(path.relative_to(CORE).with_suffix("").parts)
    found = violations(path.read_text(encoding="utf-8"), module)
    assert not found, f"{path.relative_to(CORE.parent.parent)} imports I/O: {found}"


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import discord", True),
        ("import discord.ext.commands", True),
        ("from httpx import AsyncClient", True),
        ("import httpx_sse", True),
        ("from sqlalchemy.ext.asyncio import AsyncSession", True),
        ("import aiohttp.web", True),
        ("from asyncio import subprocess", True),
        ("import asyncio.subprocess", True),
        ("from urllib import request", True),
        ("import urllib.request", True),
        ("from ..backend import client", True),
        ("from .. import storage", True),
        ("from bot.storage.repositories import Repo", True),
        ("from bot import discord_app", True),
        ("if TYPE_CHECKING:\n    import socket", True),
        ("def f():\n    import requests", True),
        ("import asyncio", False),
        ("from urllib.parse import urlsplit", False),
        ("from bot.core.models import ThreadRef", False),
        ("from . import texts", False),
        ("import json, re, unicodedata", False),
        ("import discordant", False),
    ],
)
def test_checker(source: str, bad: bool) -> None:
    """The import checker itself catches every form of import, and only forbidden ones."""
    assert bool(violations(source, "bot.core.example")) is bad

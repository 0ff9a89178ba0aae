"""Shared fixtures: real servers on loopback sockets, real databases; nothing of ours mocked."""

import pytest

from bot.observability import install_redaction

pytest_plugins = [
    "tests.discord_emulator.plugin",
    "tests.plugins.database",
    "tests.plugins.local_backend",
]


def pytest_configure(config: pytest.Config) -> None:
    """Redact log records as the running bot does (``setup_logging`` installs the same)."""
    install_redaction()

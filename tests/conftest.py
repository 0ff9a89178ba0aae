"""Shared fixtures: real servers on loopback sockets, real databases; nothing of ours mocked."""

pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.local_backend",
]

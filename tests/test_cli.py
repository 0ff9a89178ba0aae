"""The ``beatthread`` command as an operator runs it: a real subprocess."""

from __future__ import annotations

import subprocess
import sys

import httpx


def test_local_backend_command_prints_url_and_serves_credits():
    """`beatthread local-backend` prints its URL first and answers with an anonymous token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "local-backend", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        headers = {"X-Skill-Source": "t", "X-Skill-Version": "0", "X-Skill-Platform": "cli"}
        token = httpx.post(
            f"{url}/api/auth/anonymous-token", headers={**headers, "X-Client-Id": "cli-test"}
        ).json()["data"]["token"]
        reply = httpx.get(
            f"{url}/api/credits/balance/simple",
            headers={**headers, "Authorization": f"Bearer {token}"},
        ).json()
        assert reply["code"] == 0
        assert reply["data"]["available"] == 100
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_unknown_command_is_a_usage_error():
    """A typo gets argparse's usage message and exit code 2, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "no-such-command"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "usage: beatthread" in result.stderr


def test_migrate_command_creates_the_schema(tmp_path):
    """`beatthread migrate` applies migrations to DATABASE_URL; `--downgrade base` undoes them."""
    import sqlite3

    database = tmp_path / "cli.db"
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PATH": "/usr/bin:/bin"}
    up = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert up.returncode == 0, up.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" in tables and len(tables) > 3
    down = subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--downgrade", "base"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert down.returncode == 0, down.stderr
    with sqlite3.connect(database) as connection:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert tables <= {"alembic_version"}


def test_invalid_settings_are_one_line_naming_the_variable_never_its_value(tmp_path):
    """A bad value is exit code 2 and one line that says which variable; no traceback, no value."""
    env = {
        "PATH": "/usr/bin:/bin",
        "MAX_EXPORTS_PER_USER": "lots-secretvalue",
        "SHARD_COUNT": "2",
        "SHARD_IDS": "5",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("beatthread: invalid configuration: MAX_EXPORTS_PER_USER: ")
    assert "secretvalue" not in done.stderr

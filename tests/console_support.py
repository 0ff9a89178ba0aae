"""Driving a ``beatthread`` terminal command as a subprocess: send lines, expect lines."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

#: How long one expected line may take (a render, a turn): generous, never a fixed wait.
LINE_TIMEOUT = 20.0
REPO = Path(__file__).resolve().parent.parent


class ConsoleProcess:
    """A running ``beatthread console``; :meth:`expect` reads lines until one matches."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.transcript: list[str] = []

    @classmethod
    async def start(cls, *args: str, env: dict[str, str], cwd: Path = REPO) -> ConsoleProcess:
        """Run ``python -m bot ARGS`` with pipes for stdin and stdout (stderr is inherited)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def exit_code(self) -> int:
        """Wait for the process to end on its own."""
        return await asyncio.wait_for(self.process.wait(), LINE_TIMEOUT)

    async def stop(self) -> None:
        """Kill the process if it is still running (test clean-up)."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def close_input(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.stdin.wait_closed()

    async def expect(self, pattern: str, within: float = LINE_TIMEOUT) -> re.Match[str]:
        """The first new line matching ``pattern`` (a regex); fails with the transcript."""
        assert self.process.stdout is not None
        compiled = re.compile(pattern)
        try:
            async with asyncio.timeout(within):
                while True:
                    raw = await self.process.stdout.readline()
                    if not raw:
                        raise AssertionError(f"console ended before {pattern!r}")
                    line = raw.decode().rstrip("\n")
                    self.transcript.append(line)
                    if match := compiled.search(line):
                        return match
        except (TimeoutError, AssertionError) as failure:
            shown = "\n".join(self.transcript)
            raise AssertionError(f"expected {pattern!r}; console said:\n{shown}") from failure


def console_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "DATABASE_"))}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        NEMO_WEB_URL="https://nemovideo.example",
        PYTHONIOENCODING="utf-8",
    )
    return env

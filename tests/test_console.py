# ruff: noqa: RUF001 - the Chinese conversation is matched with its full-width punctuation.
"""``beatthread console``: a whole session as a subprocess, and every fault through the console.

The end-to-end test runs the real command (``python -m bot console``) against a local backend
on a loopback port and drives it through stdin, reading stdout line by line until the
expected line appears (never a sleep). The fault tests run the same console code in-process
(``run_console`` with a line queue and a transcript) so the contract's waits can be shortened;
each fault must give a clear message, crash nothing, and send no chat message twice.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import httpx
import pytest

from bot.console import run_console
from bot.core.ports import Notifier
from bot.core.usecases import UseCases
from bot.core.usecases.exports import ExportJobs
from bot.jobs import ExportPoller, PollerSettings
from bot.local_backend import Fault
from tests.backend.media import is_mp4, write_tone
from tests.console_support import LINE_TIMEOUT, ConsoleProcess, console_env
from tests.core.usecases_support import FAST, mp4_duration, total_turns
from tests.jobs.support import TINY

pytestmark = pytest.mark.timeout(60)


# -- the subprocess ------------------------------------------------------------------------


async def start_console(tmp_path: Path, api_url: str, *extra: str) -> ConsoleProcess:
    database = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    return await ConsoleProcess.start(
        "console",
        "--api-url",
        api_url,
        "--database-url",
        database,
        *extra,
        env=console_env(tmp_path),
    )


async def test_whole_session_through_stdin(local_backend, tmp_path):
    """Upload, chat, a silent edit with its diff, status, credits, export → a playable MP4."""
    track = write_tone(tmp_path / "my track.wav", seconds=3.0)
    console = await start_console(
        tmp_path, local_backend.url, "--burst-window", "0.05", "--first-poll", "0.2"
    )
    try:
        await console.expect(r"Beatthread console")
        await console.send(f"/upload {track}")
        await console.expect(r"Got your track \*\*my track\.wav\*\*")

        await console.send("sync visuals to the beat")
        await console.expect(r"synced \d+ visual cuts to the beat")

        local_backend.config.silent_turns = "always"
        await console.send('add a title "Neon Nights"')
        await console.expect(r"^What changed:")
        await console.expect(r"Neon Nights")
        local_backend.config.silent_turns = "auto"

        await console.send("/status")
        await console.expect(r"^Timeline \(3 tracks\):")
        await console.expect(r'Title: "Neon Nights"')

        await console.send("/credits")
        await console.expect(r"Credits: \d+ available")

        await console.send("export")
        await console.expect(r"Rendering your video")
        await console.close_input()
        ready = await console.expect(r"Your video is ready: (\S+)")
        await console.expect(r"Open the project: https://nemovideo\.example/workspace/claim")
        assert await console.exit_code() == 0
    finally:
        await console.stop()

    assert total_turns(local_backend) == 2  # two chat lines, each sent once
    async with httpx.AsyncClient() as http:
        video = (await http.get(ready.group(1))).content
    assert is_mp4(video[:12])
    (tmp_path / "out.mp4").write_bytes(video)
    assert 2.5 <= mp4_duration(tmp_path / "out.mp4") <= 3.5


# -- faults, in-process ----------------------------------------------------------------------


class Transcript(io.StringIO):
    """The console's stdout: remembers everything and wakes whoever waits for a line."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()
        self.seen = 0  # how far expect() has read

    def write(self, text: str) -> int:
        written = super().write(text)
        self.changed.set()
        return written

    async def expect(self, pattern: str, within: float = LINE_TIMEOUT) -> re.Match[str]:
        """The first match of ``pattern`` in a complete line printed since the last match."""
        compiled = re.compile(pattern, re.MULTILINE)
        try:
            async with asyncio.timeout(within):
                while True:
                    text = self.getvalue()
                    complete = text[: text.rfind("\n") + 1]
                    if match := compiled.search(complete, self.seen):
                        self.seen = match.end()
                        return match
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"expected {pattern!r}; console said:\n{self.getvalue()}"
            ) from None


class InProcessConsole:
    """``run_console`` on a task, fed line by line."""

    def __init__(self, use_cases: UseCases, language: str | None = "en") -> None:
        self.out = Transcript()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        deps = use_cases.deps

        def poller(notifier: Notifier) -> ExportPoller:
            return ExportPoller(
                exports=ExportJobs(deps),
                notifier=notifier,
                owner_id="console-test",
                schedule=TINY,
                settings=PollerSettings(scan_every=0.05, coalesce=0.005),
            )

        self.task = asyncio.create_task(
            run_console(use_cases, poller, self._read(), self.out, language=language)
        )

    async def _read(self):
        while (line := await self._lines.get()) is not None:
            yield line

    def send(self, line: str) -> None:
        self._lines.put_nowait(line)

    async def finish(self) -> int:
        self._lines.put_nowait(None)
        return await asyncio.wait_for(self.task, LINE_TIMEOUT)


@pytest.fixture
def database_backend() -> str:
    """The console's faults run on its default database (SQLite) only."""
    return "sqlite"


@pytest.fixture
async def console(nemo, store, tmp_path):
    """A console with a track on its timeline, over the local backend."""
    running = InProcessConsole(UseCases(nemo, store, timings=FAST))
    running.send(f"/upload {write_tone(tmp_path / 'beat.wav')}")
    await running.out.expect(r"Got your track")
    yield running
    if not running.task.done():
        assert await running.finish() == 0


async def test_expired_token_mid_session(console, local_backend):
    """1001: a new token is fetched and the turn goes through, once."""
    local_backend.expire_tokens()
    console.send("sync visuals to the beat")
    await console.out.expect(r"synced")
    assert total_turns(local_backend) == 1


async def test_lost_session(console, local_backend):
    """1002: the user is told the timeline is gone; the track is re-uploaded; sent once."""
    (session_id,) = local_backend.sessions
    local_backend.drop_session(session_id)
    console.send("sync visuals to the beat")
    await console.out.expect(r"old timeline is gone\. I started a fresh one and re-uploaded")
    await console.out.expect(r"synced")
    assert total_turns(local_backend) == 1
    assert await console.finish() == 0


async def test_out_of_credits(console, local_backend):
    """2001: the register link for the anonymous account."""
    local_backend.set_credits(0)
    console.send("generate a clip of rain")
    await console.out.expect(r"out of credits\. Register .*register\?bind=anon_")
    assert total_turns(local_backend) == 1


async def test_rate_limited(console, local_backend):
    """429 twice: a clear message, the message never processed; the next one works."""
    local_backend.inject(Fault(route="run_sse", http_status=429, times=2))
    console.send("hello")
    await console.out.expect(r"rate limit")
    assert total_turns(local_backend) == 0
    console.send("/credits")
    await console.out.expect(r"Credits: \d+ available")


async def test_dropped_stream(console, local_backend):
    """A cut stream: never re-sent; the state check finds the edit and says what changed."""
    local_backend.inject(Fault(route="run_sse", drop_after_events=1))
    console.send('add a title "Dropped Beat"')
    await console.out.expect(r"connection dropped mid-reply")
    await console.out.expect(r"went through after all")
    await console.out.expect(r"Dropped Beat")
    assert total_turns(local_backend) == 1


async def test_upload_server_error(console, local_backend, tmp_path):
    """A 5xx on upload: the file is named and the user asked to retry; retrying works."""
    second = write_tone(tmp_path / "second.wav")
    local_backend.inject(Fault(route="upload", http_status=500))
    console.send(f"/upload {second}")
    await console.out.expect(r"Uploading \*\*second\.wav\*\* failed\. Please try again")
    console.send(f"/upload {second}")
    await console.out.expect(r"Added \*\*second\.wav\*\* \(audio\)")
    assert await console.finish() == 0


@pytest.mark.parametrize("language", ["zh-CN", None])
async def test_chinese_conversation(nemo, store, local_backend, language):
    """--language zh-CN, or none and a first message in 中文: Chinese texts, a zh-CN session."""
    running = InProcessConsole(UseCases(nemo, store, timings=FAST), language=language)
    if language is not None:
        await running.out.expect(r"Beatthread 终端")
    running.send("积分还剩多少")
    await running.out.expect(r"积分：可用 100")
    running.send("/status")
    await running.out.expect(r"时间线（0 条轨道）")
    assert await running.finish() == 0
    assert [s.language for s in local_backend.sessions.values()] == ["zh-CN"]


async def test_without_a_language_an_english_first_message_stays_english(
    nemo, store, local_backend
):
    """No --language and Latin letters first: English, and an en session."""
    running = InProcessConsole(UseCases(nemo, store, timings=FAST), language=None)
    running.send("how many credits do I have")
    await running.out.expect(r"Credits: 100 available")
    assert await running.finish() == 0
    assert [s.language for s in local_backend.sessions.values()] == ["en"]

"""The one check of a file and the one read of it: check_file, CheckedFile, and who closes it.

The file sources here are a front end's (bytes in memory, served in small chunks) that count
how often they were opened and closed; the backend and the store are the real ones.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.backend_results import UploadSource
from bot.core.intents import Intent, IntentKind
from bot.core.media import HEADER_BYTES, Rejection
from bot.core.replies import ErrorReply, Notice, NoticeKind, ReplyText
from bot.core.usecases import Attachment, IncomingMessage
from bot.core.usecases.uploads import CheckedFile, check_file
from bot.local_backend import Fault
from tests.backend.media import write_tone
from tests.core.usecases_support import FAST, collect, of_type

pytestmark = pytest.mark.timeout(30)

_ids = itertools.count(50_000)
LIMIT = FAST.max_upload_bytes


class CountedFile:
    """Bytes as an upload source, ``chunk`` bytes at a time, counting opens and closes."""

    def __init__(self, name: str, data: bytes, *, chunk: int = 1000) -> None:
        self.data = data
        self.opened = 0
        self.closed = 0
        self._chunk = chunk
        self._name = name

    def attachment(self) -> Attachment:
        source = UploadSource(self._name, self._open, len(self.data))
        return Attachment(next(_ids), source, len(self.data))

    async def _open(self) -> AsyncIterator[bytes]:
        self.opened += 1
        try:
            for at in range(0, len(self.data), self._chunk):
                yield self.data[at : at + self._chunk]
        finally:
            self.closed += 1


async def read_all(source: UploadSource) -> bytes:
    return b"".join([chunk async for chunk in source.open()])


def wav(tmp_path: Path) -> bytes:
    return write_tone(tmp_path / "tone.wav", seconds=0.5).read_bytes()


@pytest.mark.parametrize("chunk", [7, HEADER_BYTES, 1000])
async def test_a_checked_file_goes_on_with_the_stream_it_was_checked_from(tmp_path, chunk):
    """The first open replays the sniffed bytes and continues; only a later open reads anew."""
    file = CountedFile("tone.wav", wav(tmp_path), chunk=chunk)
    checked = await check_file(file.attachment(), max_bytes=LIMIT)
    assert isinstance(checked, CheckedFile)
    assert (file.opened, file.closed) == (1, 0)
    assert await read_all(checked.source) == file.data
    assert (file.opened, file.closed) == (1, 1)
    assert await read_all(checked.source) == file.data  # a retry: a fresh stream
    assert file.opened == 2
    await checked.aclose()
    await checked.aclose()  # any number of times


async def test_refusals_by_name_or_size_open_nothing_and_by_bytes_close_what_they_opened():
    """Type and size come from metadata; a spoofed file is opened once and closed again."""
    for name, data, reason in [
        ("notes.txt", b"la la", Rejection.UNSUPPORTED_TYPE),
        ("big.wav", bytes(LIMIT + 1), Rejection.TOO_LARGE),
        ("song.wav", b"", Rejection.EMPTY),
    ]:
        file = CountedFile(name, data)
        verdict = await check_file(file.attachment(), max_bytes=LIMIT)
        assert not isinstance(verdict, CheckedFile) and verdict.reason is reason
        assert file.opened == 0
    spoofed = CountedFile("song.mp3", b"\x89PNG\r\n\x1a\n" + bytes(5000))
    verdict = await check_file(spoofed.attachment(), max_bytes=LIMIT)
    assert not isinstance(verdict, CheckedFile) and verdict.reason is Rejection.SPOOFED
    assert (spoofed.opened, spoofed.closed) == (1, 1)


async def test_a_checked_file_nobody_read_on_is_closed_by_aclose(tmp_path):
    """The stream held for the upload ends when the holder closes it."""
    file = CountedFile("tone.wav", wav(tmp_path))
    checked = await check_file(file.attachment(), max_bytes=LIMIT)
    assert isinstance(checked, CheckedFile)
    await checked.aclose()
    assert (file.opened, file.closed) == (1, 1)
    assert await read_all(checked.source) == file.data  # closed: an open starts afresh


async def test_an_upload_reads_its_file_once_from_check_to_backend(
    use_cases, conversation, local_backend, tmp_path
):
    """Without a URL the file is streamed: the check's stream is the upload's, opened once."""
    file = CountedFile("tone.wav", wav(tmp_path))
    events = await collect(use_cases.upload(conversation, file.attachment()))
    assert [n.kind for n in of_type(events, Notice)] == [NoticeKind.READY]
    assert (file.opened, file.closed) == (1, 1)
    (session,) = [s for s in local_backend.sessions.values() if s.media]
    assert session.media[0].path.read_bytes() == file.data


async def test_a_checked_file_is_not_checked_again_and_is_closed_after_a_failed_send(
    use_cases, conversation, local_backend, tmp_path
):
    """The front end's verdict stands (no second open); a send that fails still closes it."""
    local_backend.inject(Fault(route="upload", http_status=502))
    file = CountedFile("tone.wav", wav(tmp_path))
    checked = await check_file(file.attachment(), max_bytes=LIMIT)
    assert isinstance(checked, CheckedFile)
    events = await collect(use_cases.upload(conversation, checked))
    (error,) = of_type(events, ErrorReply)
    assert "try again" in error.text
    assert (file.opened, file.closed) == (1, 1)


async def test_the_runner_closes_files_it_drops_or_never_reaches(use_cases, conversation, tmp_path):
    """A duplicate message's file and a file still queued at shutdown are closed by the runner."""
    upload = Intent(IntentKind.UPLOAD, "")
    events: list[object] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def sink(event: object) -> None:
        events.append(event)
        if isinstance(event, ReplyText) and not started.is_set():
            started.set()
            await release.wait()

    runner = use_cases.runner(conversation, sink)
    first = IncomingMessage(next(_ids), 7, Intent(IntentKind.CHAT, "make it moody"))
    await runner.submit(first)
    await asyncio.wait_for(started.wait(), 5)
    queued_file = CountedFile("tone.wav", wav(tmp_path))
    queued = await check_file(queued_file.attachment(), max_bytes=LIMIT)
    assert isinstance(queued, CheckedFile)
    await runner.submit(IncomingMessage(next(_ids), 7, upload, (queued,)))
    again_file = CountedFile("tone.wav", wav(tmp_path))
    again = await check_file(again_file.attachment(), max_bytes=LIMIT)
    assert isinstance(again, CheckedFile)
    assert not await runner.submit(IncomingMessage(first.message_id, 7, upload, (again,)))
    assert again_file.closed == 1
    await runner.close()
    assert (queued_file.opened, queued_file.closed) == (1, 1)

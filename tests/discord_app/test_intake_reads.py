"""An attachment's way in: checked once, read from the CDN once, refused before any read if it can.

The emulator's CDN keeps every request it received. The bot's HTTP client is httpx; the local
backend fetches a URL upload with aiohttp, so the two are told apart by ``User-Agent``.
"""

from __future__ import annotations

import random
from dataclasses import replace

from bot.local_backend import Fault
from tests.discord_app.stage import FAST_TIMINGS, WAIT, Stage, mp3_bytes
from tests.discord_emulator import Message
from tests.discord_emulator.cdn import CdnRequest


def bot_reads(stage: Stage) -> list[CdnRequest]:
    """The CDN requests the bot made."""
    return [
        r
        for r in stage.emulator.cdn.requests
        if r.headers.get("User-Agent", "").startswith("python-httpx/")
    ]


def patterned_mp3(size: int) -> bytes:
    """An MP3 by its magic bytes whose every byte after the tag is known (seeded noise)."""
    noise = random.Random(14).randbytes(size - 10)
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + noise


async def refusal_of(stage: Stage, posted: Message) -> str:
    """The bot's reply under a post in ``#tracks``."""
    reply = await stage.emulator.wait_for_message(
        stage.tracks,
        lambda m: (
            m.message_reference is not None and int(m.message_reference["message_id"]) == posted.id
        ),
        timeout=WAIT,
    )
    return reply.content


async def test_a_posted_track_is_read_from_the_cdn_once(stage):
    """One GET of the whole file (no ranged pre-read); the backend fetches the URL itself."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    (read,) = bot_reads(stage)
    assert "Range" not in read.headers
    assert len(stage.emulator.cdn.requests) == 2  # the bot's sniff, the backend's URL fetch


async def test_when_the_url_upload_fails_the_sniffed_stream_goes_on_to_the_backend(stage):
    """The streamed fallback continues the GET the check read: one request, the bytes intact."""
    data = patterned_mp3(3 * 1024 * 1024 + 17)  # many network chunks, an odd tail
    stage.backend.inject(Fault(route="upload", http_status=502))
    _, thread = await stage.drop_track(name="Long Take.mp3", data=data)
    await stage.ready_in(thread)
    assert len(stage.emulator.cdn.requests) == 1
    (session,) = stage.backend.sessions.values()
    (stored,) = session.media
    assert stored.path.read_bytes() == data


async def test_a_spoofed_track_is_refused_after_one_request(stage):
    """A PNG named .mp3 costs one CDN request (its first bytes), then the refusal."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    posted = await stage.mia.post(stage.tracks, "", files=[("song.mp3", png)])
    assert "doesn't look like a real MP3 file" in await refusal_of(stage, posted)
    assert len(stage.emulator.cdn.requests) == 1
    assert stage.backend.sessions == {}


async def test_oversize_and_unsupported_tracks_are_refused_without_a_request(make_stage):
    """Name and declared size decide first: a too-large WAV and a .txt are never fetched."""
    stage = await make_stage(upload_limit=64 * 1024 * 1024)
    await stage.start_bot(timings=replace(FAST_TIMINGS, max_upload_bytes=1024 * 1024))
    big = stage.emulator.make_file("Long Mix.wav", 2 * 1024 * 1024, header=b"RIFF")
    posted = await stage.mia.post(stage.tracks, "", files=[("Long Mix.wav", big)])
    assert "too large" in await refusal_of(stage, posted)
    posted = await stage.mia.post(stage.tracks, "", files=[("notes.txt", b"la la")])
    assert ".txt files aren't supported" in await refusal_of(stage, posted)
    assert stage.emulator.cdn.requests == []


async def test_files_posted_in_a_thread_are_read_once_and_a_spoofed_one_refused(stage):
    """In a track thread the upload's check reads the same way: one request per file."""
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    before = len(bot_reads(stage))
    await stage.mia.post(thread, "", files=[("Second Song.mp3", mp3_bytes())])
    await stage.emulator.wait_for_message(
        thread, lambda m: "Added **Second Song.mp3**" in m.content, timeout=WAIT
    )
    assert len(bot_reads(stage)) == before + 1
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    await stage.mia.post(thread, "", files=[("fake.mp3", png)])
    await stage.emulator.wait_for_message(
        thread, lambda m: "doesn't look like a real MP3 file" in m.content, timeout=WAIT
    )
    assert len(bot_reads(stage)) == before + 2
    session = next(iter(stage.backend.sessions.values()))
    assert [m.filename for m in session.media] == ["Urban Dreams.mp3", "Second Song.mp3"]

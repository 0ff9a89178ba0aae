"""The streaming multipart reader: every split of the body gives the same parts back."""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest
from aiohttp import StreamReader

from bot.local_backend.multipart import MalformedMultipartError, MultipartStream

BOUNDARY = "XyZ-boundary"


class _Protocol:
    """The two flow-control calls StreamReader makes on its protocol; nothing to pause here."""

    _reading_paused = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass


def _body(parts: list[tuple[str, str | None, bytes]], *, preamble: bytes = b"") -> bytes:
    out = preamble
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def _read(body: bytes, cuts: list[int]) -> list[tuple[str | None, str | None, bytes]]:
    reader = StreamReader(_Protocol(), 2**30, loop=asyncio.get_running_loop())  # type: ignore[arg-type]
    edges = [0, *sorted(set(cuts)), len(body)]
    for start, end in itertools.pairwise(edges):
        if end > start:
            reader.feed_data(body[start:end])
    reader.feed_eof()
    stream = MultipartStream(reader, BOUNDARY)
    parts = []
    while (part := await stream.next_part()) is not None:
        if part.name == "skip":
            continue  # unread parts are skipped by next_part()
        data = b"".join([bytes(piece) async for piece in stream.iter_body()])
        parts.append((part.name, part.filename, data))
    return parts


# data that looks like the delimiter, in part or in full (without the leading CRLF)
TRICKY = b"a\r\n--XyZ-bound\r\n--XyZ-boundar\r\n-\r\n--" + b"z" * 40 + b"\r\n--XyZ"

PARTS = [
    ("files", "a.mp3", TRICKY),
    ("skip", None, b"ignored" * 10),
    ("files", "empty.wav", b""),
    ("files", "big.mp4", bytes(range(256)) * 50),
]
EXPECTED = [(n, f, d) for n, f, d in PARTS if n != "skip"]


async def test_single_chunk() -> None:
    assert await _read(_body(PARTS, preamble=b"preamble\r\n"), []) == EXPECTED


async def test_every_two_way_split() -> None:
    """A cut at any byte (delimiter halves included) changes nothing."""
    body = _body(PARTS[:3])
    expected = [p for p in EXPECTED if p[1] != "big.mp4"]
    for cut in range(1, len(body)):
        assert await _read(body, [cut]) == expected, cut


@pytest.mark.parametrize("seed", range(20))
async def test_random_splits(seed: int) -> None:
    rng = random.Random(seed)
    body = _body(PARTS)
    max_piece = rng.choice([1, 3, 17, 64, 500])
    cuts, position = [], 0
    while position < len(body):
        position += rng.randint(1, max_piece)
        cuts.append(position)
    assert await _read(body, cuts) == EXPECTED


async def test_utf8_and_rfc5987_filenames() -> None:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f"filename*=UTF-8''%E6%AD%8C.mp3\r\n\r\nx\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="héllo.wav"\r\n\r\ny\r\n--{BOUNDARY}--\r\n'
    ).encode()
    parts = await _read(body, [])
    assert [(f, d) for _, f, d in parts] == [("歌.mp3", b"x"), ("héllo.wav", b"y")]


@pytest.mark.parametrize(
    "body",
    [
        _body(PARTS)[:-30],  # ends inside a part
        b"--" + BOUNDARY.encode() + b"\r\nNo-Colon\r\n\r\nx\r\n--" + BOUNDARY.encode() + b"--",
        b"--" + BOUNDARY.encode() + b"\r\nContent-Disposition: attachment\r\n\r\nx",
        b"no delimiter at all",
    ],
)
async def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedMultipartError):
        await _read(body, [])

# ruff: noqa: RUF001 - look-alike characters are what some of these inputs are made of.
"""Seeded fuzz cases as plain data: the same seed always gives the same cases.

A :class:`Case` is one thing a user does (post a file or a text, run a slash command) and,
for the backend cases, the raw answer the backend gives the request it causes. What users can
mention is not known before the emulator runs, so texts, file names and raw bodies carry
placeholders (:data:`USER`, :data:`BOT`, …) that the campaign replaces with real ids.

Kinds of case (weights in :data:`KINDS`):

* ``file``: an attachment with a fuzzed name, declared size and type, and content (spoofed
  magic bytes, zero bytes, sizes that lie), posted in a watched channel, in a track thread, or
  given to ``/track``;
* ``text``: a message in a track thread: mentions, ``@everyone``/``@here``, zalgo, RTL
  controls, 2,000-character walls, code fences, 中文, emoji, and the words that route to
  credits, status, upload and export;
* ``command``: ``/credits``, ``/status``, ``/export`` or ``/help`` in a track thread;
* ``sse``: a chat message whose ``/run_sse`` answer is a fuzzed event stream (malformed JSON,
  wrong types, huge events, binary bytes, odd framing, a stream that closes without text);
* ``render``: an export whose render status bodies (and sometimes the submit answer) are
  fuzzed (wrong types, unknown statuses, missing fields, negative or huge progress).

"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from bot.core.streaming import DISCORD_MESSAGE_LIMIT

USER: Final = "⟦user⟧"
"""Placeholder: the id of another person in the guild."""
BOT: Final = "⟦bot⟧"
"""Placeholder: the bot's user id."""
ROLE: Final = "⟦role⟧"
"""Placeholder: the guild id, which is also the id of its @everyone role."""
CHANNEL: Final = "⟦channel⟧"
"""Placeholder: a watched channel's id."""
PLACEHOLDERS: Final = (USER, BOT, ROLE, CHANNEL)

CaseKind = Literal["file", "text", "command", "sse", "render"]
Place = Literal["channel", "thread", "slash"]

KINDS: Final[tuple[tuple[CaseKind, int], ...]] = (
    ("file", 30),
    ("text", 28),
    ("command", 6),
    ("sse", 24),
    ("render", 12),
)


CLOSED_PORT_URL: Final = "http://127.0.0.1:9/render.mp4"
"""A video URL nobody serves (the discard port): downloading it fails at once."""

MAX_CONTENT: Final = DISCORD_MESSAGE_LIMIT
"""Users cannot send more than the bot can."""


@dataclass(frozen=True)
class FuzzFile:
    """An attachment as its client declares it (placeholders allowed in ``filename``)."""

    filename: str
    content: bytes
    size: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class RawAnswer:
    """The backend answers the next ``times`` requests to ``route`` with these ``pieces``."""

    route: str
    pieces: tuple[bytes, ...]
    times: int = 1


@dataclass(frozen=True)
class Case:
    """One fuzz input: who does what where, and what the backend answers it with."""

    number: int
    kind: CaseKind
    place: Place
    label: str
    author: int
    text: str = ""
    file: FuzzFile | None = None
    command: str | None = None
    answers: tuple[RawAnswer, ...] = ()


def generate(seed: int, count: int) -> list[Case]:
    """``count`` cases from ``seed``; the same arguments always give the same list."""
    rng = random.Random(seed)
    makers: dict[CaseKind, Callable[[random.Random, int], Case]] = {
        "file": _file_case,
        "text": _text_case,
        "command": _command_case,
        "sse": _sse_case,
        "render": _render_case,
    }
    kinds = [kind for kind, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    return [makers[rng.choices(kinds, weights)[0]](rng, number) for number in range(count)]


def _author(rng: random.Random) -> int:
    # 0 is the lane's owner; the others are the guild's other people.
    return 0 if rng.random() < 0.5 else rng.randint(1, 5)


# -- message texts -------------------------------------------------------------------------

_MENTIONS: Final = (
    f"<@{USER}>",
    f"<@!{USER}>",
    f"<@{BOT}>",
    f"<@&{ROLE}>",
    f"<#{CHANNEL}>",
    "@everyone",
    "@here",
    "@ everyone",
    "@\u200beveryone",
    "<@0>",
    "<@99999999999999999999999>",
    "<@&123>",
)
_PHRASES: Final = (
    "sync visuals to the beat",
    "add the title Urban Dreams",
    "make it vertical",
    "what can you do?",
    "generate a clip of rain at night",
    "make the music louder",
    "remove the title",
    "把标题改成城市之梦",
    "同步节拍",
    "生成一个片段",
    "你好，这首歌怎么样？",
    "hello",
    "help",
    "?",
)
_ROUTED: Final = (
    "export",
    "export the video in 720p",
    "send me the video",
    "download",
    "导出",
    "credits",
    "积分",
    "余额",
    "status",
    "状态",
    "show tracks",
    "upload",
    "上传",
)
_ODDITIES: Final = (
    "\u202eoediv eht tropxe\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u200e",
    "```py\nprint('open fence'",
    "``````",
    "`" * 40,
    "```\n```\n```",
    "> quote\n>>> block quote",
    "||spoiler|| **bold** __under__ ~~strike~~",
    "🎵🔥👩‍👩‍👧‍👦🏳️‍🌈 1️⃣ 🇯🇵 👍🏽",
    "ｅｘｐｏｒｔ",
    "ex\u00adport",
    "\x00\x01\x07\x1b[31mred\x1b[0m",
    "\t \u3000 \u2028 \u2029",
    "https://example.invalid/a?token=abc&ct=def",
    "nmv_usr_not-a-real-token bearer abc.def",
    "%s %d {0} {} %(name)s",
    "'; DROP TABLE chat_turn; --",
    "<script>alert(1)</script>",
    "\U0001f600" * 30,
    "e\u0301\u0301\u0301 a\u0308",
)


def _zalgo(rng: random.Random, word: str) -> str:
    marks = (chr(rng.randint(0x300, 0x36F)) for _ in range(rng.randint(1, 12) * len(word)))
    pieces = []
    for char in word:
        pieces.append(char)
        pieces.extend(next(marks, "") for _ in range(rng.randint(1, 12)))
    return "".join(pieces)


def _wall(rng: random.Random) -> str:
    unit = rng.choice(("a", "word ", "中文", "🎵", "@everyone ", "<@⟦user⟧> ", "x\n", "é"))
    text = unit * (MAX_CONTENT // len(unit) + 1)
    return text[:MAX_CONTENT]


def _fragment(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(_MENTIONS)
    if roll < 0.45:
        return rng.choice(_PHRASES)
    if roll < 0.6:
        return rng.choice(_ROUTED)
    if roll < 0.7:
        return _zalgo(rng, rng.choice(("export", "status", "hello", "beat")))
    return rng.choice(_ODDITIES)


def message_text(rng: random.Random) -> tuple[str, str]:
    """A message a user could send (at most 2,000 characters, never blank) and its label."""
    if rng.random() < 0.08:
        return _wall(rng), "text:wall"
    parts = [_fragment(rng) for _ in range(rng.randint(1, 4))]
    text = rng.choice((" ", "\n", "", " \n ")).join(parts)[:MAX_CONTENT]
    if not text.strip():
        text = "hello " + text
    return text, "text:mix"


def _text_case(rng: random.Random, number: int) -> Case:
    text, label = message_text(rng)
    return Case(number, "text", "thread", label, _author(rng), text=text)


def _command_case(rng: random.Random, number: int) -> Case:
    command = rng.choice(("credits", "status", "export", "help"))
    return Case(number, "command", "thread", f"command:{command}", _author(rng), command=command)


# -- attachments ---------------------------------------------------------------------------

_MP3: Final = b"ID3\x04\x00\x00\x00\x00\x00\x00"
_HEADERS: Final[tuple[tuple[str, bytes], ...]] = (
    ("mp3", _MP3),
    ("mp3-frame", b"\xff\xfb\x90\x64"),
    ("aac", b"\xff\xf1\x50\x80"),
    ("wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ("avi", b"RIFF\x24\x00\x00\x00AVI LIST"),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 "),
    ("m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"),
    ("mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"),
    ("mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"),
    ("mov-atom", b"\x00\x00\x00\x08wide"),
    ("webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"),
    ("mkv", b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ("gif", b"GIF89a\x01\x00\x01\x00"),
    ("exe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("pdf", b"%PDF-1.7\n"),
    ("html", b"<!doctype html><script>alert(1)</script>"),
    ("zip", b"PK\x03\x04"),
    ("text", "歌词 lyrics\n".encode()),
    ("id3-only", b"ID3"),
    ("nothing", b""),
)
_NAMES: Final = (
    "Urban Dreams.mp3",
    "track.MP3",
    "voice message",
    "track",
    ".mp3",
    "mp3",
    "track.mp3.exe",
    "track.exe.mp3",
    "../../etc/passwd.mp3",
    "..\\..\\windows\\win.ini.wav",
    "/absolute/path/song.m4a",
    "%2e%2e%2fsecret.mp3",
    "曲名 城市之梦.mp3",
    "🎵🔥 banger 🔥🎵.wav",
    "\u202eevil\u202c3pm.exe",
    "CON.mp3",
    "new\nline.mp3",
    'quote"d; name=x.mp3',
    "<script>.mp3",
    "@everyone.mp3",
    f"<@{USER}> diss track.mp3",
    f"<@&{ROLE}>.mp3",
    "   .mp3",
    "v2.1",
    "Demo. Final",
    "song.mp3?x=1#y",
    "song.flac",
    "song.MP4",
    "clip.mov",
    "photo.jpeg",
    "cover.png",
    "track.aac",
    "a" * 240 + ".mp3",
    "e\u0301\u0301\u0301.mp3",
)
_TYPES: Final = (
    "audio/mpeg",
    "text/html",
    "application/x-msdownload",
    "image/png",
    "video/mp4; codecs=avc1",
    "application/octet-stream",
    'audio/mpeg; name="x.mp3"',
    "invalid",
    "音频/mp3",
)
_SIZES: Final = (0, 1, -1, 63, 2**31, 2**40, 500 * 1024 * 1024, 500 * 1024 * 1024 + 1, 10**18)


def fuzz_file(rng: random.Random) -> tuple[FuzzFile, str]:
    """An attachment whose name, declared size and type, and bytes are fuzzed; its label."""
    kind, header = rng.choice(_HEADERS)
    name = rng.choice(_NAMES)
    length = rng.choice((0, len(header), 63, 64, 65, 4096, 65536, 200_000))
    body = header + bytes(rng.getrandbits(8) for _ in range(min(64, max(0, length - len(header)))))
    content = (body + bytes(max(0, length - len(body))))[: max(length, len(header))]
    size = rng.choice(_SIZES) if rng.random() < 0.25 else None
    content_type = rng.choice(_TYPES) if rng.random() < 0.25 else None
    lie = "size" if size is not None else "type" if content_type is not None else "plain"
    return FuzzFile(name, content, size, content_type), f"file:{kind}:{lie}"


def _file_case(rng: random.Random, number: int) -> Case:
    file, label = fuzz_file(rng)
    place: Place = rng.choices(("channel", "thread", "slash"), (5, 3, 2))[0]
    text = message_text(rng)[0] if place != "slash" and rng.random() < 0.3 else ""
    return Case(number, "file", place, f"{label}:{place}", _author(rng), text=text, file=file)


# -- SSE streams -----------------------------------------------------------------------------


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _data(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


def _adk_text(text: str, *, partial: bool) -> bytes:
    event = {"content": {"parts": [{"text": text}], "role": "model"}, "partial": partial}
    return _data(_json(event))


def _reply_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        return message_text(rng)[0]
    if roll < 0.4:
        return "x" * rng.randint(2001, 6000)
    if roll < 0.5:
        return "```python\n" + "beat = 1\n" * rng.randint(100, 400)
    if roll < 0.6:
        return "Done! Click the Export button, then drag it onto the timeline. @everyone"
    return rng.choice(_PHRASES + _ODDITIES + _MENTIONS)


_WRONG_TYPES: Final[tuple[object, ...]] = (
    None,
    True,
    12,
    -1.5,
    "a bare json string",
    "",
    [],
    [1, "two", None],
    {},
    {"content": None},
    {"content": 5},
    {"content": "plain content string"},
    {"content": {"parts": "not a list"}},
    {"content": {"parts": [None, 1, "x", [], {"text": 5}, {"text": None}]}},
    {"content": {"parts": [{"text": ["list"]}, {"thought": True, "text": "hidden"}]}},
    {"content": {"parts": [{"functionCall": "str"}, {"functionResponse": []}]}},
    {"content": {"parts": [{"functionCall": {"name": {"x": 1}}}]}},
    {"partial": "yes", "content": {"parts": [{"text": "partial as a string"}]}},
    {"type": 7},
    {"type": None, "text": 5},
    {"type": "text", "content": ["x"]},
    {"type": "TEXT", "content": "upper-case type"},
    {"type": "tool_call", "name": ["x"]},
    {"type": "tool_result"},
    {"type": "heartbeat", "content": "beat"},
    {"type": "unknown-type", "content": "x"},
    {"type": "error"},
    {"type": "error", "message": {"nested": ["error"]}},
    {"error": {"message": ["x"], "code": 5}},
    {"error": {"no": "message"}},
    {"error": 0},
    {"error": ""},
    {"error": "e" * 5000},
    {"text": 5},
    {"text": ""},
    {"text": "top-level text"},
)
_MALFORMED: Final = (
    b'{"content": {"parts": [{"text": "trunc',
    b"{'single': 'quotes'}",
    b'{"a":}',
    b'{"content": {"parts": [{"text": "x"},]}}',
    b"nul",
    b"[DONE]",
    b"NaN",
    b'{"text": NaN}',
    b'{"text": "\\ud800 lone surrogate"}',
    b'{"text": "\\u0000 nul escape"}',
    b"\xef\xbb\xbf{}",
)


def _sse_event(rng: random.Random) -> tuple[bytes, str]:
    roll = rng.random()
    if roll < 0.18:
        text = _reply_text(rng)
        if rng.random() < 0.5:
            return _adk_text(text, partial=True) + _adk_text(text, partial=False), "adk-text"
        return _data(_json({"type": "text", "content": text})), "simple-text"
    if roll < 0.33:
        return _data(_json(rng.choice(_WRONG_TYPES))), "wrong-type"
    if roll < 0.45:
        return _data(rng.choice(_MALFORMED)), "malformed"
    if roll < 0.53:
        size = rng.choice((64 * 1024, 512 * 1024, 2 * 1024 * 1024))
        blob = {"name": "edit_multitrack", "response": {"blob": "b" * size}}
        huge = {"content": {"parts": [{"functionResponse": blob}]}}
        return _data(_json(huge)), "huge"
    if roll < 0.58:
        return b": " + b"c" * rng.choice((1000, 300_000)) + b"\n\n", "huge-comment"
    if roll < 0.68:
        noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
        return b"data: " + noise.replace(b"\n", b"").replace(b"\r", b"") + b"\n\n", "binary"
    if roll < 0.72:
        return b'data: {"text": "\xff\xfe\xc3 invalid utf-8 \xe4\xb8"}\n\n', "binary-in-text"
    if roll < 0.8:
        framing = (
            b'data: {"type": "text",\ndata: "content": "two data lines"}\n\n',
            b'data: {"text": "cr only"}\r\r',
            b'data: {"text": "crlf"}\r\n\r\n',
            b"event: ping\ndata: x\n\n",
            b'event: error\ndata: {"message": "named event"}\n\n',
            b"id: 1\nretry: 10\n\n",
            b"data\n\n",
            b"datum: wrong field\n\n",
            b'data:{"text":"no space"}\n\n',
            b'data: {"text": "unterminated at the end"}',
            b'data: {"text": "a lone cr at the end"}\n\r',
            b"\n\n\n\n",
        )
        return rng.choice(framing), "framing"
    if roll < 0.86:
        return rng.choice((b": keep-alive\n\n", b"data:\n\n", b'data: {"type":"heartbeat"}\n\n')), (
            "heartbeat"
        )
    if roll < 0.9:
        call = {"functionCall": {"id": "c1", "name": "edit_multitrack", "args": {"x": 1}}}
        return _data(_json({"content": {"parts": [call]}})), "tool-only"
    if roll < 0.93:
        depth = rng.choice((5000, 200_000))
        return _data(b"[" * depth + b"]" * depth), "deep-nesting"
    if roll < 0.97:
        return _data(_json({"error": _reply_text(rng)})), "in-band-error"
    return b"", "empty"


def _cut(rng: random.Random, body: bytes) -> tuple[bytes, ...]:
    """``body`` in a few pieces, cut anywhere (mid-UTF-8 too) except inside a placeholder."""
    if len(body) < 2:
        return (body,)
    banned: set[int] = set()
    for marker in (p.encode() for p in PLACEHOLDERS):
        start = body.find(marker)
        while start != -1:
            banned.update(range(start + 1, start + len(marker)))
            start = body.find(marker, start + 1)
    cuts = sorted({rng.randint(1, len(body) - 1) for _ in range(rng.randint(0, 3))} - banned)
    edges = [0, *cuts, len(body)]
    return tuple(body[a:b] for a, b in itertools.pairwise(edges))


def _sse_case(rng: random.Random, number: int) -> Case:
    events = [_sse_event(rng) for _ in range(rng.randint(1, 5))]
    body = b"".join(frame for frame, _ in events)
    label = events[0][1]  # the stream is named by its first event
    answer = RawAnswer("run_sse", _cut(rng, body))
    text = rng.choice(("what can you do?", "tell me about the drums", "你好", "hello 🎵"))
    return Case(number, "sse", "thread", f"sse:{label}", _author(rng), text=text, answers=(answer,))


# -- render status bodies --------------------------------------------------------------------

_STATUSES: Final[tuple[object, ...]] = (
    "pending",
    "processing",
    "completed",
    "failed",
    "cancelled",
    "canceled",
    "done",
    "PROCESSING ",
    "queued",
    "weird-new-stage",
    "",
    None,
    5,
    True,
    [],
    {"status": "nested"},
    "completed" * 50,
)
_PROGRESS_LITERALS: Final = (
    "-1",
    "-100",
    "0",
    "50",
    "100",
    "101",
    "0.5",
    "1.0",
    "1e9",
    "1" + "0" * 400,
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    '"50"',
    '"fifty"',
    '"nan"',
    '"inf"',
    '"1e999"',
    "null",
    "[]",
    "{}",
    "true",
)
_URLS: Final[tuple[object, ...]] = (
    CLOSED_PORT_URL,
    "ftp://example.invalid/x.mp4",
    "javascript:alert(1)",
    "http://[::1",
    "http://127.0.0.1:99999/render.mp4",
    "https://",
    "",
    5,
    None,
    ["http://127.0.0.1:9/list.mp4"],
)


def _status_body(rng: random.Random) -> tuple[bytes, str]:
    """One fuzzed render status body (JSON text, or not quite) and its label."""
    roll = rng.random()
    if roll < 0.05:
        return b'{"status": "processing", "progr', "render:truncated"
    if roll < 0.08:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))), "render:binary"
    if roll < 0.11:
        return rng.choice((b"[]", b'"completed"', b"42", b"null", b"")), "render:not-an-object"
    if roll < 0.13:
        return b"[" * 100_000 + b"]" * 100_000, "render:deep-nesting"
    if roll < 0.16:
        padding = "p" * rng.choice((100_000, 1_000_000))
        return _json({"status": "processing", "progress": 10, "padding": padding}), "render:huge"
    status = json.dumps(rng.choice(_STATUSES))
    progress = rng.choice(_PROGRESS_LITERALS)
    fields = [f'"status": {status}'] if rng.random() < 0.85 else []
    if rng.random() < 0.85:
        fields.append(f'"progress": {progress}')
    if rng.random() < 0.4:
        url = json.dumps(rng.choice(_URLS))
        fields.append(rng.choice((f'"outputUrl": {url}', f'"output": {{"url": {url}}}')))
    if rng.random() < 0.2:
        fields.append(f'"error": {json.dumps(rng.choice((5, "render broke", {"m": 1}, [])))}')
    if rng.random() < 0.1:
        fields.append(f'"code": {json.dumps(rng.choice((0, "abc", 99999, "0")))}')
    inner = "{" + ", ".join(fields) + "}"
    shape = rng.choice(("A", "B", "B-wrong-data", "both"))
    if shape == "A":
        body = inner
    elif shape == "B":
        body = f'{{"success": {rng.choice(("true", "false", "1", "null"))}, "data": {inner}}}'
    elif shape == "B-wrong-data":
        data = rng.choice(("[]", '"processing"', "null", "5"))
        body = f'{{"success": true, "data": {data}, {", ".join(fields)}}}'.replace(", }", "}")
    else:
        body = f'{{{", ".join(fields)}, "data": {inner}}}'.replace("{, ", "{")
    return body.encode(), f"render:shape-{shape}"


def _render_case(rng: random.Random, number: int) -> Case:
    answers: list[RawAnswer] = []
    labels: list[str] = []
    if rng.random() < 0.15:
        body, label = _status_body(rng)
        answers.append(RawAnswer("render_submit", _cut(rng, body)))
        labels.append(label)
    for _ in range(rng.randint(1, 3)):
        body, label = _status_body(rng)
        answers.append(RawAnswer("render_poll", _cut(rng, body)))
        labels.append(label)
    label = labels[0]
    text = rng.choice(("export", "export the video in 720p", "导出", "send me the video"))
    return Case(number, "render", "thread", label, _author(rng), text=text, answers=tuple(answers))


def labels(cases: Sequence[Case]) -> dict[str, int]:
    """How many cases of each kind and place: the breakdown the script prints."""
    counts: dict[str, int] = {}
    for case in cases:
        key = f"{case.kind}/{case.place}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))

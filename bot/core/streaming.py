# ruff: noqa: RUF001, RUF002 - CJK sentence punctuation is matched on purpose.
r"""Sans-I/O chunker: streamed text deltas → messages that fit Discord's 2,000-character limit.

A :class:`MessageChunker` holds the message being built. When it would overflow, the text is
split at the best point in the window and the earlier part becomes a finished message. Split
points, best first:

1. a paragraph break (``\n\n``), then a line break, then a sentence end (``. `` ``! `` ``? ``
   and the CJK ``。！？；`` which need no space), then whitespace; only points in the second
   half of the window count, so a message is never cut short for a far-back paragraph;
2. never inside a code block if avoidable: when the window ends inside a code block, the
   split goes before the block, even early, so the block starts a fresh message. Code blocks
   are recognised as Discord does: every triple backtick opens or closes one, wherever it is
   on the line, and ```` ```lang ```` directly followed by a newline names the language;
3. a code block longer than a message is split at a line break inside it: the piece gets a
   closing fence and the next piece reopens the fence with the same language;
4. a hard cut, moved back so it never separates a grapheme: combining marks, variation
   selectors, skin-tone modifiers, emoji ZWJ sequences, keycaps and flag pairs stay whole.

Length is counted in code points (Python ``len``); pass a smaller ``limit`` to leave room
for anything the front end appends. Every message handed out, finished ones and
:meth:`MessageChunker.current` alike, is display-ready: an open code block is closed, so the
live message renders correctly while it grows, and room for that closing fence is always
reserved.

Joining the messages gives back the input, except for the fences added at splits; messages
that would be only whitespace are dropped (Discord rejects them). Where only one message may
go, :func:`truncate` keeps the first and says, visibly, that the rest was cut.

How a front end drives it (one live message, edited under a rate limit)::

    chunker.feed(delta)
    for finished in chunker.pop_complete():
        await live.finalize(finished)   # edit the live message to its final text
        live = None                     # the next text starts a new message
    if chunker.current():
        live = live or await start_new_message()
        live.schedule_edit(chunker.current())   # throttled, about once a second
    ...
    for finished in chunker.finish():   # at the end of the stream
        ...                             # same as pop_complete
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

DISCORD_MESSAGE_LIMIT: Final = 2000
MIN_LIMIT: Final = 50
"""Smallest usable limit: a reopened fence and some text must fit in a message."""

_FENCE: Final = "```"
_LANGUAGE_TAG: Final = re.compile(r"([A-Za-z0-9_+\-.#]{1,20})?\n")
_CLOSE_RESERVE: Final = 4  # "\n```": what closing an open fence can cost

_PARAGRAPH: Final = re.compile(r"\n[ \t]*\n")
_LINE: Final = re.compile(r"\n")
_SENTENCE: Final = re.compile(r"[.!?…][\"'”’)\]]*[ \t]+|[。！？；]+[”’」』）]*")
_WORD: Final = re.compile(r"[ \t]+|[，、]")
_LEVELS: Final = (_PARAGRAPH, _LINE, _SENTENCE, _WORD)

_ZWJ: Final = "\u200d"


@dataclass(frozen=True, slots=True)
class _Fence:
    start: int
    end: int  # after the backticks, and after the language tag and newline of an opening one
    language: str  # of an opening fence ("" if it names none); "" for a closing one


class MessageChunker:
    """Turns text deltas into display-ready messages of at most ``limit`` characters."""

    def __init__(self, limit: int = DISCORD_MESSAGE_LIMIT) -> None:
        if limit < MIN_LIMIT:
            raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
        self._limit = limit
        self._buffer = ""
        self._complete: list[str] = []

    @property
    def limit(self) -> int:
        """The maximum length of a message."""
        return self._limit

    def feed(self, delta: str) -> None:
        """Add streamed text; splits off finished messages when the current one is full."""
        self._buffer += delta
        while self._overflows(self._buffer):
            self._split_once()

    def current(self) -> str:
        """The message being built, display-ready (an open code fence is closed)."""
        return _closed(self._buffer)

    def pop_complete(self) -> list[str]:
        """The messages finished since the last call, in order."""
        complete, self._complete = self._complete, []
        return complete

    def finish(self) -> list[str]:
        """End the stream: every message not yet handed out, including the last one."""
        last, self._buffer = _closed(self._buffer), ""
        if last.strip():
            self._complete.append(last)
        return self.pop_complete()

    # --- splitting ----------------------------------------------------------------------

    def _overflows(self, text: str) -> bool:
        reserve = _CLOSE_RESERVE if _open_language(_fences(text), len(text)) is not None else 0
        return len(text) + reserve > self._limit

    def _split_once(self) -> None:
        text = self._buffer
        fences = _fences(text)
        cut = _choose_cut(text, fences, self._limit)
        language = _open_language(fences, cut)
        piece, rest = text[:cut], text[cut:]
        if language is not None:
            piece = _closed(piece)
            rest = f"```{language}\n{rest}"
        if piece.strip():
            self._complete.append(piece)
        self._buffer = rest


def truncate(text: str, notice: str, limit: int = DISCORD_MESSAGE_LIMIT) -> str:
    """``text`` whole if it fits in ``limit``; else its first message, then ``notice``.

    The cut is the chunker's (a line break before a word, never inside a grapheme; an open
    code block is closed), and the notice gets a line of its own within the limit.
    """
    if len(text) <= limit:
        return text
    chunker = MessageChunker(limit - len(notice) - 1)
    chunker.feed(text)
    first = (chunker.pop_complete() or chunker.finish())[0]
    return f"{first.rstrip()}\n{notice}"


def _choose_cut(text: str, fences: list[_Fence], limit: int) -> int:
    """Where to split ``text`` (the rules are in the module docstring)."""

    def outside(position: int) -> bool:
        return _open_language(fences, position) is None and not _in_fence(fences, position)

    def inside(position: int) -> bool:
        return _open_language(fences, position) is not None and not _in_fence(fences, position)

    # 1. The best kind of break in the second half of the window, outside code.
    for level in _LEVELS:
        found = _last(level, text, limit // 2, limit, outside)
        if found is not None:
            return found
    window_ends_in_code = _open_language(fences, limit) is not None or _in_fence(fences, limit)
    # 2. The window ends inside a code block: split before the block, however early.
    if window_ends_in_code:
        found = _last(_LINE, text, 1, limit, outside)
        if found is not None:
            return found
    # 3. A code block longer than a message: split at a line inside it (not an empty piece).
    found = _last(
        _LINE,
        text,
        1,
        limit - _CLOSE_RESERVE,
        lambda p: inside(p) and not _right_after_fence(fences, p),
    )
    if found is not None:
        return found
    # 4. A hard cut that keeps graphemes whole.
    return _hard_cut(text, fences, limit)


def _last(
    pattern: re.Pattern[str], text: str, low: int, high: int, allowed: Callable[[int], bool]
) -> int | None:
    """The last split point of ``pattern`` in ``[low, high]`` that ``allowed`` accepts."""
    best = None
    for match in pattern.finditer(text, 0, min(high, len(text))):
        position = match.end()
        if low <= position <= high and position < len(text) and allowed(position):
            best = position
    return best


def _hard_cut(text: str, fences: list[_Fence], limit: int) -> int:
    """The latest position that keeps graphemes, fences and backtick runs whole and fits."""
    # A piece that starts with a (reopened) fence must keep more than that fence.
    floor = next((fence.end for fence in fences if fence.start == 0), 0) + 1
    for cut in range(min(limit, len(text) - 1), floor - 1, -1):
        inside = _open_language(fences, cut) is not None
        if (
            (not inside or cut <= limit - _CLOSE_RESERVE)
            and not _in_fence(fences, cut)
            and not text[cut - 1] == text[cut] == "`"  # a fence may be arriving
            and is_grapheme_boundary(text, cut)
        ):
            return cut
    # Nothing fits the rules (one grapheme longer than a message): cut where it must.
    return max(floor, min(limit - _CLOSE_RESERVE, len(text) - 1))


# --- code fences ------------------------------------------------------------------------


def _fences(text: str) -> list[_Fence]:
    """The code fences of ``text`` in order, alternately opening and closing (Discord rules)."""
    fences: list[_Fence] = []
    position = text.find(_FENCE)
    while position != -1:
        end = position + len(_FENCE)
        language = ""
        if len(fences) % 2 == 0:  # an opening fence may name a language on its own line
            tag = _LANGUAGE_TAG.match(text, end)
            if tag is not None:
                language = tag.group(1) or ""
                end = tag.end()
        fences.append(_Fence(position, end, language))
        position = text.find(_FENCE, end)
    return fences


def _open_language(fences: list[_Fence], position: int) -> str | None:
    """The language of the code block open at ``position`` (``""`` if none given), or None."""
    started = [fence for fence in fences if fence.start < position]
    if len(started) % 2 == 0:
        return None
    return started[-1].language


def _in_fence(fences: list[_Fence], position: int) -> bool:
    return any(fence.start < position < fence.end for fence in fences)


def _right_after_fence(fences: list[_Fence], position: int) -> bool:
    return any(fence.end == position for fence in fences)


def _closed(text: str) -> str:
    r"""``text`` with an open code block closed.

    The closing fence goes on its own line, except when the block has no newline yet: then
    "\n```" would turn the block's first word into a language tag, so it closes inline.
    """
    fences = _fences(text)
    if _open_language(fences, len(text)) is None:
        return text
    opened_on_its_own_line = text[fences[-1].end - 1] == "\n"
    if text.endswith("\n") or not (opened_on_its_own_line or "\n" in text[fences[-1].end :]):
        return f"{text}```"
    return f"{text}\n```"


# --- graphemes --------------------------------------------------------------------------


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Whether cutting ``text`` at ``index`` keeps every user-perceived character whole.

    A practical subset of Unicode's grapheme rules: combining marks, ZWJ sequences,
    variation selectors, emoji modifiers, tag sequences, CR LF and regional-indicator pairs.
    """
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if before == "\r" and after == "\n":
        return False
    if _extends(after) or before == _ZWJ:
        return False
    if "\ud800" <= before <= "\udbff":  # a lone high surrogate (surrogateescape data)
        return False
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        run = 0
        while index - run - 1 >= 0 and _is_regional_indicator(text[index - run - 1]):
            run += 1
        return run % 2 == 0
    return True


def _extends(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF

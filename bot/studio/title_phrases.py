# ruff: noqa: RUF001 - Chinese words use full-width punctuation on purpose.
"""Titles in a message, read from the raw text first, so they keep the user's casing and script.

A title is the quoted text after "title"/"call it"/标题, else the words after it up to a time
("at 0:10"), a comma or "and <another request>". Each title, and any other quoted text, becomes
a placeholder (:func:`lift_titles`): nothing inside a title is read as a request ("2" in "2 Bars"
is no grid, "Neon" no style). The clauses around a placeholder say when it shows
(:func:`title_when`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bot.studio.reader import GONE as _GONE
from bot.studio.reader import TIME as _T
from bot.studio.reader import TIMED as _TU
from bot.studio.reader import Anchor, Moment, Reader, blanked, normalise, time_of

_PLACEHOLDER: Final = 0xE000  # private-use code points stand for lifted titles


@dataclass(frozen=True, slots=True)
class TitleAsk:
    """One title to add (``text``) or, without text, the main title to move."""

    text: str | None
    more: bool
    start: Moment | None = None
    end_ms: int | None = None
    length_ms: int | None = None


_QUOTES: Final = (("\"", "\""), ("“", "”"), ("„", "“"), ("「", "」"), ("『", "』"), ("《", "》"),
                  ("«", "»"), ("‘", "’"))  # fmt: skip
_QUOTED: Final = re.compile(
    "|".join(f"{re.escape(a)}([^{re.escape(b)}]+){re.escape(b)}" for a, b in _QUOTES)
    + r"|(?<!\w)'([^']+)'(?!\w)"
)
_REMOVE_TITLE: Final = re.compile(
    r"\b(?:remove|delete|drop|get\s+rid\s+of|take\s+(?:off|out|away)|lose|clear|ditch|kill|hide)"
    r"\s+(?:the\s+|my\s+|all\s+(?:the\s+|my\s+)?|any\s+|that\s+|those\s+)?titles?\b"
    r"|\bno\s+titles?\b|\bwithout\s+(?:a\s+|the\s+|any\s+)?titles?\b"
    r"|\b(?:don't|do\s+not|dont)\s+(?:want|need|add|put)\s+(?:a\s+|the\s+|any\s+)?titles?\b"
    r"|(?:删除|删掉|去掉|去除|移除|取消|不要|拿掉)(?:所有的?|全部的?)?标题"
    r"|把标题(?:删除|删掉|去掉|拿掉)了?",
    re.IGNORECASE,
)
# An intro is where a title's text follows. "verb"/"link" say a title's words may follow unquoted
# ("add the title X", "title: X"), so "make the title bigger" asks for no title "bigger".
_TITLE_INTRO: Final = re.compile(
    r"(?P<verb>\b(?:(?P<mover>move|shift|place|push)|add|put|set|use|change|rename|update|with"
    r"|give\s+it|show|want|need)\s+)?"
    r"\b(?:(?P<more>another|a\s+second|second|one\s+more|an?\s+extra|extra|additional"
    r"|an\s+additional)\s+|(?:(?:a|an|the|my|main|new|its)\s+)+)?(?:title|caption)s?\b"
    r"(?!\s*(?:card|track|song)\b)"
    r"|(?P<named>\btitled\b|\bentitled\b|\bcall(?:ed)?\s+(?:it|this|the\s+(?:video|clip))\b"
    r"|\bname\s+(?:it|this|the\s+(?:video|clip))\b|\b(?:video|clip|it)\s+called\b)"
    r"|(?P<zmore>再加一个|再加个|再加|另一个|另外一个|另加一个|第二个|再来一个|多加一个|又一个)?"
    r"(?P<zverb>加上?|添加|加入|设置|设为|放上?|写上?)?(?:一个|个)?主?标题"
    r"|(?P<znamed>叫它|命名为|取名为?|起名为?|片名(?:是|为|叫)?|名字叫做?)",
    re.IGNORECASE,
)
_TITLE_LINK: Final = re.compile(
    r"\s*(?:(?:to\s+be|to|as|of|called|saying|reading|that\s+says|which\s+says|is|should\s+be"
    r"|will\s+be|be)\b\s*|[:=：]\s*|(?:是|为|改成|改为|换成|叫做?|写着?)\s*)?",
    re.IGNORECASE,
)
#: The places in the track a title can be put at by name.
_ANCHOR_WORDS: Final = r"start|beginning|end|drop|chorus|hook"
#: Where a title goes: a time, or a place by name ("the very end").
_PLACE: Final = rf"(?:{_TU}|(?:very\s+)?(?:{_ANCHOR_WORDS})\b)"
# A title mention followed by a time and no words of its own moves the main title.
_MOVE: Final = re.compile(
    rf"[\s{_GONE}]*(?:(?:(?:to|at|from|for|on|in|until|till|starting|during)\s+(?:the\s+)?"
    rf"{_PLACE})|(?:在|到|从|移到|放到|放在|挪到|改到)\s*(?:{_TU}|开头|开始|结尾|最后|末尾|高潮|副歌))"
)
# After "move the title to": the time alone.
_MOVE_BARE: Final = re.compile(rf"[\s{_GONE}]*(?:the\s+)?{_PLACE}")
_EDIT_WORD: Final = (
    r"(?:make|set|sync|cut|fade|trim|use|add|remove|delete|turn|put|change|start|skip|shorten"
    r"|lower|raise|mute|go|switch|slow|speed|give|music|volume|vertical|square|portrait"
    r"|landscape|horizontal|widescreen|the\s+(?:music|volume|cuts|style|video)|neon|warm|ocean"
    r"|mono|glitch|sunset|black|b&w|in\s+(?:neon|warm|ocean|blue|mono|glitch|sunset|b&w))\b"
)
_TIME_WORD: Final = (
    r"(?:the\s+)?(?:\d|(?:start|beginning|end|drop|chorus|intro|outro|hook|first|last|very|one"
    r"|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|a\s+minute)\b)"
)
# Where an unquoted title's words end: punctuation, "please", a time, "and <another request>".
_TAIL_END: Final = re.compile(
    r"\s*[,;!?，。；！？、]|\.(?=\s|$)|\s+(?:please|pls|thanks|thank\s+you)\b"
    rf"|\s+(?:and|then|also|plus|but|with)\s+(?={_EDIT_WORD})"
    rf"|\s+(?:at|from|for|to|starting|between|until|till|on|in|@|during|when|after|before)"
    rf"\s+(?={_TIME_WORD})"
    r"|\s+in\s+(?=(?:neon|warm|ocean|blue|mono|glitch|sunset|vertical|square|portrait)\b)"
    r"|(?=在(?:\d|开头|结尾|最后|高潮|副歌|开始))|(?=从\d)|(?=持续|显示\d|并且|然后|同时)",
    re.IGNORECASE,
)
_TITLE_STRIP: Final = " \t\n.!?。！？'\"“”‘’「」"


@dataclass(frozen=True, slots=True)
class Lifted:
    """A title read from the raw text: its words (None: move the main title) and "another"."""

    text: str | None
    more: bool


def lift_titles(text: str) -> tuple[str, list[Lifted], bool]:
    """``text`` with its titles (and any quoted text) as placeholders; the titles; "remove"."""
    removed = False
    for match in _REMOVE_TITLE.finditer(text):
        removed = True
        text = blanked(text, match.start(), match.end())
    quotes = list(_QUOTED.finditer(text))
    claimed: set[int] = set()
    lifted: list[Lifted] = []
    for intro in list(_TITLE_INTRO.finditer(text)):
        if text[intro.start()] != intro[0][0] or any(
            q.start() <= intro.start() < q.end() for q in quotes
        ):
            continue  # the word "title" inside a title already lifted, or inside quotes
        found = _lift_one(text, intro, quotes, claimed, len(lifted))
        if found is not None:
            text, title = found
            lifted.append(title)
    for index, quote in enumerate(quotes):
        if index not in claimed:
            text = blanked(text, quote.start(), quote.end())
    return text, lifted, removed


def _lift_one(
    text: str,
    intro: re.Match[str],
    quotes: list[re.Match[str]],
    claimed: set[int],
    index: int,
) -> tuple[str, Lifted] | None:
    """The text with the title at ``intro`` lifted out, and the title; None if there is none."""
    link = _TITLE_LINK.match(text, intro.end())
    after = link.end() if link else intro.end()
    more = bool(intro["more"] or intro["zmore"])
    marker = chr(_PLACEHOLDER + index)
    tail = normalise(text[after:])
    if _MOVE.match(tail) or (intro["mover"] and _MOVE_BARE.match(tail)):  # no words: a move
        return _placed(text, intro.start(), after, marker), Lifted(None, more)
    quoted = _lift_quoted(text, intro, after, quotes, claimed, marker, more)
    if quoted is not None:
        return quoted
    linked = link is not None and bool(link[0].strip())
    if not (linked or any(intro[g] for g in ("verb", "named", "zverb", "znamed"))):
        return None
    tail = text[after:]
    end = _TAIL_END.search(tail)
    stop = end.start() if end else len(tail)
    words = tail[:stop].strip(_TITLE_STRIP)
    if not words:
        return None
    return _placed(text, intro.start(), after + stop, marker), Lifted(words, more)


def _lift_quoted(
    text: str,
    intro: re.Match[str],
    after: int,
    quotes: list[re.Match[str]],
    claimed: set[int],
    marker: str,
    more: bool,
) -> tuple[str, Lifted] | None:
    """The title at ``intro`` from the next unclaimed quoted text, else the one just before."""
    free = [i for i in range(len(quotes)) if i not in claimed]
    later = [i for i in free if quotes[i].start() >= after]
    earlier = [i for i in free if quotes[i].end() <= intro.start()]
    if not (later or earlier):
        return None
    chosen = later[0] if later else earlier[-1]
    claimed.add(chosen)
    quote = quotes[chosen]
    words = next(g for g in quote.groups() if g is not None).strip()
    if later:  # the placeholder sits where the title's times follow it
        text = blanked(text, intro.start(), after)
        return _placed(text, quote.start(), quote.end(), marker), Lifted(words, more)
    text = blanked(text, quote.start(), quote.end())
    return _placed(text, intro.start(), after, marker), Lifted(words, more)


def _placed(text: str, start: int, end: int, marker: str) -> str:
    """``text`` with ``[start, end)`` replaced by ``marker`` (and blanks: positions are kept)."""
    return text[:start] + marker + _GONE * (end - start - 1) + text[end:]


# When a title shows: clauses right after it ("at 0:10", "from 10s to 15s", "for 5 seconds",
# "at the drop", 在高潮处), or, in Chinese word order, one right before it (在0:10加标题).
_WHEN: Final = re.compile(
    rf"[\s{_GONE}]*(?:[,，][\s{_GONE}]*)?(?:"
    rf"(?:from|between|从)?\s*(?P<a>{_T})\s*(?:to|until|till|and|-|–|~|到|至)\s*(?P<b>{_T})"
    rf"(?:\s*(?:之间|为止))?"
    rf"|(?:at|to|from|on|@|starting(?:\s+at)?|start(?:ing)?\s+at|在|从|移到|放到|放在|挪到|改到|到)"
    rf"\s*(?P<at>{_T})(?:\s*(?:开始|处|的时候))?"
    rf"|(?:for|lasting|持续|显示|停留)\s*(?P<len>{_T})"
    rf"|(?P<len2>{_TU})\s+long"
    rf"|(?:at|on|to|in|during|from|over)\s+(?:the\s+)?(?:very\s+)?"
    rf"(?P<anchor>{_ANCHOR_WORDS})\b"
    rf"|when\s+the\s+(?:beat\s+)?(?P<drops>drops)"
    rf"|(?:在|放在|移到|放到)?(?P<zanchor>开头|开始|结尾|最后|末尾|高潮|副歌)(?:处|部分|的时候)?"
    rf"|(?P<bare>{_TU})"
    rf")"
)
_WHEN_BEFORE: Final = re.compile(
    rf"(?:在|从)\s*(?:(?P<at>{_TU})|(?P<zanchor>开头|结尾|最后|高潮|副歌))(?:处|的时候|时)?"
    rf"[\s{_GONE}]*$"
)
_ANCHORS: Final[dict[str, Anchor]] = {
    "start": "start", "beginning": "start", "开头": "start", "开始": "start",
    "end": "end", "结尾": "end", "最后": "end", "末尾": "end",
    "drop": "drop", "chorus": "drop", "hook": "drop", "drops": "drop", "高潮": "drop",
    "副歌": "drop",
}  # fmt: skip
_MAX_WHEN_CLAUSES: Final = 3  # "at 0:10 for 5 seconds" and the like; no sentence says more


def title_when(reader: Reader, index: int, lifted: Lifted) -> TitleAsk:
    """The title's times, read from the clauses around its placeholder."""
    at = reader.text.index(chr(_PLACEHOLDER + index))
    ask = TitleAsk(lifted.text, lifted.more)
    reader.blank(at, at + 1)
    position = at + 1
    for _ in range(_MAX_WHEN_CLAUSES):
        clause = _WHEN.match(reader.text, position)
        if clause is None:
            break
        ask = _with_clause(ask, clause)
        reader.blank(clause.start(), clause.end())
        position = clause.end()
    before = _WHEN_BEFORE.search(reader.text[:at])
    if before is not None and ask.start is None:
        ask = _with_clause(ask, before)
        reader.blank(before.start(), before.end())
    return ask


def _with_clause(ask: TitleAsk, clause: re.Match[str]) -> TitleAsk:
    groups = clause.groupdict()
    anchor = next((groups[g] for g in ("anchor", "drops", "zanchor") if groups.get(g)), None)
    start: Moment | None = ask.start
    if groups.get("a") is not None:
        start, end = time_of(clause, "a"), time_of(clause, "b")
        return TitleAsk(ask.text, ask.more, start, end, ask.length_ms)
    if groups.get("at") is not None or groups.get("bare") is not None:
        start = time_of(clause, "at", "bare")
    elif anchor is not None:
        start = _ANCHORS[anchor]
    length = time_of(clause, "len") if groups.get("len") else None
    if groups.get("len2"):
        length = time_of(clause, "len2")
    return TitleAsk(ask.text, ask.more, start, ask.end_ms, length or ask.length_ms)

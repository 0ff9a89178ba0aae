# ruff: noqa: RUF001 - Chinese words and texts use full-width punctuation on purpose.
"""The studio agent's words: what a musician's message asks for, and its replies (EN, 中文).

**Reading** (:func:`read`) turns a message into a :class:`Request` in passes, so one word never
serves two requests:

1. **Titles** come out of the raw text first, so they keep the user's casing and script: quoted
   text after "title"/"call it"/标题, else the words after it up to a time ("at 0:10"), a comma or
   "and <another request>". Each title, and any other quoted text, becomes a placeholder: nothing
   inside a title is read as a request ("2" in "2 Bars" is no grid, "Neon" no style).
2. The rest is **normalised** (NFKC, case-folded, number words as digits) and each kind of
   request takes its phrases out of it in a fixed order (:data:`_READERS`): aspect ratios before
   times ("9:16" is no time), generated-footage requests with their description ("a clip of a
   sunset" is no style), grids and pace before trims ("faster cuts", "cut to the beat" are no
   trim). A "not" / "don't" / 不要 just before a phrase turns it off (for fades: removes them).

**Replies** are ``str.format`` templates keyed like :mod:`bot.core.texts` (:func:`say`): both
catalogues have the same keys and the same ``{placeholders}`` (a test holds them to it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from bot.studio.schema import Grid

#: "Louder" / "quieter" move the music's volume by this much (0..1).
VOLUME_STEP: Final = 0.2
#: The sparsest grid asked for directly ("every 16 bars"); beyond it cuts stop reading as a rhythm.
MAX_GRID_EVERY: Final = 16
#: A number read as a tempo only in this range (BPM); outside it is some other number.
MIN_BPM: Final = 30
MAX_BPM: Final = 300
#: One CJK character carries about as much as this many Latin letters (for "mainly CJK").
CJK_WEIGHT: Final = 3
#: How far back (characters) a "not" / "don't" / 不要 reaches.
NEGATION_REACH: Final = 24
#: Volumes are said, and may be asked for, in percent.
PERCENT: Final = 100

Anchor = Literal["start", "end", "drop", "after_intro"]
#: A time in ms, or a place in the track's structure resolved against the analysis.
Moment = int | Anchor

_GONE: Final = "\x00"  # fills a phrase once read: no word character, no whitespace
_PLACEHOLDER: Final = 0xE000  # private-use code points stand for lifted titles


@dataclass(frozen=True, slots=True)
class TitleAsk:
    """One title to add (``text``) or, without text, the main title to move."""

    text: str | None
    more: bool
    start: Moment | None = None
    end_ms: int | None = None
    length_ms: int | None = None


@dataclass(slots=True)
class Request:
    """Everything one message asks for; the defaults mean "not asked"."""

    titles: list[TitleAsk] = field(default_factory=list)
    remove_titles: bool = False
    canvas: str | None = None
    style: str | None = None
    fade_in: bool = False
    fade_out: bool = False
    fade_ms: int | None = None
    unfade_in: bool = False
    unfade_out: bool = False
    volume: float | None = None
    volume_step: float = 0.0
    span_start: Moment | None = None
    span_end_ms: int | None = None
    span_length_ms: int | None = None
    whole_track: bool = False
    grid: Grid | None = None
    grid_asked: int | None = None
    pace: int = 0
    tempo_factor: float | None = None
    stated_bpm: float | None = None
    sync: bool = False
    visuals: bool = False
    refusals: list[str] = field(default_factory=list)


def read(text: str) -> tuple[Request, bool]:
    """What ``text`` asks for, and whether it is mainly CJK (its titles left out)."""
    masked, titles, removed = _lift_titles(text)
    reader = _Reader(_normalise(masked))
    request = Request(remove_titles=removed)
    request.titles = [_title_when(reader, index, ask) for index, ask in enumerate(titles)]
    for step in _READERS:
        step(reader, request)
    rest = text
    for title in titles:
        rest = rest.replace(title.text or "", "")
    return request, _mainly_cjk(rest)


class _Reader:
    """The normalised message; a phrase once read is blanked out, so no other request reuses it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of ``pattern`` (negated ones included), blanked out of the text."""
        found = list(pattern.finditer(self.text))
        for match in found:
            self.blank(match.start(), match.end())
        return found

    def choose(self, choices: dict[str, re.Pattern[str]]) -> str | None:
        """The choice named first (not negated) of ``choices``; all their words read away.

        Every pattern looks at the same text, so one choice's words cannot hide another's
        context ("YouTube Shorts" is vertical, not YouTube's widescreen).
        """
        found = [
            (m, name) for name, pattern in choices.items() for m in pattern.finditer(self.text)
        ]
        for match, _ in found:
            self.blank(match.start(), match.end())
        kept = [(m.start(), name) for m, name in found if not _negated(m)]
        return min(kept)[1] if kept else None

    def blank(self, start: int, end: int) -> None:
        """Blank out ``[start, end)``."""
        self.text = self.text[:start] + _GONE * (end - start) + self.text[end:]


# -- times ------------------------------------------------------------------------------------

_NUM: Final = r"\d+(?:\.\d+)?"
_SEC_UNIT: Final = r"(?:seconds?|secs?|s|秒钟?)(?![a-z])"
_MIN_UNIT: Final = r"(?:minutes?|mins?|m|分钟?)(?![a-z])"
_CLOCK_P: Final = r"(\d{1,2}):(\d{2}(?:\.\d+)?)"
_MINUTES_P: Final = rf"({_NUM})\s*{_MIN_UNIT}(?:\s*({_NUM})(?:\s*{_SEC_UNIT})?)?"
_SECONDS_P: Final = rf"({_NUM})\s*{_SEC_UNIT}"
#: A time with its unit (or a clock "1:30"); safe to read anywhere.
_TU: Final = rf"(?:{_CLOCK_P}|{_MINUTES_P}|{_SECONDS_P})"
#: A time, or a bare number of seconds where the words around it expect a time.
_T: Final = (
    rf"(?:{_TU}|{_NUM}(?![\d.:]|\s*(?:%|bpm|x\b|times|beats?|bars?|measures?|拍|小节|倍|个)))"
)
_CLOCK: Final = re.compile(_CLOCK_P)
_MINUTES: Final = re.compile(_MINUTES_P)
_SECONDS: Final = re.compile(_SECONDS_P)
_BARE: Final = re.compile(_NUM)
_SECONDS_PER_MINUTE: Final = 60


def parse_time_ms(text: str) -> int | None:
    """A time as ms: "1:30", "90s", "90 seconds", "1 min 30", "90秒", "1分30秒", "90" (seconds)."""
    value = _normalise(text).strip()
    if clock := _CLOCK.fullmatch(value):
        past = float(clock[2])
        if past >= _SECONDS_PER_MINUTE:
            return None
        return round((int(clock[1]) * _SECONDS_PER_MINUTE + past) * 1000)
    if minutes := _MINUTES.fullmatch(value):
        extra = float(minutes[2]) if minutes[2] else 0.0
        return round((float(minutes[1]) * _SECONDS_PER_MINUTE + extra) * 1000)
    if seconds := _SECONDS.fullmatch(value):
        return round(float(seconds[1]) * 1000)
    if _BARE.fullmatch(value):
        return round(float(value) * 1000)
    return None


def _time(match: re.Match[str], *groups: str) -> int | None:
    """The time in the first of ``groups`` that matched."""
    found = next((match[g] for g in groups if match[g] is not None), None)
    return None if found is None else parse_time_ms(found)


# -- normalising ------------------------------------------------------------------------------

_EN_NUMBERS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "sixteen": 16,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
_EN_NUMBER: Final = re.compile(r"\b(?:" + "|".join(sorted(_EN_NUMBERS, key=len)[::-1]) + r")\b")
_CN_DIGITS: Final = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
# Chinese numerals only before a unit, so 一下 or 一个标题 stay words.
_CN_NUMBER: Final = re.compile(
    r"[一二两三四五六七八九]?十[一二三四五六七八九]?(?=\s*个?\s*(?:秒|分|拍|小节|节|倍))"
    r"|[一二两三四五六七八九](?=\s*个?\s*(?:秒|分|拍|小节|节|倍))"
)
_Replacement = str | Callable[[re.Match[str]], str]
_SYNONYMS: Final[tuple[tuple[re.Pattern[str], _Replacement], ...]] = (
    (re.compile(r"\bhalf\s+a\s+minute\b"), "30 seconds"),
    (re.compile(r"\b(?:a|1)\s+minute\s+and\s+a\s+half\b"), "90 seconds"),
    (re.compile(r"\ba\s+minute\b"), "1 minute"),
    (re.compile(r"\bfirst\s+minute\b"), "first 1 minute"),
    (re.compile(r"\bblack\s*(?:and|&|n)\s*white\b"), "b&w"),
    (re.compile(r"\bfade\s+in\s*(?:and|&|/)\s*(?:fade\s+)?out\b"), "fade in/out"),
    (re.compile(r"\bevery\s+(?:other|second)\s+(beat|bar|measure)"), r"every 2 \1"),
    (re.compile(r"\bevery\s+single\s+"), "every "),
    (re.compile(r"半分钟"), "30秒"),
    (re.compile(r"(\d+)\s*分(?:钟)?半钟?"), lambda m: f"{int(m[1]) * 60 + 30}秒"),
)


def _normalise(text: str) -> str:
    """NFKC, case-folded, curly apostrophes plain, number words as digits, synonyms merged."""
    value = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    value = _EN_NUMBER.sub(lambda m: str(_EN_NUMBERS[m[0]]), value)
    value = _CN_NUMBER.sub(lambda m: str(_cn_number(m[0])), value)
    for pattern, replacement in _SYNONYMS:
        value = pattern.sub(replacement, value)
    return value


def _cn_number(numeral: str) -> int:
    """一 .. 九十九 as an int."""
    tens, ten, ones = numeral.partition("十")
    if not ten:
        return _CN_DIGITS[numeral]
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


_CJK: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN: Final = re.compile(r"[a-zA-Z]")


def _mainly_cjk(text: str) -> bool:
    """Whether the CJK characters outweigh the Latin letters."""
    return len(_CJK.findall(text)) * CJK_WEIGHT > len(_LATIN.findall(text))


_NEGATION: Final = re.compile(
    r"(?:\b(?:not|don't|dont|do\s+not|no|never|without|isn't|aren't)\s+(?:[\w']+\s+){0,2}"
    r"|(?:不要|别|不用|不想|无需|不需要)\S{0,4})$"
)
_REMOVING: Final = re.compile(
    r"(?:\b(?:remove|delete|drop|get\s+rid\s+of|take\s+out|kill|lose|ditch)\s+"
    r"(?:the\s+|all\s+(?:the\s+)?|any\s+|my\s+)?|(?:去掉|删除|删掉|取消|去除)\s*)$"
)


def _negated(match: re.Match[str]) -> bool:
    """Whether a "not" / "don't" / 不要 just before ``match`` turns it around."""
    before = match.string[max(0, match.start() - NEGATION_REACH) : match.start()]
    return _NEGATION.search(before) is not None


def _removing(match: re.Match[str]) -> bool:
    """Whether ``match`` is negated or follows "remove" / 去掉."""
    before = match.string[max(0, match.start() - NEGATION_REACH) : match.start()]
    return _negated(match) or _REMOVING.search(before) is not None


def _first(matches: list[re.Match[str]]) -> re.Match[str] | None:
    """The earliest match not negated."""
    kept = [m for m in matches if not _negated(m)]
    return min(kept, key=lambda m: m.start()) if kept else None


# -- titles (read from the raw text) ---------------------------------------------------------

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
# A title mention followed by a time and no words of its own moves the main title.
_MOVE: Final = re.compile(
    rf"[\s{_GONE}]*(?:(?:(?:to|at|from|for|on|in|until|till|starting|during)\s+(?:the\s+)?"
    rf"(?:{_TU}|(?:very\s+)?(?:start|beginning|end|drop|chorus|hook)\b))"
    rf"|(?:在|到|从|移到|放到|放在|挪到|改到)\s*(?:{_TU}|开头|开始|结尾|最后|末尾|高潮|副歌))"
)
# After "move the title to": the time alone.
_MOVE_BARE: Final = re.compile(
    rf"[\s{_GONE}]*(?:the\s+)?(?:{_TU}|(?:very\s+)?(?:start|beginning|end|drop|chorus|hook)\b)"
)
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
class _Lifted:
    """A title read from the raw text: its words (None: move the main title) and "another"."""

    text: str | None
    more: bool


def _lift_titles(text: str) -> tuple[str, list[_Lifted], bool]:
    """``text`` with its titles (and any quoted text) as placeholders; the titles; "remove"."""
    removed = False
    for match in _REMOVE_TITLE.finditer(text):
        removed = True
        text = _blanked(text, match.start(), match.end())
    quotes = list(_QUOTED.finditer(text))
    claimed: set[int] = set()
    lifted: list[_Lifted] = []
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
            text = _blanked(text, quote.start(), quote.end())
    return text, lifted, removed


def _lift_one(
    text: str,
    intro: re.Match[str],
    quotes: list[re.Match[str]],
    claimed: set[int],
    index: int,
) -> tuple[str, _Lifted] | None:
    """The text with the title at ``intro`` lifted out, and the title; None if there is none."""
    link = _TITLE_LINK.match(text, intro.end())
    after = link.end() if link else intro.end()
    more = bool(intro["more"] or intro["zmore"])
    marker = chr(_PLACEHOLDER + index)
    tail = _normalise(text[after:])
    if _MOVE.match(tail) or (intro["mover"] and _MOVE_BARE.match(tail)):  # no words: a move
        return _placed(text, intro.start(), after, marker), _Lifted(None, more)
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
    return _placed(text, intro.start(), after + stop, marker), _Lifted(words, more)


def _lift_quoted(
    text: str,
    intro: re.Match[str],
    after: int,
    quotes: list[re.Match[str]],
    claimed: set[int],
    marker: str,
    more: bool,
) -> tuple[str, _Lifted] | None:
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
        text = _blanked(text, intro.start(), after)
        return _placed(text, quote.start(), quote.end(), marker), _Lifted(words, more)
    text = _blanked(text, quote.start(), quote.end())
    return _placed(text, intro.start(), after, marker), _Lifted(words, more)


def _blanked(text: str, start: int, end: int) -> str:
    return text[:start] + _GONE * (end - start) + text[end:]


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
    rf"(?P<anchor>start|beginning|end|drop|chorus|hook)\b"
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


def _title_when(reader: _Reader, index: int, lifted: _Lifted) -> TitleAsk:
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
        start, end = _time(clause, "a"), _time(clause, "b")
        return TitleAsk(ask.text, ask.more, start, end, ask.length_ms)
    if groups.get("at") is not None or groups.get("bare") is not None:
        start = _time(clause, "at", "bare")
    elif anchor is not None:
        start = _ANCHORS[anchor]
    length = _time(clause, "len") if groups.get("len") else None
    if groups.get("len2"):
        length = _time(clause, "len2")
    return TitleAsk(ask.text, ask.more, start, ask.end_ms, length or ask.length_ms)


# -- the other requests (read from the normalised text, in this order) -----------------------


def _read_canvas(reader: _Reader, request: Request) -> None:
    """Vertical / square / widescreen, by word, platform or ratio (before times: 9:16 is none)."""
    request.canvas = reader.choose(_ASPECTS)


#: Canvas by aspect; "instagram" alone means the feed (square), its reels and stories are 9:16.
_ASPECT_WORDS: Final = {
    "9:16": (
        r"\bvertical\b|\bportrait\b|\btik\s?tok\b|\breels?\b|\bshorts\b|\bstor(?:y|ies)\b"
        r"|\b9\s*[:x/]\s*16\b|竖屏|竖版|竖的|抖音|快手"
    ),
    "1:1": (
        r"\bsquare\b|\binstagram(?!\s+(?:reels?|stor(?:y|ies)))\b|\b1\s*[:x/]\s*1\b"
        r"|正方形|方形|方屏"
    ),
    "16:9": (
        r"\bwide\s?screen\b|\blandscape\b|\bhorizontal\b|\byou\s?tube\b(?!\s+shorts)|\b16\s*[:x/]\s*9\b"
        r"|横屏|横版|宽屏"
    ),
}
_ASPECTS: Final = {aspect: re.compile(words) for aspect, words in _ASPECT_WORDS.items()}
_FOOTAGE: Final = re.compile(
    r"\b(?:generate|create|make|render|produce|film|shoot)\s+(?:me\s+)?(?:(?:a|an|some|the)\s+)?"
    r"(?:ai\s+)?(?:(?:new|short|generated)\s+)?(?:video\s+)?"
    r"(?:clips?|footage|shots?|scenes?|b-roll|animation"
    r"|video(?=\s+(?:of|showing)\s+(?!(?:my|our|these|the)\s+(?:photos|pictures|images|clips"
    r"|videos|uploads|song|track|music)\b)))"
    r"(?:\s+(?:of|showing|with|where)\b[^,;.!?\x00]*)?"
    r"|\bseedance\b|\bai[- ](?:generated\s+)?(?:videos?|clips?|footage)\b"
    r"|生成[^,，。；！？\x00]{0,12}?(?:片段|镜头|画面|素材)[^,，。；！？\x00]*|ai视频"
)
_STOCK: Final = re.compile(r"\bstock\s+(?:footage|videos?|clips?|photos?|images?)\b|素材库")
_LYRICS: Final = re.compile(r"\blyrics?\b|\bsubtitles?\b|\btranscri\w*|\bkaraoke\b|歌词|字幕")


def _read_refusals(reader: _Reader, request: Request) -> None:
    """Work the studio cannot do (footage, stock, lyrics): a note, and its words read away."""
    for key, pattern in (("no_footage", _FOOTAGE), ("no_stock", _STOCK), ("no_lyrics", _LYRICS)):
        if reader.take(pattern):
            request.refusals.append(key)


_HALF: Final = re.compile(
    r"\bhalf[- ]?(?:time|tempo|speed)\b|\bhalf\s+the\s+(?:tempo|bpm|speed)\b|半拍速|半速"
)
_DOUBLE: Final = re.compile(
    r"\bdouble[- ]?(?:time|tempo|speed)\b|\bdouble\s+the\s+(?:tempo|bpm|speed)\b|双倍速?|2倍速"
)
_STATED_BPM: Final = re.compile(
    r"(?P<a>\d{2,3}(?:\.\d+)?)\s*bpm\b"
    r"|\b(?:tempo|bpm|speed)\s*(?:is|=|:|of|at|'s|was|should\s+be)?\s*"
    r"(?:actually\s+|really\s+|about\s+|around\s+|roughly\s+|~\s*)?(?P<b>\d{2,3}(?:\.\d+)?)\b"
    r"|(?:速度|节奏|拍速)\s*(?:是|为|应该是|大概是|大约是?|:)?\s*(?P<c>\d{2,3}(?:\.\d+)?)"
)


def _read_tempo(reader: _Reader, request: Request) -> None:
    """Half / double time, or a stated tempo ("it's 70 bpm", 速度是87)."""
    if _first(reader.take(_HALF)):
        request.tempo_factor = 0.5
    if _first(reader.take(_DOUBLE)):
        request.tempo_factor = 2.0
    for match in reader.take(_STATED_BPM):
        bpm = float(match["a"] or match["b"] or match["c"])
        if MIN_BPM <= bpm <= MAX_BPM and request.stated_bpm is None:
            request.stated_bpm = bpm


_GRID: Final = re.compile(
    r"\b(?:cut(?:ting|s)?\s+)?(?:(?:on|at)\s+)?(?:every|each)\s+(?:(?P<n>\d+)\s+)?"
    r"(?P<unit>beat|downbeat|bar|measure)s?\b"
    r"|\bon\s+(?:the\s+|every\s+)?(?P<down>downbeat)s?\b"
    r"|每\s*(?P<zn>\d+)?\s*个?\s*(?P<zunit>小节|节拍|拍|节)"
)
_BAR_UNITS: Final = frozenset({"bar", "measure", "downbeat", "小节", "节"})


def _read_grid(reader: _Reader, request: Request) -> None:
    """A grid: "every beat", "every 2 bars", "every other beat", 每小节, 每两拍."""
    match = _first(reader.take(_GRID))
    if match is None:
        return
    unit = match["unit"] or match["down"] or match["zunit"]
    every = int(match["n"] or match["zn"] or 1)
    if every < 1:
        return
    request.grid = Grid("bar" if unit in _BAR_UNITS else "beat", min(every, MAX_GRID_EVERY))
    if every > MAX_GRID_EVERY:
        request.grid_asked = every


_FASTER: Final = re.compile(
    r"\b(?:faster|quicker|more|rapid|more\s+frequent|shorter|snappier)\s+(?:cuts|cutting|edits"
    r"|editing|shots|scene\s+changes|switches)\b"
    r"|\bcut(?:s|ting)?\s+(?:faster|quicker|more(?:\s+often)?)\b"
    r"|\b(?:speed|pick)\s+up\s+the\s+(?:cuts|cutting|editing|edits|pace)\b"
    r"|(?:快一点|快一些|快点|快些|更快|加快)|(?:多一点|多一些|更多的?)(?:剪辑|切换|镜头)"
)
_SLOWER: Final = re.compile(
    r"\b(?:slower|fewer|less|less\s+frequent|longer|calmer)\s+(?:cuts|cutting|edits|editing"
    r"|shots|scene\s+changes|switches)\b"
    r"|\bcut(?:s|ting)?\s+(?:slower|less(?:\s+often)?)\b"
    r"|\bslow\s+down\s+the\s+(?:cuts|cutting|editing|edits|pace)\b"
    r"|(?:慢一点|慢一些|慢点|慢些|更慢|放慢)|(?:少一点|少一些|更少的?)(?:剪辑|切换|镜头)"
)


def _read_pace(reader: _Reader, request: Request) -> None:
    """Faster / slower cuts: a step along :data:`LADDER` (-1 faster, +1 slower)."""
    faster, slower = bool(_first(reader.take(_FASTER))), bool(_first(reader.take(_SLOWER)))
    request.pace = int(slower) - int(faster)


_SYNC: Final = re.compile(
    r"\b(?:beat[- ]?)?sync(?:ed|ing|s)?\b"
    r"|\bcut(?:s|ting)?\s+(?:it\s+)?(?:to|on|with)\s+the\s+(?:beat|music|rhythm)s?\b"
    r"|\bon\s+(?:the\s+)?beats?\b|\bto\s+the\s+(?:beat|rhythm|music)\b"
    r"|\bwith\s+the\s+(?:beat|rhythm)\b|\bfollow(?:s|ing)?\s+the\s+(?:beat|rhythm|music)\b"
    r"|\bbeat[- ]?(?:synced|matched|driven)\b|\bre-?cut\b"
    r"|\b(?:make|generate|create|build|produce|render|do)\s+(?:me\s+)?(?:a|an|the|my)\s+"
    r"(?:(?:beat[- ]synced|new|cool|short)\s+)?(?:music\s+)?video\b|\bmusic\s+video\b|\bmv\b"
    r"|卡点|踩点|同步|跟着(?:节拍|节奏|音乐)|节奏剪辑|音乐视频"
    r"|(?:做|生成)(?:一个|个|一支)?(?:mv|视频|音乐视频)"
)


def _read_sync(reader: _Reader, request: Request) -> None:
    """Sync to the beat (and "make a music video", which means the same here)."""
    request.sync = _first(reader.take(_SYNC)) is not None


_FADE: Final = re.compile(
    rf"(?:(?P<pre>{_TU})[\s-]*(?:long\s+)?(?:的\s*)?)?"
    r"(?:\bfad(?:e|es|ing)\b(?:[\s-]*(?P<dir>in/out|in|out)\b)?"
    r"|(?P<zdir>淡入淡出|淡入|淡出|渐入渐出|渐入|渐出))"
    rf"(?:\s*(?:it\s+)?(?:of|for|over|lasting|:)?\s*(?P<post>{_TU}))?"
    r"(?:\s*(?:at|in)\s+the\s+(?:very\s+)?(?P<where>end|start|beginning)\b)?"
)
_FADE_DIRS: Final = {
    "in": (True, False), "out": (False, True), "in/out": (True, True),
    "淡入": (True, False), "渐入": (True, False), "淡出": (False, True), "渐出": (False, True),
    "淡入淡出": (True, True), "渐入渐出": (True, True),
    "end": (False, True), "start": (True, False), "beginning": (True, False),
}  # fmt: skip


def _read_fades(reader: _Reader, request: Request) -> None:
    """Fade in / out ("3 second fade", "fade out at the end", 淡入淡出), or none ("no fades")."""
    for match in reader.take(_FADE):
        which = match["dir"] or match["zdir"] or match["where"]
        fade_in, fade_out = _FADE_DIRS.get(which or "", (True, True))
        if _removing(match):
            request.unfade_in |= fade_in
            request.unfade_out |= fade_out
            continue
        request.fade_in |= fade_in
        request.fade_out |= fade_out
        request.fade_ms = _time(match, "pre", "post") or request.fade_ms


_VOLUME_AT: Final = re.compile(
    r"\b(?:music|volume|song|track|audio|sound|bgm)\b[^\x00,;.!?]{0,24}?(?P<a>\d{1,3})\s*%"
    r"|(?P<b>\d{1,3})\s*%\s*(?:volume|loud(?:ness)?|music)"
    r"|\bvolume\s+(?:to\s+|at\s+)?(?P<d>\d{1,3})\b(?![.:]|\s*(?:s\b|sec|seconds?))"
    r"|(?:音量|音乐|声音|背景音乐)[^\x00,;，。；]{0,8}?(?P<c>\d{1,3})\s*%"
)
_LOUDER: Final = re.compile(
    r"\blouder\b|\bturn\s+(?:the\s+)?(?:music|volume|it|song)\s+up\b"
    r"|\bturn\s+up\s+the\s+(?:music|volume|song)\b|\bvolume\s+up\b"
    r"|\b(?:raise|increase|boost)\s+the\s+(?:music|volume)\b|\bmore\s+volume\b"
    r"|大声|声音大|音量大|调高音量|音量调高|加大音量|提高音量"
)
_QUIETER: Final = re.compile(
    r"\b(?:quieter|softer)\b|\bturn\s+(?:the\s+)?(?:music|volume|it|song)\s+down\b"
    r"|\bturn\s+down\s+the\s+(?:music|volume|song)\b|\bvolume\s+down\b"
    r"|\b(?:lower|decrease|reduce)\s+the\s+(?:music|volume)\b|\bless\s+volume\b"
    r"|小声|声音小|音量小|调低音量|音量调低|降低音量|减小音量"
)
_MUTE: Final = re.compile(r"\bmute\b|静音")


def _read_volume(reader: _Reader, request: Request) -> None:
    """The music's volume: "music at 80%", louder, quieter, mute."""
    match = _first(reader.take(_VOLUME_AT))
    if match is not None:
        asked = int(match["a"] or match["b"] or match["c"] or match["d"])
        request.volume = min(asked, PERCENT) / PERCENT
    if _first(reader.take(_MUTE)):
        request.volume = 0.0
    louder, quieter = bool(_first(reader.take(_LOUDER))), bool(_first(reader.take(_QUIETER)))
    request.volume_step = VOLUME_STEP * (louder - quieter)


_WHOLE: Final = re.compile(
    r"\b(?:use|keep|play)\s+(?:the\s+)?(?:whole|entire|full)\s+(?:track|song|thing|length)\b"
    r"|\b(?:whole|entire|full)[- ](?:track|song|length)\b|\bdon't\s+trim\b|\buntrim\b"
    r"|用整首|整首歌|完整的?(?:歌|音乐|长度)|全曲"
)
_START: Final = re.compile(
    r"\b(?:start|begin)(?:\s+(?:it|the\s+(?:video|song|track|music)))?\s+(?:at|from|with)\s+"
    rf"(?:the\s+)?(?:(?P<at>{_T})|(?P<drop>drop|chorus|hook)\b)"
    rf"|\bskip\s+(?:the\s+)?first\s+(?P<skip>{_T})"
    r"|\b(?:skip|drop|cut|lose|remove|get\s+rid\s+of)\s+(?:the\s+)?(?P<intro>intro)\b"
    rf"|从\s*(?:(?P<zat>{_TU})|(?P<zdrop>高潮|副歌))(?:处|部分)?\s*开始"
    rf"|跳过\s*(?:(?P<zintro>前奏|开头)|前\s*(?P<zskip>{_TU}))"
)
_RANGE: Final = re.compile(
    rf"\b(?:use|play|keep)\s+(?:only\s+)?(?:from\s+)?(?P<a>{_T})\s*(?:to|until|till|-|–)\s*"
    rf"(?P<b>{_T})|\bfrom\s+(?P<c>{_TU})\s*(?:to|until|till|-|–)\s*(?P<d>{_TU})"
    rf"|(?:用|保留|只要|截取|只用|从)\s*(?P<e>{_TU})\s*(?:到|至|-|–)\s*(?P<f>{_TU})"
)
_LENGTH: Final = re.compile(
    r"\b(?:trim|shorten|cut|cap|limit|reduce|chop)(?:\s+(?:it|this|the\s+(?:video|song|track"
    r"|thing|length)))?(?:\s+(?:down|back))?\s+to\s+(?:the\s+first\s+|just\s+|only\s+)?"
    rf"(?P<a>{_T})"
    rf"|\bmake\s+(?:it|the\s+video|this)\s+(?:only\s+|just\s+)?(?P<b>{_TU})(?:\s+long)?"
    rf"|\b(?:only|just|keep)\s+(?:use\s+|keep\s+)?(?:the\s+)?first\s+(?P<c>{_TU})"
    rf"|\bfirst\s+(?P<d>{_TU})\s+only\b|\b(?P<e>{_TU})[\s-]*(?:long\s+)?(?:version|edit|cut)\b"
    rf"|(?:剪到|剪成|剪短到|缩短到|缩短为|缩到|裁到|裁剪到|截到|控制在|限制在|改成|做成|只要|保留)"
    rf"\s*(?:前\s*)?(?P<g>{_TU})|前\s*(?P<h>{_TU})"
)
_END: Final = re.compile(
    rf"\b(?:end|stop|finish)(?:\s+(?:it|the\s+(?:video|song|track)))?\s+at\s+(?P<a>{_T})"
    rf"|(?:在|到)\s*(?P<b>{_TU})\s*(?:就)?结束"
)


def _read_span(reader: _Reader, request: Request) -> None:
    """Which part of the track: trim, start at, skip the intro, a range, the whole track."""
    request.whole_track = _first(reader.take(_WHOLE)) is not None
    for match in reader.take(_START):
        if match["intro"] or match["zintro"]:
            request.span_start = "after_intro"
        elif match["drop"] or match["zdrop"]:
            request.span_start = "drop"
        else:
            request.span_start = _time(match, "at", "skip", "zat", "zskip")
    for match in reader.take(_RANGE):
        request.span_start = _time(match, "a", "c", "e")
        request.span_end_ms = _time(match, "b", "d", "f")
    for match in reader.take(_LENGTH):
        request.span_length_ms = _time(match, "a", "b", "c", "d", "e", "g", "h")
    for match in reader.take(_END):
        request.span_end_ms = _time(match, "a", "b")


#: Palette by name (:data:`bot.studio.schema.STYLES`).
_STYLE_WORDS: Final = {
    "neon": r"\bneon\b|霓虹",
    "warm": r"\bwarm(?:er)?\b|暖色|暖调|温暖",
    "ocean": r"\bocean\b|\bblue\b|\bsea\b|海洋|蓝色|蓝调|大海",
    "mono": r"\bmono(?:chrome)?\b|\bb&w\b|\bgr[ae]y\s?scale\b|黑白",
    "glitch": r"\bglitch(?:y|es)?\b|故障",
    "sunset": r"\bsunset\b|\bgolden\s+hour\b|日落|夕阳|黄昏",
}
_STYLES: Final = {style: re.compile(words) for style, words in _STYLE_WORDS.items()}


def _read_style(reader: _Reader, request: Request) -> None:
    """A palette by name or colour word (neon, warm, ocean/blue, mono/b&w, glitch, sunset)."""
    request.style = reader.choose(_STYLES)


_VISUALS: Final = re.compile(
    r"\buse\s+(?:all\s+)?(?:my|our|the|these|those)\s+(?:own\s+)?(?:uploaded\s+)?"
    r"(?:photos?|pictures?|pics|images?|clips?|videos?|footage|uploads|stills|media)\b"
    r"|\b(?:with|from|of)\s+my\s+(?:own\s+)?(?:photos|pictures|pics|images|clips|videos|footage)\b"
    r"|(?:用|使用)(?:我的|我上传的)(?:照片|图片|视频|素材|片段)?"
)


def _read_visuals(reader: _Reader, request: Request) -> None:
    """Use my photos / clips (the uploads become the shots)."""
    request.visuals = _first(reader.take(_VISUALS)) is not None


_READERS: Final[tuple[Callable[[_Reader, Request], None], ...]] = (
    _read_canvas,
    _read_refusals,
    _read_tempo,
    _read_grid,
    _read_pace,
    _read_sync,
    _read_fades,
    _read_volume,
    _read_span,
    _read_style,
    _read_visuals,
)


# -- replies -----------------------------------------------------------------------------------

_EN: Final[dict[str, str]] = {
    # --- one line per change ---------------------------------------------------------------
    "done": "Done: {changes}.",
    "separator": "; ",
    "cuts_energy": "synced to the beat: {cuts} cuts at {bpm} BPM, more in the loud parts",
    "cuts_grid": "cut on {grid}: {cuts} cuts at {bpm} BPM",
    "grid_beat_one": "every beat",
    "grid_beat_many": "every {every} beats",
    "grid_bar_one": "every bar",
    "grid_bar_many": "every {every} bars",
    "tempo": "counting the beat at {bpm} BPM ({how})",
    "tempo_half": "half time",
    "tempo_double": "double time",
    "tempo_detected": "as detected",
    "title_set": 'title "{text}" at {start}–{end}',
    "title_added": 'added another title "{text}" at {start}–{end}',
    "title_moved": 'moved the title "{text}" to {start}–{end}',
    "title_removed": "removed the title",
    "titles_removed": "removed {count} titles",
    "canvas": "{aspect} canvas, {width}x{height}",
    "aspect_9:16": "vertical 9:16",
    "aspect_1:1": "square 1:1",
    "aspect_16:9": "widescreen 16:9",
    "style": "{style} style",
    "style_neon": "neon",
    "style_warm": "warm",
    "style_ocean": "ocean blue",
    "style_mono": "black and white",
    "style_glitch": "glitch",
    "style_sunset": "sunset",
    "fade_in": "fade in over {seconds} s",
    "fade_out": "fade out over {seconds} s",
    "fade_both": "fade in and out over {seconds} s",
    "fades_removed": "no fades",
    "fade_in_removed": "no fade in",
    "fade_out_removed": "no fade out",
    "span": "using {start}–{end} of the track ({length})",
    "span_whole": "using the whole track ({length})",
    "visuals": "cutting across your {what}",
    "photos_one": "1 photo",
    "photos_many": "{count} photos",
    "clips_one": "1 clip",
    "clips_many": "{count} clips",
    "and": " and ",
    "volume": "music volume {percent}%",
    # --- honest caveats --------------------------------------------------------------------
    "steady": "I couldn't find a beat in this track, so cuts follow a steady {bpm} BPM grid",
    "no_analysis": (
        "this track has no beat analysis (yet), so cuts follow a steady {bpm} BPM grid"
    ),
    "fastest": "cuts are already on every beat, the fastest grid I cut on",
    "slowest": "cuts are already every 4 bars, the slowest grid I cut on",
    "grid_capped": "{asked} is more than I cut on, so I used {used}",
    "tempo_unchecked": (
        "I have no beat analysis of this track, so I couldn't check it against {stated} BPM"
    ),
    "tempo_far": (
        "you said {stated} BPM; the beat I found is {heard} BPM, and the nearest half or double "
        "of it is {used} BPM"
    ),
    "title_cut": "a title of {length} characters was shortened to {limit}",
    "title_late": "the video is only {length} long, so the title starts at {start}",
    "no_title": "there is no title yet",
    "no_drop_title": "I couldn't tell where the drop is in this track, so I used {time}",
    "no_drop_start": "I couldn't tell where the drop is in this track, so the start stays",
    "no_track": (
        "there is no track to cut yet: attach your song to a message in this thread (in the "
        "console: /upload PATH)"
    ),
    "no_intro": "I couldn't tell where the intro ends in this track, so the start stays at 0:00",
    "span_past_end": "the track is only {length} long, so I couldn't start at {start}",
    "span_clamped": "the track is only {length} long, so the video runs to its end",
    "span_empty": "that would leave nothing of the track, so the span stays as it was",
    "length_unknown": "I don't know how long the track is, so the length stays as it was",
    "no_visuals": (
        "your project has no photos or clips yet: attach images or clips to a message in this "
        "thread (in the console: /upload PATH), then ask again"
    ),
    "no_music": "there is no music track yet, so there is no volume to change",
    "volume_limit": "the music is already at {percent}%",
    "no_footage": (
        "I can't generate footage here (that is NemoVideo's Seedance, in the cloud): the local "
        "studio draws audio-reactive visuals ({styles}) or cuts your own photos and clips"
    ),
    "no_stock": "I can't add stock footage: the studio uses generated visuals or your uploads",
    "no_lyrics": (
        "I can't transcribe lyrics or add subtitles: the text I can add is titles at set times"
    ),
    # --- what the studio can do, and what the video looks like ---------------------------
    "capabilities": (
        "Here's what I can do with your track: sync the cuts to the beat (every beat, every 2 "
        "beats, every bar or every few bars, faster or slower, half or double time), add, move "
        "or remove titles at set times, make it vertical 9:16, square 1:1 or widescreen 16:9, "
        "pick a style ({styles}), fade in and out, trim it or choose where it starts, cut your "
        "uploaded photos and clips to the beat, and set the music volume. I can't generate "
        "footage, add stock footage or transcribe lyrics: I draw audio-reactive visuals instead."
    ),
    "describe_canvas": "A {size} {aspect} video, {length} long, in the {style} style.",
    "describe_cuts": "{cuts} cuts {rhythm} over {visuals}{titles}.",
    "describe_no_cuts": "Nothing is cut yet: ask me to sync it to the beat{titles}.",
    "rhythm_energy": "following the energy at {bpm} BPM",
    "rhythm_grid": "on {grid} at {bpm} BPM",
    "visuals_generated": "generated visuals",
    "visuals_uploads": "{count} of your photos and clips",
    "describe_title": ', with the title "{text}" at {start}',
    "describe_titles": ", with {count} titles",
}

_ZH: Final[dict[str, str]] = {
    "done": "好了：{changes}。",
    "separator": "；",
    "cuts_energy": "已卡点：{cuts} 个剪辑点，{bpm} BPM，激烈的段落切得更密",
    "cuts_grid": "{grid}切一次：{cuts} 个剪辑点，{bpm} BPM",
    "grid_beat_one": "每拍",
    "grid_beat_many": "每 {every} 拍",
    "grid_bar_one": "每小节",
    "grid_bar_many": "每 {every} 小节",
    "tempo": "按 {bpm} BPM 数拍（{how}）",
    "tempo_half": "半速",
    "tempo_double": "双倍速",
    "tempo_detected": "按检测到的速度",
    "title_set": "标题“{text}”，{start}–{end}",
    "title_added": "又加了一个标题“{text}”，{start}–{end}",
    "title_moved": "标题“{text}”移到了 {start}–{end}",
    "title_removed": "删除了标题",
    "titles_removed": "删除了 {count} 个标题",
    "canvas": "{aspect}画面，{width}x{height}",
    "aspect_9:16": "竖屏 9:16 ",
    "aspect_1:1": "方形 1:1 ",
    "aspect_16:9": "横屏 16:9 ",
    "style": "{style}风格",
    "style_neon": "霓虹",
    "style_warm": "暖色",
    "style_ocean": "海洋蓝",
    "style_mono": "黑白",
    "style_glitch": "故障",
    "style_sunset": "日落",
    "fade_in": "淡入 {seconds} 秒",
    "fade_out": "淡出 {seconds} 秒",
    "fade_both": "淡入淡出各 {seconds} 秒",
    "fades_removed": "去掉了淡入淡出",
    "fade_in_removed": "去掉了淡入",
    "fade_out_removed": "去掉了淡出",
    "span": "使用音轨的 {start}–{end}（时长 {length}）",
    "span_whole": "使用整首音轨（{length}）",
    "visuals": "用你的{what}剪辑",
    "photos_one": " 1 张照片",
    "photos_many": " {count} 张照片",
    "clips_one": " 1 段视频",
    "clips_many": " {count} 段视频",
    "and": "和",
    "volume": "音乐音量 {percent}%",
    "steady": "这首曲子里找不到明显的节拍，所以剪辑点按固定的 {bpm} BPM 排列",
    "no_analysis": "这首曲子（还）没有节拍分析，所以剪辑点按固定的 {bpm} BPM 排列",
    "fastest": "现在已经是每拍切一次，这是最快的节奏",
    "slowest": "现在已经是每 4 小节切一次，这是最慢的节奏",
    "grid_capped": "{asked}太长了，我改成了{used}",
    "tempo_unchecked": "这首曲子没有节拍分析，所以我没法对照 {stated} BPM 校正",
    "tempo_far": ("你说是 {stated} BPM；我检测到的是 {heard} BPM，最接近的减半或加倍是 {used} BPM"),
    "title_cut": "标题有 {length} 个字符，已缩短到 {limit} 个",
    "title_late": "视频只有 {length} 长，所以标题从 {start} 开始",
    "no_title": "现在还没有标题",
    "no_drop_title": "我没找到这首曲子的高潮，所以用了 {time}",
    "no_drop_start": "我没找到这首曲子的高潮，所以开始位置不变",
    "no_track": "还没有可以剪辑的曲子：在这个帖子里发消息附上你的歌（控制台里用 /upload PATH）",
    "no_intro": "我没找到前奏在哪里结束，所以还是从 0:00 开始",
    "span_past_end": "音轨只有 {length} 长，没法从 {start} 开始",
    "span_clamped": "音轨只有 {length} 长，所以视频一直到结尾",
    "span_empty": "这样音轨就什么都不剩了，所以范围保持不变",
    "length_unknown": "我不知道音轨有多长，所以长度保持不变",
    "no_visuals": (
        "项目里还没有照片或视频：在这个帖子里发消息附上图片或视频（控制台里用 /upload PATH），"
        "然后再说一次"
    ),
    "no_music": "还没有音乐轨道，所以没有音量可以调",
    "volume_limit": "音乐音量已经是 {percent}%",
    "no_footage": (
        "我在这里没法生成视频素材（那是 NemoVideo 云端的 Seedance）：本地工作室画的是随音乐"
        "变化的视觉效果（{styles}），或者剪辑你自己的照片和视频"
    ),
    "no_stock": "我没法添加素材库视频：工作室用生成的视觉效果或你上传的素材",
    "no_lyrics": "我没法识别歌词或加字幕：我能加的文字是定时出现的标题",
    "capabilities": (
        "我可以这样处理你的曲子：按节拍卡点（每拍、每两拍、每小节或每几小节，切得更快或更慢，"
        "半速或双倍速），在指定时间添加、移动或删除标题，改成竖屏 9:16、方形 1:1 或横屏 16:9，"
        "选择风格（{styles}），淡入淡出，剪短或选择从哪里开始，把你上传的照片和视频按节拍剪辑，"
        "以及调整音乐音量。我没法生成视频素材、添加素材库视频或识别歌词：我画的是随音乐变化的"
        "视觉效果。"
    ),
    "describe_canvas": "{size} {aspect}视频，时长 {length}，{style}风格。",
    "describe_cuts": "{cuts} 个剪辑点，{rhythm}，画面用{visuals}{titles}。",
    "describe_no_cuts": "还没有剪辑点：让我按节拍卡点就行{titles}。",
    "rhythm_energy": "随能量变化，{bpm} BPM",
    "rhythm_grid": "{grid}一切，{bpm} BPM",
    "visuals_generated": "生成的视觉效果",
    "visuals_uploads": "你的 {count} 个照片和视频",
    "describe_title": "，标题“{text}”在 {start}",
    "describe_titles": "，共 {count} 个标题",
}

CATALOGUES: Final = {"en": _EN, "zh": _ZH}


def say(key: str, language: str, **values: object) -> str:
    """The text for ``key`` in ``language`` (``"en"`` or ``"zh"``), with ``values`` filled in."""
    return CATALOGUES[language][key].format(**values)

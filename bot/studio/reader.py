"""Reading a message: the normalised text, and what every phrase shares (times, negation).

A message is normalised once (NFKC, case-folded, number words as digits, synonyms merged) and
read by a :class:`Reader`: a phrase once read is blanked out, so no other request reuses it.
Times are read with their unit ("90s", "1:30", 1分30秒), or bare where the words expect one; a
"not" / "don't" / 不要 just before a phrase turns it around.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal

#: One CJK character carries about as much as this many Latin letters (for "mainly CJK").
CJK_WEIGHT: Final = 3
#: How far back (characters) a "not" / "don't" / 不要 reaches.
NEGATION_REACH: Final = 24

Anchor = Literal["start", "end", "drop", "after_intro"]
#: A time in ms, or a place in the track's structure resolved against the analysis.
Moment = int | Anchor

GONE: Final = "\x00"  # fills a phrase once read: no word character, no whitespace


class Reader:
    """The normalised message; a phrase once read is blanked out, so no other request reuses it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        """Every match of ``pattern`` (negated ones included), blanked out of the text."""
        found = list(pattern.finditer(self.text))
        for match in found:
            self.blank(match.start(), match.end())
        return found

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The earliest match of ``pattern`` not negated; all its matches read away."""
        kept = [m for m in self.take(pattern) if not negated(m)]
        return min(kept, key=lambda m: m.start()) if kept else None

    def asks(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` is asked for (a match not negated); all its matches read away."""
        return self.first(pattern) is not None

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
        kept = [(m.start(), name) for m, name in found if not negated(m)]
        return min(kept)[1] if kept else None

    def blank(self, start: int, end: int) -> None:
        """Blank out ``[start, end)``."""
        self.text = blanked(self.text, start, end)


def blanked(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` blanked out (positions are kept)."""
    return text[:start] + GONE * (end - start) + text[end:]


# -- times ------------------------------------------------------------------------------------

_NUM: Final = r"\d+(?:\.\d+)?"
_SEC_UNIT: Final = r"(?:seconds?|secs?|s|秒钟?)(?![a-z])"
_MIN_UNIT: Final = r"(?:minutes?|mins?|m|分钟?)(?![a-z])"
_CLOCK_P: Final = r"(\d{1,2}):(\d{2}(?:\.\d+)?)"
_MINUTES_P: Final = rf"({_NUM})\s*{_MIN_UNIT}(?:\s*({_NUM})(?:\s*{_SEC_UNIT})?)?"
_SECONDS_P: Final = rf"({_NUM})\s*{_SEC_UNIT}"
#: A time with its unit (or a clock "1:30"); safe to read anywhere.
TIMED: Final = rf"(?:{_CLOCK_P}|{_MINUTES_P}|{_SECONDS_P})"
#: A time, or a bare number of seconds where the words around it expect a time.
TIME: Final = (
    rf"(?:{TIMED}|{_NUM}(?![\d.:]|\s*(?:%|bpm|x\b|times|beats?|bars?|measures?|拍|小节|倍|个)))"
)
_CLOCK: Final = re.compile(_CLOCK_P)
_MINUTES: Final = re.compile(_MINUTES_P)
_SECONDS: Final = re.compile(_SECONDS_P)
_BARE: Final = re.compile(_NUM)
_SECONDS_PER_MINUTE: Final = 60


def parse_time_ms(text: str) -> int | None:
    """A time as ms: "1:30", "90s", "90 seconds", "1 min 30", "90秒", "1分30秒", "90" (seconds)."""
    value = normalise(text).strip()
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


def time_of(match: re.Match[str], *groups: str) -> int | None:
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


def normalise(text: str) -> str:
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


def mainly_cjk(text: str) -> bool:
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


def negated(match: re.Match[str]) -> bool:
    """Whether a "not" / "don't" / 不要 just before ``match`` turns it around."""
    return _NEGATION.search(_before(match)) is not None


def removing(match: re.Match[str]) -> bool:
    """Whether ``match`` is negated or follows "remove" / 去掉."""
    return negated(match) or _REMOVING.search(_before(match)) is not None


def _before(match: re.Match[str]) -> str:
    """The text a "not" / "remove" before ``match`` would stand in."""
    return match.string[max(0, match.start() - NEGATION_REACH) : match.start()]

# ruff: noqa: RUF001 - Chinese words use full-width punctuation on purpose.
"""What a musician's message asks for (EN, 中文): :func:`read` turns it into a :class:`Request`.

The message is read in passes, so one word never serves two requests:

1. **Titles** come out of the raw text first (:mod:`bot.studio.title_phrases`), so they keep the
   user's casing and script; nothing inside a title is read as a request.
2. The rest is **normalised** (:mod:`bot.studio.reader`) and each kind of request takes its
   phrases out of it in a fixed order (:data:`_READERS`): aspect ratios before times ("9:16" is
   no time), generated-footage requests with their description ("a clip of a sunset" is no
   style), grids and pace before trims ("faster cuts", "cut to the beat" are no trim). A "not" /
   "don't" / 不要 just before a phrase turns it off (for fades: removes them).

The replies are in :mod:`bot.studio.texts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from bot.studio.reader import TIME as _T
from bot.studio.reader import TIMED as _TU
from bot.studio.reader import Moment, Reader, mainly_cjk, normalise, removing, time_of
from bot.studio.schema import Grid
from bot.studio.title_phrases import TitleAsk, lift_titles, title_when

#: "Louder" / "quieter" move the music's volume by this much (0..1).
VOLUME_STEP: Final = 0.2
#: The sparsest grid asked for directly ("every 16 bars"); beyond it cuts stop reading as a rhythm.
MAX_GRID_EVERY: Final = 16
#: A number read as a tempo only in this range (BPM); outside it is some other number.
MIN_BPM: Final = 30
MAX_BPM: Final = 300
#: Volumes are said, and may be asked for, in percent.
PERCENT: Final = 100


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
    masked, titles, removed = lift_titles(text)
    reader = Reader(normalise(masked))
    request = Request(remove_titles=removed)
    request.titles = [title_when(reader, index, ask) for index, ask in enumerate(titles)]
    for step in _READERS:
        step(reader, request)
    rest = text
    for title in titles:
        rest = rest.replace(title.text or "", "")
    return request, mainly_cjk(rest)


# -- the other requests (read from the normalised text, in this order) -----------------------


def _read_canvas(reader: Reader, request: Request) -> None:
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


def _read_refusals(reader: Reader, request: Request) -> None:
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


def _read_tempo(reader: Reader, request: Request) -> None:
    """Half / double time, or a stated tempo ("it's 70 bpm", 速度是87)."""
    if reader.asks(_HALF):
        request.tempo_factor = 0.5
    if reader.asks(_DOUBLE):
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


def _read_grid(reader: Reader, request: Request) -> None:
    """A grid: "every beat", "every 2 bars", "every other beat", 每小节, 每两拍."""
    match = reader.first(_GRID)
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


def _read_pace(reader: Reader, request: Request) -> None:
    """Faster / slower cuts: one rung along the rhythm ladder (-1 faster, +1 slower)."""
    faster, slower = reader.asks(_FASTER), reader.asks(_SLOWER)
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


def _read_sync(reader: Reader, request: Request) -> None:
    """Sync to the beat (and "make a music video", which means the same here)."""
    request.sync = reader.asks(_SYNC)


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


def _read_fades(reader: Reader, request: Request) -> None:
    """Fade in / out ("3 second fade", "fade out at the end", 淡入淡出), or none ("no fades")."""
    for match in reader.take(_FADE):
        which = match["dir"] or match["zdir"] or match["where"]
        fade_in, fade_out = _FADE_DIRS.get(which or "", (True, True))
        if removing(match):
            request.unfade_in |= fade_in
            request.unfade_out |= fade_out
            continue
        request.fade_in |= fade_in
        request.fade_out |= fade_out
        request.fade_ms = time_of(match, "pre", "post") or request.fade_ms


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


def _read_volume(reader: Reader, request: Request) -> None:
    """The music's volume: "music at 80%", louder, quieter, mute."""
    match = reader.first(_VOLUME_AT)
    if match is not None:
        asked = int(match["a"] or match["b"] or match["c"] or match["d"])
        request.volume = min(asked, PERCENT) / PERCENT
    if reader.asks(_MUTE):
        request.volume = 0.0
    louder, quieter = reader.asks(_LOUDER), reader.asks(_QUIETER)
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


def _read_span(reader: Reader, request: Request) -> None:
    """Which part of the track: trim, start at, skip the intro, a range, the whole track."""
    request.whole_track = reader.asks(_WHOLE)
    for match in reader.take(_START):
        if match["intro"] or match["zintro"]:
            request.span_start = "after_intro"
        elif match["drop"] or match["zdrop"]:
            request.span_start = "drop"
        else:
            request.span_start = time_of(match, "at", "skip", "zat", "zskip")
    for match in reader.take(_RANGE):
        request.span_start = time_of(match, "a", "c", "e")
        request.span_end_ms = time_of(match, "b", "d", "f")
    for match in reader.take(_LENGTH):
        request.span_length_ms = time_of(match, "a", "b", "c", "d", "e", "g", "h")
    for match in reader.take(_END):
        request.span_end_ms = time_of(match, "a", "b")


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


def _read_style(reader: Reader, request: Request) -> None:
    """A palette by name or colour word (neon, warm, ocean/blue, mono/b&w, glitch, sunset)."""
    request.style = reader.choose(_STYLES)


_VISUALS: Final = re.compile(
    r"\buse\s+(?:all\s+)?(?:my|our|the|these|those)\s+(?:own\s+)?(?:uploaded\s+)?"
    r"(?:photos?|pictures?|pics|images?|clips?|videos?|footage|uploads|stills|media)\b"
    r"|\b(?:with|from|of)\s+my\s+(?:own\s+)?(?:photos|pictures|pics|images|clips|videos|footage)\b"
    r"|(?:用|使用)(?:我的|我上传的)(?:照片|图片|视频|素材|片段)?"
)


def _read_visuals(reader: Reader, request: Request) -> None:
    """Use my photos / clips (the uploads become the shots)."""
    request.visuals = reader.asks(_VISUALS)


_READERS: Final[tuple[Callable[[Reader, Request], None], ...]] = (
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

# ruff: noqa: RUF001, RUF002 - Chinese patterns and texts use full-width punctuation on purpose.
"""GUI translation: backend text that assumes the NemoVideo web app, rewritten for a chat.

The agent believes the user sits in NemoVideo's web GUI (nemo-api.md §8) and says "click
Export", "open the panel", "drag the clip", "preview in the timeline", "check your billing
page". Beatthread has no GUI; it does those things itself. :func:`translate_gui` rewrites the
GUI *instruction* and keeps everything else, so "Click the Export button to download your
city-timelapse video." becomes 'Say "export" (or use `/export`) to download your
city-timelapse video.'

Rules, English (case-insensitive) and 中文, applied in this order:

* the Export button ("click/press/hit Export", "the Export button", 点击导出按钮) →
  'say "export" (or use `/export`)' / 说“导出”（或使用 `/export`）;
* preview in the timeline ("preview/check/see … in the timeline", 在时间线中预览) →
  'say "show tracks" (or use `/status`) to see … on the timeline' / 说“显示轨道”…查看;
* dragging files in ("drag and drop your files here", 拖拽文件到这里) → "attach … to a
  message in this thread" / 直接在这个帖子里发一条带附件的消息;
* dragging a clip ("drag the clip to Y", 把X拖到Y) → "tell me where to move the clip" when
  Y only makes sense with a mouse ("the position you want"), else "ask me to move the clip
  to Y" / 告诉我要把X移到哪里, 告诉我把X移到Y; "drag the edges to trim it" → "ask me to trim it";
* account / billing pages ("check your billing page", 前往账户页面) → "use `/credits`";
* opening a panel ("open the audio panel", 打开编辑面板) → 'say "show tracks" …', or with a
  purpose ("open the panel to adjust the volume", 打开音频面板调整音量) → "ask me to adjust the
  volume" / 告诉我你想怎样调整音量;
* any other click: a quoted label ("click 'Apply'", 点击“应用”) → 'say "Apply"'; with a
  purpose ("click the text track to edit the title") → "ask me to edit the title"; else
  "tell me what to do with …".

**Not mangling ordinary text.** An English GUI verb is only rewritten in imperative position:
at the start of a sentence or clause, or after "please", "just", "then", "you can", "feel
free to"… So "I added a click track" and "an open, airy feel" stay as they are. A click on a
*link* ("click here", "click the link below") is left alone: links work in Discord too. The
Chinese 点击 is not rewritten when it is part of 点击率/点击量 (click rate/count). Nothing here
crosses a sentence boundary.

**Backend noise.** A trailing "I encountered a temporary issue…" after otherwise normal output
is noise (§4). :func:`strip_trailing_noise` removes it; a reply that is *only* noise becomes
empty, so the use case treats the turn as a silent one (state diff) instead of alarming the
user. :class:`ReplyFilter` does both for a stream: it releases translated text a sentence at a
time and holds back a trailing noise sentence until the stream ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

_Replacer = Callable[[re.Match[str]], str]

_SAY_EXPORT_EN: Final = 'say "export" (or use `/export`)'
_SHOW_TRACKS_EN: Final = 'say "show tracks" (or use `/status`)'
_CREDITS_EN: Final = "use `/credits`"
_SAY_EXPORT_ZH: Final = "说“导出”（或使用 `/export`）"
_SHOW_TRACKS_ZH: Final = "说“显示轨道”（或使用 `/status`）"
_CREDITS_ZH: Final = "使用 `/credits` 查看积分"

# Where an English instruction may start: a sentence or clause start (optionally after
# "please", "then"…), or after a modal lead-in. The lead is kept in the output.
_LEAD: Final = (
    r"(?P<lead>(?:^|(?<=[.!?;:\n(。！？；：，]))[ \t]*(?:(?:please|just|simply|then|now|first|next|"
    r"finally|also|so)[ ,]+)*"
    r"|,[ \t]*(?:(?:and|then|or|please|just|simply)[ ]+)*"
    r"|\b(?:you can|you could|you may|you might|you'll need to|you need to|you just need to|"
    r"feel free to|go ahead and|and|or|then|please|just|simply|try to|remember to|need to)[ ]+)"
)
_END: Final = r"[.!?;\n]"  # an instruction never runs past one of these
_QUOTE_OPEN: Final = "[\"'“‘「『]"
_QUOTE_CLOSE: Final = "[\"'”’」』]"
_LINK_TARGET: Final = re.compile(
    r"^(?:here|there|below|above|(?:on )?(?:the |this |that )?(?:link|url|button below)s?\b.*)$",
    re.IGNORECASE,
)
# Destinations that only make sense with a mouse: "drag it to where you want".
_VAGUE_PLACE: Final = re.compile(
    r"^(?:the )?(?:(?:desired|right|correct|preferred|new) )?(?:position|place|spot|location"
    r"|point|time)(?: you (?:want|like|prefer))?$|^where(?:ver)? you (?:want|like)( it)?$",
    re.IGNORECASE,
)
# Where files are dropped to upload them (as opposed to a place on the timeline).
_UPLOAD_PLACE: Final = re.compile(r"\b(?:upload\w*|page|window|box|area|browser|chat|editor)\b")
# "… in the top right corner": where a button sits on a screen we do not have.
_SCREEN_PLACE: Final = (
    r"(?: (?:in|at|on|from) (?:the )?(?:[\w\-]+ ){0,4}(?:corner|toolbar|menu|bar|panel|editor"
    r"|screen|page|top|bottom)\b)?"
)
_VAGUE_PLACE_ZH: Final = re.compile(r"^(?:合适|想要|理想|目标|需要)?的?(?:位置|地方|时间点)$")
_EDIT_VERBS_EN: Final = (
    r"trim|adjust|change|resize|extend|shorten|lengthen|set|make|edit|move|reorder|rearrange"
)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    replace: _Replacer


def _capitalized_like(replacement: str, match: re.Match[str]) -> str:
    """Start with a capital letter when the GUI verb did (it began a sentence)."""
    verb = match.group("verb")
    if verb[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _en(pattern: str, build: Callable[[re.Match[str]], str | None]) -> _Rule:
    """An English rule: ``pattern`` after an imperative lead; ``build`` may decline (None)."""
    compiled = re.compile(_LEAD + pattern, re.IGNORECASE | re.MULTILINE)

    def replace(match: re.Match[str]) -> str:
        built = build(match)
        if built is None:
            return match.group(0)
        return match.group("lead") + _capitalized_like(built, match)

    return _Rule(compiled, replace)


def _zh(pattern: str, build: Callable[[re.Match[str]], str]) -> _Rule:
    return _Rule(re.compile(pattern), build)


def _trimmed(phrase: str) -> str:
    return phrase.strip().strip(",")


# --- English builders -------------------------------------------------------------------


def _export_button(_: re.Match[str]) -> str:
    return _SAY_EXPORT_EN


def _preview(match: re.Match[str]) -> str:
    thing = (match.group("obj") or "").strip()
    if thing.lower() in {"", "it", "this", "that", "them"}:
        return f"{_SHOW_TRACKS_EN} to see the timeline"
    return f"{_SHOW_TRACKS_EN} to see {thing} on the timeline"


def _drag_files(match: re.Match[str]) -> str | None:
    where = (match.group("where") or "").strip().lower()
    dropped_in = not where or where.startswith(("here", "in here"))
    if not (dropped_in or _UPLOAD_PLACE.search(where)):
        return None  # "drag the video to the start": a move, for the next rule
    if not where and match.group("verb").lower() == "drop":
        return None  # "just drop the music" means remove it
    return f"attach {match.group('obj').strip()} to a message in this thread"


def _drag(match: re.Match[str]) -> str:
    thing = _trimmed(match.group("obj"))
    place = _trimmed(match.group("dest"))
    if re.match(rf"(?:{_EDIT_VERBS_EN})\b", place, re.IGNORECASE):
        return f"ask me to {place}"
    if _VAGUE_PLACE.match(place):
        return f"tell me where to move {thing}"
    return f"ask me to move {thing} to {place}"


def _billing(_: re.Match[str]) -> str:
    return _CREDITS_EN


def _open_panel(match: re.Match[str]) -> str:
    action = match.group("vp")
    return f"ask me to {action.strip()}" if action else _SHOW_TRACKS_EN


def _click(match: re.Match[str]) -> str | None:
    target = match.group("target").strip()
    if _LINK_TARGET.match(target):
        return None  # a link is clicked in Discord just the same
    action = match.group("vp")
    quoted = re.fullmatch(
        rf"(?:the |on )?{_QUOTE_OPEN}(?P<label>[^\"'”’」』]+){_QUOTE_CLOSE}(?: button| option)?",
        target,
        re.IGNORECASE,
    )
    if quoted:
        said = f'say "{quoted.group("label").strip()}"'
        return f"{said} to {action.strip()}" if action else said
    if action:
        return f"ask me to {action.strip()}"
    return f"tell me what to do with {target}"


# --- Chinese builders -------------------------------------------------------------------


def _zh_preview(_: re.Match[str]) -> str:
    return f"{_SHOW_TRACKS_ZH}查看"


def _zh_drag(match: re.Match[str]) -> str:
    thing = match.group("obj").strip()
    place = (match.group("dest") or "").strip()
    if not place or _VAGUE_PLACE_ZH.match(place):
        return f"告诉我要把{thing}移到哪里"
    return f"告诉我把{thing}移到{place}"


def _zh_open(match: re.Match[str]) -> str:
    action = match.group("vp")
    return f"告诉我你想怎样{action}" if action else f"{_SHOW_TRACKS_ZH}查看"


def _zh_click(match: re.Match[str]) -> str:
    label = match.group("label")
    if label:
        return f"说“{label.strip()}”"
    target = match.group("target").strip()
    action = match.group("vp")
    if re.search(r"链接|这里|此处|下方|上方", target):
        return match.group(0)
    if action:
        return f"告诉我你想怎样{action}"
    return f"告诉我要对{target}做什么"


# Where a Chinese instruction may start: a clause start or after 请/可以/然后/再/直接/只需/只要.
_ZH_LEAD: Final = (
    r"(?:^|(?<=[。！？；：，、\n\s])|(?<=请)|(?<=可以)|(?<=然后)|(?<=再)|(?<=直接)|(?<=只需)"
    r"|(?<=只要))"
)
_ZH_STOP: Final = r"[，。！？；\n]"
_ZH_EDIT_VERBS: Final = r"调整|修改|编辑|更改|设置|替换|删除|应用|添加|裁剪|剪切|移动"

_RULES: Final[tuple[_Rule, ...]] = (
    # Export button (before the generic click rule). "Use export presets" is not a button.
    _en(
        rf"(?P<verb>click|tap|press|hit)(?: on)? (?:the )?{_QUOTE_OPEN}?export{_QUOTE_CLOSE}?"
        rf"(?: (?:button|option|icon|menu))?{_SCREEN_PLACE}",
        _export_button,
    ),
    _en(
        rf"(?P<verb>use|select|choose)(?: the)? {_QUOTE_OPEN}?export{_QUOTE_CLOSE}?"
        rf" (?:button|option|icon|menu){_SCREEN_PLACE}",
        _export_button,
    ),
    _Rule(
        re.compile(rf"\b(?:the )?{_QUOTE_OPEN}?export{_QUOTE_CLOSE}? button", re.IGNORECASE),
        lambda _: "`/export`",
    ),
    _zh(
        rf"{_ZH_LEAD}(?:点击|单击|点一下|点|按下|按|选择)(?:一下)?(?:右上角|左上角|右下角|左下角|上方|"
        rf"顶部|底部|页面上?|界面上?|编辑器)?(?:的)?[“\"「『]?导出[”\"」』]?(?:按钮|键|选项)?",
        lambda _: _SAY_EXPORT_ZH,
    ),
    _zh(r"[“\"「『]?导出[”\"」』]?按钮", lambda _: "`/export`"),
    # Preview in the timeline.
    _en(
        r"(?P<verb>preview|check|see|view|review|look at|watch|play)(?: (?P<obj>it|this|that|them"
        r"|(?:the|your|how the|how your) [\w\- ]{1,40}?))? (?:in|on) the (?:timeline|preview"
        r"(?: window| panel| player| area)?|editor|player|canvas)(?: (?:panel|view|window|area))?",
        _preview,
    ),
    _zh(
        r"(?:在|于|到)?(?:时间线|时间轴|预览窗口|预览区域?|预览面板|播放器)(?:中|上|里|内)?"
        r"(?:预览|查看|播放)",
        _zh_preview,
    ),
    # Drag and drop: files (an upload) before clips (a move).
    _en(
        r"(?P<verb>drag(?: and drop|-and-drop| & drop| ?n ?drop)?|drop)"
        r" (?P<obj>(?:your |the |a |an |any )?(?:files?|media|videos?|images?|photos?|audio"
        r"|music|tracks?|songs?|assets?))"
        r"(?P<where> (?:here|in here|into|onto|to|over|in)\b[^.!?;\n]*)?",
        _drag_files,
    ),
    _en(
        r"(?P<verb>drag)(?: and drop)? (?P<obj>[^.!?;\n]{1,40}?) (?:to|onto|into|over)"
        r" (?P<dest>[^.!?;\n,]+)",
        _drag,
    ),
    _zh(
        r"(?:拖拽|拖动|拖放|拖入|拖)(?:你的|您的)?(?:文件|素材|视频|图片|音频|音乐)"
        r"(?:到|至|进)?(?:这里|此处|上传区域?|上传框|编辑器|页面)?(?:中|里|内)?"
        r"(?:即可|来|以|就可以|就能)?(?:上传|添加)?",
        lambda _: "直接在这个帖子里发一条带附件的消息",
    ),
    _zh(
        r"(?:将|把)(?P<obj>[^，。！？；\n]{1,15}?)(?:拖拽|拖动|拖放|拖)(?:到|至)"
        r"(?P<dest>[^，。！？；\n]*)",
        _zh_drag,
    ),
    _zh(
        r"(?:拖拽|拖动|拖放)(?P<obj>[^，。！？；\n]{1,15}?)(?:到|至)(?P<dest>[^，。！？；\n]*)",
        _zh_drag,
    ),
    # Billing / account pages (before the generic "open" rule).
    _en(
        r"(?P<verb>check|visit|go to|open|head to|head over to|see|look at)"
        r" (?:your |the )?(?:nemovideo )?(?:account|billing|subscription|dashboard|pricing|wallet)"
        r"(?: and billing)?(?: (?:page|settings|section|center|centre|panel|tab))?",
        _billing,
    ),
    _Rule(
        re.compile(
            r"\b(?:on|in|via|from|at) (?:your |the )?(?:nemovideo )?(?:account|billing|subscription"
            r"|dashboard|pricing)(?: (?:page|settings|section|center|centre|panel|tab))\b",
            re.IGNORECASE,
        ),
        lambda _: "(see `/credits`)",
    ),
    _zh(
        r"(?:前往|打开|查看|进入|去|到|在)?(?:您的|你的)?(?:账户|账号|账单|计费|充值|订阅)"
        r"(?:页面|中心|设置|后台)(?:中|里|内)?(?:充值|购买积分|查看)?",
        lambda _: _CREDITS_ZH,
    ),
    # Open a panel.
    _en(
        r"(?P<verb>open|go to|head to|navigate to|switch to)(?: up)? (?:the |your )?"
        r"(?:[\w\-]+ ){0,3}?(?:panel|editor|sidebar|settings|menu|tab|window|timeline|inspector"
        r"|properties)(?: (?:panel|tab|view|window))?(?: to (?P<vp>[^.!?;\n]+))?",
        _open_panel,
    ),
    _zh(
        rf"{_ZH_LEAD}打开(?:[^，。！？；\n]{{0,10}}?)(?:面板|编辑器|侧边栏|设置|菜单|窗口|时间线|时间轴"
        rf"|属性栏)(?:(?:来|以|去|并|，)?(?P<vp>(?:{_ZH_EDIT_VERBS})[^，。！？；\n]*))?",
        _zh_open,
    ),
    # Any other click.
    _en(
        r"(?P<verb>click|tap|double-click|right-click)(?: on)?"
        rf" (?P<target>[^.!?;\n,]{{1,40}}?)(?: to (?P<vp>[^.!?;\n]+))?(?={_END}|,|$)",
        _click,
    ),
    _zh(
        rf"{_ZH_LEAD}(?:点击|单击|双击|点一下)(?!率|量|数)(?:[“\"「『](?P<label>[^”\"」』\n]+)"
        rf"[”\"」』](?:按钮|键)?|(?P<target>[^，。！？；\n]{{1,15}}?)(?:即可|来|以|就可以|，)?"
        rf"(?P<vp>(?:{_ZH_EDIT_VERBS})[^，。！？；\n]*)?(?={_ZH_STOP}|$))",
        _zh_click,
    ),
)


def translate_gui(text: str) -> str:
    """Rewrite GUI instructions in backend text into what Beatthread does instead."""
    for rule in _RULES:
        text = rule.pattern.sub(rule.replace, text)
    return text


# --- backend noise ----------------------------------------------------------------------

_NOISE: Final = re.compile(
    r"(?:i(?:'ve| have)? (?:encountered|ran into|hit) (?:a |an |some )?temporary"
    r" (?:issue|problem|error|glitch)"
    r"|我(?:刚才)?遇到了?(?:一个|一些)?临时(?:性)?(?:的)?(?:问题|错误|故障))",
    re.IGNORECASE,
)
# Text after the noise phrase longer than this is real content, not trailing noise.
MAX_NOISE_TAIL: Final = 300


def strip_trailing_noise(text: str) -> str:
    """Remove a trailing "I encountered a temporary issue…" (and what follows it).

    A reply that is only noise becomes ``""``. Noise followed by more than
    :data:`MAX_NOISE_TAIL` characters is not trailing, and the text is returned unchanged.
    """
    start = _noise_start(text)
    if start is None or len(text) - start > MAX_NOISE_TAIL:
        return text
    return text[:start].rstrip()


def is_noise(text: str) -> bool:
    """Whether ``text`` is nothing but backend noise."""
    return bool(text.strip()) and not strip_trailing_noise(text).strip()


def _noise_start(text: str) -> int | None:
    """Where the noise sentence starts: the start of the sentence holding the phrase."""
    matches = list(_NOISE.finditer(text))
    if not matches:
        return None
    match = matches[-1]  # only the last occurrence can be trailing
    boundary = max(text.rfind(mark, 0, match.start()) for mark in ".!?。！？\n")
    start = boundary + 1
    while start < match.start() and text[start].isspace():
        start += 1
    return start


# --- streaming --------------------------------------------------------------------------

_SENTENCE_END: Final = re.compile(r"[.!?…](?=\s)|[。！？；\n]")
# A sentence that never ends (a long list item, a code block line) is released anyway.
MAX_HELD_CHARS: Final = 400


class ReplyFilter:
    """Translate a streamed reply sentence by sentence and hold back trailing noise.

    Feed text deltas; each call returns the translated text that is safe to show now (complete
    sentences). :meth:`finish` returns the rest, minus trailing noise. The concatenation of
    everything returned is ``strip_trailing_noise(translate_gui(full_text))`` up to the
    sentence boundaries the translation sees.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, delta: str) -> str:
        """Add a delta; return the translated text that is ready to show (may be empty)."""
        self._pending += delta
        cut = self._release_point()
        if cut == 0:
            return ""
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return translate_gui(ready)

    def finish(self) -> str:
        """The translated rest of the reply, with trailing noise removed."""
        rest, self._pending = self._pending, ""
        return translate_gui(strip_trailing_noise(rest))

    def _release_point(self) -> int:
        """How much of the pending text can be shown now.

        Up to the last sentence end, but never a noise sentence (it may be trailing) unless
        enough real content follows it.
        """
        text = self._pending
        noise = _noise_start(text)
        if noise is not None and len(text) - noise <= MAX_NOISE_TAIL:
            return len(text[:noise].rstrip())
        ends = [match.end() for match in _SENTENCE_END.finditer(text)]
        if ends:
            # Whitespace after the sentence waits for what follows: if that is trailing noise,
            # the reply must not end in a dangling newline.
            return len(text[: ends[-1]].rstrip())
        if len(text) > MAX_HELD_CHARS:
            space = text.rfind(" ")
            return space + 1 if space > 0 else len(text)
        return 0

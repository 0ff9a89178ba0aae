"""The intent router: which use case a message in a conversation goes to.

Client-side routing per nemo-api.md §8: export / credits / state / upload are handled by
Beatthread itself; everything else is a chat turn sent to the agent. The backend is never asked
to export. A front end routes a message once, here, and hands the :class:`Intent` on with it
(:class:`~bot.core.usecases.IncomingMessage`).

**Decision rule.** A message is a *command* only if the whole message is one: after
normalising (NFKC, case-folded, a leading bot mention and ``/`` or ``!`` prefix dropped,
punctuation and emoji ignored) every word must belong to the vocabulary of one intent, and at
least one of them must be that intent's *keyword*. The vocabulary of an intent is its keywords,
its own filler words (``video``, ``mp4`` for export; ``how``, ``many``, ``left`` for credits)
and the common filler words (``please``, ``can``, ``you``, ``it``, ``now``…). One word outside
the vocabulary makes the message a chat turn. So:

* "export", "Export!", "export please", "can you export it?", "render it now", "send me the
  video", "how many credits do I have left", "show tracks" → commands;
* "I exported this from Ableton, make the visuals darker" (``exported`` is not a keyword, and
  ``ableton``, ``visuals``, ``darker`` are content), "balance the colors", "add credits text at
  the end: produced by Mia", "what's the status quo of lo-fi visuals?" → chat, because an edit
  request that merely uses one of the words belongs to the agent;
* negations make content: "don't export yet" → chat.

Keywords match whole words only and only in their base form (``export``, not ``exported`` or
``exporting``), which is what people type as a command. A message longer than
:data:`MAX_COMMAND_CHARS` is a chat turn without looking further: commands are short.

**Chinese** has no spaces, so runs of CJK characters are segmented against the same
vocabulary, choosing the segmentation that leaves the fewest characters uncovered
(导出, 下载, 积分, 余额, 状态, 时间线, 轨道, 上传 as keywords; 请, 帮我, 一下, 视频, 多少,
还剩… as fillers). A character that no vocabulary entry covers is
content, so "把标题改成导出测试" (rename the title to "export test") is chat while "导出视频",
"帮我导出一下" and "积分还剩多少" are commands. Traditional forms (匯出, 下載, 積分, 餘額, 狀態,
上傳) are keywords too.

**Ties and files.** A message with attachments is always an upload; its text goes along as
:attr:`Intent.text` so the use case can send a caption to the agent after the upload. If the
words fit two intents (rare: a word is a keyword of one intent and a filler of another), the
first in :class:`IntentKind` order wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class IntentKind(StrEnum):
    """The use case a message goes to; the order is the tie-break order."""

    EXPORT = "export"
    CREDITS = "credits"
    STATE = "state"
    UPLOAD = "upload"
    CHAT = "chat"


@dataclass(frozen=True, slots=True)
class Intent:
    """A routed message: the use case and the message text (mention and whitespace removed)."""

    kind: IntentKind
    text: str


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    keywords: frozenset[str]
    fillers: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning of their own in a command ("can you … please").
# Deliberately no verbs that describe an edit (make, add, change, use…) and no negations.
_COMMON_FILLERS: Final = _words(
    """
    please pls plz can could would will you u i i'd i'm me my mine the a an it it's its this
    that these those now just ok okay alright hey hi hello yo thanks thank thx so then and also
    bot beatthread go ahead let's lets want wanna like need to for again right asap quick
    quickly real is are do does did we our us have has got see show check get give tell what
    what's whats current currently still of
    请 请帮我 麻烦 帮 帮我 给 给我 把 将 我 我的 你 您 的 了 一下 下 吧 呢 吗 嘛 啊 呀 哦 好 好的
    谢谢 现在 马上 立刻 立即 要 想 想要 能 能不能 可以 可不可以 再 一次 看 看看 看一下 查 查看
    查一下 查询 显示 我们 是 什么 怎么样 如何 目前 当前 有 一个 請 幫我 給我 還
    """
)

_VOCABULARY: Final[dict[IntentKind, _Vocabulary]] = {
    IntentKind.EXPORT: _Vocabulary(
        keywords=_words("export download render send 导出 下载 发给我 发我 匯出 導出 下載"),
        fillers=_words(
            """
            video mp4 file final finished result movie clip version cut out as in hd link
            whole full done finally
            视频 成片 文件 成 为 来 出来 最终 完整 版 链接 影片 視頻 檔案
            """
        ),
    ),
    IntentKind.CREDITS: _Vocabulary(
        keywords=_words("credits credit balance 积分 余额 额度 積分 餘額"),
        fillers=_words(
            """
            how many much left remaining remain account there any
            多少 还有 还剩 剩 剩余 剩下 几 个 账户 账号 一共 还 共
            """
        ),
    ),
    IntentKind.STATE: _Vocabulary(
        keywords=_words(
            """
            status state track tracks timeline progress
            状态 时间线 时间轴 轨道 进度 狀態 時間線 軌道
            """
        ),
        fillers=_words(
            """
            on list view overview summary update any how's hows where are all export
            所有 全部 列出 怎样 哪些 项目 狀況
            """
        ),
    ),
    IntentKind.UPLOAD: _Vocabulary(
        keywords=_words("upload 上传 上傳"),
        fillers=_words(
            """
            file files track tracks song songs audio music image images photo picture another
            new one more some
            文件 歌 歌曲 一首 首 新 新的 音乐 音频 图片 照片 素材 个 张 另一个 一些
            """
        ),
    ),
}

# Commands are short; a long message is a chat turn without looking at its words.
MAX_COMMAND_CHARS: Final = 100

_MENTION: Final = re.compile(r"^\s*<@!?\d+>\s*")
_CJK_CHAR: Final = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A token is a run of CJK characters, or a word of other letters/digits (with inner
# apostrophes, so "what's" and "don't" stay one word).
_TOKEN: Final = re.compile(
    rf"[{_CJK_CHAR}]+|(?:(?![{_CJK_CHAR}])[^\W_])+(?:'(?:(?![{_CJK_CHAR}])[^\W_])+)*"
)
_CJK_RUN: Final = re.compile(rf"[{_CJK_CHAR}]+")


def _cjk_words() -> frozenset[str]:
    every = set(_COMMON_FILLERS)
    for vocabulary in _VOCABULARY.values():
        every |= vocabulary.keywords | vocabulary.fillers
    return frozenset(word for word in every if _CJK_RUN.fullmatch(word))


_CJK_WORDS: Final = _cjk_words()
_LONGEST_CJK_WORD: Final = max(len(word) for word in _CJK_WORDS)


def route(text: str, *, has_files: bool = False) -> Intent:
    """Decide which use case a message goes to (the rule is in the module docstring)."""
    cleaned = _MENTION.sub("", text).strip()
    if has_files:
        return Intent(IntentKind.UPLOAD, cleaned)
    if len(cleaned) > MAX_COMMAND_CHARS:
        return Intent(IntentKind.CHAT, cleaned)
    words = tokenize(cleaned)
    for kind, vocabulary in _VOCABULARY.items():
        if _is_command(words, vocabulary):
            return Intent(kind, cleaned)
    return Intent(IntentKind.CHAT, cleaned)


def tokenize(text: str) -> list[str]:
    """Split a message into lower-case words; CJK runs are segmented by the vocabulary."""
    normalised = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    words: list[str] = []
    for token in _TOKEN.findall(normalised):
        if _CJK_RUN.fullmatch(token):
            words.extend(_segment_cjk(token))
        else:
            words.append(token)
    return words


def _is_command(words: list[str], vocabulary: _Vocabulary) -> bool:
    allowed = vocabulary.keywords | vocabulary.fillers | _COMMON_FILLERS
    return (
        bool(words)
        and all(word in allowed for word in words)
        and any(word in vocabulary.keywords for word in words)
    )


def _segment_cjk(run: str) -> list[str]:
    """Segment a CJK run into vocabulary words, leaving as few characters uncovered as possible.

    Dynamic programming rather than greedy longest match, so a filler that happens to start
    inside a longer word does not leave a character stranded. Uncovered characters become
    one-character words, which no vocabulary contains: they make the message a chat turn.
    """
    # best[i] = (uncovered characters, words) for the segmentation of run[:i]
    best: list[tuple[int, list[str]]] = [(0, [])]
    for end in range(1, len(run) + 1):
        uncovered, words = best[end - 1]
        candidate = (uncovered + 1, [*words, run[end - 1]])
        for start in range(max(0, end - _LONGEST_CJK_WORD), end):
            word = run[start:end]
            if word in _CJK_WORDS:
                uncovered, words = best[start]
                if (uncovered, len(words) + 1) < (candidate[0], len(candidate[1])):
                    candidate = (uncovered, [*words, word])
        best.append(candidate)
    return best[-1][1]

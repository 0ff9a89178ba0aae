# ruff: noqa: RUF001 - Chinese texts use full-width punctuation on purpose.
"""The words of the local backend's web pages (EN, 中文): ``str.format`` templates.

Both catalogues have the same keys and the same ``{placeholders}`` (a test holds them to it).
The language is the project's (its session's) on a project page, else the browser's.
"""

from __future__ import annotations

from typing import Final

from bot.core.texts import base_language

_EN: Final[dict[str, str]] = {
    "not_found_title": "Project not found",
    "not_found_body": "This project link is unknown or has expired.",
    "default_title": "Your music video",
    "tempo": "Tempo",
    "length": "Length",
    "bpm": "{bpm} BPM",
    "steady": "no clear beat; cut on a steady {bpm} BPM grid",
    "analysing": "Analysing the track… reload the page in a moment.",
    "no_track": "No track uploaded yet.",
    "timeline": "Timeline",
    "timeline_alt": "The timeline: its tracks, cuts and beat grid",
    "videos": "Videos",
    "no_video": "No finished video yet. Say “export” in the thread.",
    "rendering": "A video is rendering now; reload the page when it is done.",
    "download": "Download MP4",
    "video_facts": "{length} · {size}",
    "megabytes": "{size} MB",
    "kilobytes": "{size} KB",
    "register_title": "No registration needed",
    "register_body": (
        "This is Beatthread's local studio: it runs on this machine, needs no account and "
        "costs no credits."
    ),
}

_ZH: Final[dict[str, str]] = {
    "not_found_title": "找不到项目",
    "not_found_body": "这个项目链接不存在或已过期。",
    "default_title": "你的音乐视频",
    "tempo": "速度",
    "length": "时长",
    "bpm": "{bpm} BPM",
    "steady": "没有清晰的节拍；按固定的 {bpm} BPM 网格剪辑",
    "analysing": "正在分析音轨……请稍后刷新页面。",
    "no_track": "还没有上传音轨。",
    "timeline": "时间线",
    "timeline_alt": "时间线：轨道、剪辑点和节拍网格",
    "videos": "视频",
    "no_video": "还没有完成的视频。在帖子里说“导出”。",
    "rendering": "有一个视频正在渲染；完成后请刷新页面。",
    "download": "下载 MP4",
    "video_facts": "{length} · {size}",
    "megabytes": "{size} MB",
    "kilobytes": "{size} KB",
    "register_title": "无需注册",
    "register_body": "这是 Beatthread 的本地工作室：它运行在本机，不需要账号，也不花积分。",
}

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": _EN, "zh": _ZH}
"""The catalogues by base language; exposed for the parity test."""


def say(key: str, lang: str | None, **kwargs: object) -> str:
    """The page text for ``key`` in ``lang`` (any ``zh`` code is Chinese), filled in."""
    return CATALOGUES[base_language(lang)][key].format(**kwargs)

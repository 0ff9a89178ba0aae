# ruff: noqa: RUF001 - Chinese texts use full-width punctuation on purpose.
"""The finished video's post: what it says it carries, and only links people can open."""

import pytest

from bot.core.media import Attached
from bot.core.texts import export_post_text, export_ready_text

PUBLIC = "https://cdn.example.org/renders/r1.mp4"
LOCAL = "http://127.0.0.1:8123/media/renders/r1.mp4"
PROJECT = "https://nemovideo.com/workspace/claim?token=t"
LOCAL_PROJECT = "http://127.0.0.1:8123/workspace/claim?token=t"
READY = "✅ Your video is ready"
SMALLER = f"{READY}. The attached video is a smaller copy sized for Discord."
OPEN = f"Open the project: {PROJECT}"


@pytest.mark.parametrize(
    ("url", "project_url", "attached", "expected"),
    [
        pytest.param(
            PUBLIC, PROJECT, Attached.ORIGINAL, f"{READY}: {PUBLIC}\n{OPEN}", id="as-before"
        ),
        pytest.param(PUBLIC, None, Attached.NOTHING, f"{READY}: {PUBLIC}", id="link-only"),
        pytest.param(LOCAL, PROJECT, Attached.ORIGINAL, f"{READY} (attached).\n{OPEN}", id="local"),
        pytest.param(
            PUBLIC,
            PROJECT,
            Attached.SMALLER_COPY,
            f"{SMALLER}\nFull quality: {PUBLIC}\n{OPEN}",
            id="copy-beside-the-full-quality",
        ),
        pytest.param(LOCAL, None, Attached.SMALLER_COPY, SMALLER, id="copy-of-a-local-video"),
        pytest.param(
            PUBLIC, LOCAL_PROJECT, Attached.ORIGINAL, f"{READY}: {PUBLIC}", id="local-project"
        ),
    ],
)
def test_export_post_text(url: str, project_url: str | None, attached: Attached, expected: str):
    """A local link is left out; a public one stays beside the file, as the full quality."""
    assert export_post_text("en", url, project_url, attached) == expected


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_nothing_to_attach_and_nothing_to_link_says_where_the_video_is(lang: str) -> None:
    """Neither file nor link: the post says the video is on the bot's host, and the setting."""
    words = export_post_text(lang, LOCAL, LOCAL_PROJECT, Attached.NOTHING)
    assert "127.0.0.1" not in words
    assert "`LOCAL_BACKEND_PUBLIC_URL`" in words
    assert ("主机" if lang == "zh-CN" else "the bot's host") in words


def test_the_terminal_keeps_every_link() -> None:
    """The console runs on the host itself: a local link is the one it can open."""
    assert export_ready_text("en", LOCAL, None) == f"{READY}: {LOCAL}"
    assert export_ready_text("zh", LOCAL, PROJECT) == f"✅ 视频已完成：{LOCAL}\n打开项目：{PROJECT}"

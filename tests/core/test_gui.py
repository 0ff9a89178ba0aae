# ruff: noqa: RUF001 - Chinese and full-width text is the point of these cases.
"""GUI translation: web-app instructions become what Beatthread does; other text is untouched."""

import pytest

from bot.core.gui import ReplyFilter, is_noise, strip_trailing_noise, translate_gui

SAY_EXPORT = 'say "export" (or use `/export`)'
SHOW_TRACKS = 'say "show tracks" (or use `/status`)'
ZH_EXPORT = "说“导出”（或使用 `/export`）"
ZH_TRACKS = "说“显示轨道”（或使用 `/status`）"

TRANSLATIONS = [
    # --- Export button
    (
        "Your video is ready! Click the Export button to download it.",
        f"Your video is ready! {SAY_EXPORT[0].upper() + SAY_EXPORT[1:]} to download it.",
    ),
    (
        "You can click Export in the top right corner when you're happy.",
        f"You can {SAY_EXPORT} when you're happy.",
    ),
    ("Once you're happy, hit Export.", f"Once you're happy, {SAY_EXPORT}."),
    ('Just press "Export" and pick 1080p.', f"Just {SAY_EXPORT} and pick 1080p."),
    ("Use the Export button when ready.", f"{SAY_EXPORT[0].upper() + SAY_EXPORT[1:]} when ready."),
    ("点击右上角的导出按钮即可下载视频。", f"{ZH_EXPORT}即可下载视频。"),
    ("完成后请点击“导出”。", f"完成后请{ZH_EXPORT}。"),
    # --- preview in the timeline
    (
        "I've added a title at the start. You can preview it in the timeline.",
        f"I've added a title at the start. You can {SHOW_TRACKS} to see the timeline.",
    ),
    (
        "Preview the title animation in the timeline.",
        'Say "show tracks" (or use `/status`) to see the title animation on the timeline.',
    ),
    ("您可以在时间线中预览效果。", f"您可以{ZH_TRACKS}查看效果。"),
    # --- drag
    ("Drag the clip to the position you want.", "Tell me where to move the clip."),
    (
        "Drag the logo to the top-right corner of the canvas.",
        "Ask me to move the logo to the top-right corner of the canvas.",
    ),
    ("Drag the edges of the clip to trim it.", "Ask me to trim it."),
    (
        "Drag and drop your files here to upload them.",
        "Attach your files to a message in this thread.",
    ),
    (
        "Drag the video to the start of the timeline.",
        "Ask me to move the video to the start of the timeline.",
    ),
    ("Select the Export option.", f"{SAY_EXPORT[0].upper() + SAY_EXPORT[1:]}."),
    ("将片段拖拽到合适位置。", "告诉我要把片段移到哪里。"),
    ("把标题拖动到视频开头。", "告诉我把标题移到视频开头。"),
    ("拖拽文件到这里即可上传。", "直接在这个帖子里发一条带附件的消息。"),
    # --- open a panel
    ("Open the editing panel to adjust the volume.", "Ask me to adjust the volume."),
    ("Open the audio panel.", f"{SHOW_TRACKS[0].upper() + SHOW_TRACKS[1:]}."),
    ("打开音频面板调整音量。", "告诉我你想怎样调整音量。"),
    ("打开编辑面板。", f"{ZH_TRACKS}查看。"),
    # --- billing / account
    (
        "Please check your billing page to top up credits.",
        "Please use `/credits` to top up credits.",
    ),
    (
        "You can top up credits in your account settings.",
        "You can top up credits (see `/credits`).",
    ),
    ("请前往账户页面充值。", "请使用 `/credits` 查看积分。"),
    # --- other clicks
    ("Click on the text track to edit the title.", "Ask me to edit the title."),
    ("Click 'Apply' to confirm.", 'Say "Apply" to confirm.'),
    ('Click "Generate".', 'Say "Generate".'),
    ("Then click the star icon.", "Then tell me what to do with the star icon."),
    ("点击文字轨道编辑标题。", "告诉我你想怎样编辑标题。"),
    ("点击“应用”按钮。", "说“应用”。"),
    # --- the content around an instruction survives
    (
        "I synced the city timelapse to the beat (cuts every 2 bars). Click Export to get the MP4.",
        "I synced the city timelapse to the beat (cuts every 2 bars). "
        'Say "export" (or use `/export`) to get the MP4.',
    ),
]

UNCHANGED = [
    "I added a click track sound effect at 0:03.",
    "The vibe is open and airy, with a drag on the snare.",
    "The export will be 1080p. Drag racing footage works well here.",
    "Click here to register: https://nemovideo.com/register?bind=anon_1",
    "Click the link below to open your project.",
    "The preview looks great: neon lights, rain, slow zoom.",
    "Exported files keep your timeline in the project.",
    "Want me to make it darker? Just open your mind.",
    "You can use export presets in Premiere.",
    "Just drop the music and keep the vocals.",
    "Hit songs often open with the hook.",
    "视频的点击率很高。",
    "点击率很高，打开思路很重要。",
    "我把标题改成了“Urban Dreams”，持续 3 秒。",
    "```python\nprint('no gui here')\n```",
    "",
]


@pytest.mark.parametrize(("backend_text", "expected"), TRANSLATIONS)
def test_translate_gui(backend_text: str, expected: str) -> None:
    """GUI instructions become the chat equivalent; the content around them stays."""
    assert translate_gui(backend_text) == expected


@pytest.mark.parametrize("ordinary", UNCHANGED)
def test_ordinary_text_is_not_mangled(ordinary: str) -> None:
    """Music words like "click track" and links to click are left alone."""
    assert translate_gui(ordinary) == ordinary


def test_table_is_large_enough() -> None:
    """The brief asks for at least 20 cases."""
    assert len(TRANSLATIONS) + len(UNCHANGED) >= 20


def test_translation_is_idempotent() -> None:
    """Translating twice changes nothing more: replacements contain no GUI phrase."""
    for backend_text, _ in TRANSLATIONS:
        once = translate_gui(backend_text)
        assert translate_gui(once) == once


NOISE = [
    ("Done! I added the title.\n\nI encountered a temporary issue.", "Done! I added the title."),
    (
        "Done! I added the title. I encountered a temporary issue, please try again.",
        "Done! I added the title.",
    ),
    ("Title added. I've encountered a temporary error.", "Title added."),
    ("标题已添加。我遇到了一个临时问题，请稍后再试。", "标题已添加。"),
    ("I encountered a temporary issue.", ""),
    ("All good, nothing odd here.", "All good, nothing odd here."),
    (
        "I encountered a temporary issue. " + "But here is a long real answer. " * 20,
        "I encountered a temporary issue. " + "But here is a long real answer. " * 20,
    ),
    (
        "I encountered a temporary issue. "
        + "Real answer. " * 30
        + "I encountered a temporary issue.",
        ("I encountered a temporary issue. " + "Real answer. " * 30).rstrip(),
    ),
]


@pytest.mark.parametrize(("text", "expected"), NOISE)
def test_strip_trailing_noise(text: str, expected: str) -> None:
    """The backend's trailing "temporary issue" line is not shown to users (§4)."""
    assert strip_trailing_noise(text) == expected


@pytest.mark.parametrize(
    ("text", "noise"),
    [
        ("I encountered a temporary issue.", True),
        ("  I encountered a temporary issue, sorry!  ", True),
        ("我遇到了临时问题。", True),
        ("Done. I encountered a temporary issue.", False),
        ("", False),
    ],
)
def test_is_noise(text: str, noise: bool) -> None:
    """A reply that is only noise is a silent turn (the use case diffs the state instead)."""
    assert is_noise(text) is noise


def stream(text: str, step: int) -> tuple[list[str], str]:
    reply = ReplyFilter()
    released = [reply.feed(text[i : i + step]) for i in range(0, len(text), step)]
    return released, "".join(released) + reply.finish()


WHOLE_REPLY = " ".join(backend_text for backend_text, _ in TRANSLATIONS)


@pytest.mark.parametrize("step", [1, 3, 17, 1000])
def test_reply_filter_matches_whole_text_translation(step: int) -> None:
    """However the stream is cut into deltas, the user sees the same translated text."""
    _, shown = stream(WHOLE_REPLY, step)
    assert shown == translate_gui(WHOLE_REPLY)


@pytest.mark.parametrize("step", [1, 5, 1000])
def test_reply_filter_drops_trailing_noise(step: int) -> None:
    """Noise at the end of a stream never reaches the user, even briefly."""
    text = "Title added. Click Export when ready.\nI encountered a temporary issue. Try again."
    released, shown = stream(text, step)
    assert shown == 'Title added. Say "export" (or use `/export`) when ready.'
    assert not any("temporary" in piece for piece in released)


def test_reply_filter_releases_noise_followed_by_real_content() -> None:
    """Noise in the middle of a long reply is not trailing: the reply is shown whole."""
    text = "I encountered a temporary issue. " + "Here is the real answer. " * 20
    _, shown = stream(text, 7)
    assert shown == text


def test_reply_filter_noise_only_reply_is_empty() -> None:
    """A turn whose only text is noise shows nothing (and counts as a silent turn)."""
    assert stream("I encountered a temporary issue.", 4)[1] == ""


def test_reply_filter_releases_by_sentence() -> None:
    """Text appears a sentence at a time, so a GUI phrase is never shown half-translated."""
    reply = ReplyFilter()
    assert reply.feed("Your video is ready! Click the Ex") == "Your video is ready!"
    assert reply.feed("port button.") == ""
    assert reply.feed(" Enjoy") == ' Say "export" (or use `/export`).'
    assert reply.finish() == " Enjoy"


def test_reply_filter_releases_a_long_sentence_without_end() -> None:
    """A very long run without a sentence end is released at a space, not held forever."""
    reply = ReplyFilter()
    released = reply.feed("word " * 100)
    assert released
    assert released + reply.finish() == "word " * 100

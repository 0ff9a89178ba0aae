# ruff: noqa: RUF001 - Chinese and full-width text is the point of these cases.
"""The intent router: commands route, sentences that merely mention a keyword go to chat."""

import pytest

from bot.core.intents import Intent, IntentKind, route, tokenize

EXPORT, CREDITS, STATE, UPLOAD, CHAT = (
    IntentKind.EXPORT,
    IntentKind.CREDITS,
    IntentKind.STATE,
    IntentKind.UPLOAD,
    IntentKind.CHAT,
)

PHRASES = [
    # --- export: short commands in many shapes
    ("export", EXPORT),
    ("Export!", EXPORT),
    ("EXPORT", EXPORT),
    ("export please", EXPORT),
    ("can you export it?", EXPORT),
    ("Could you please export the video for me?", EXPORT),
    ("render it now", EXPORT),
    ("render the final video", EXPORT),
    ("download", EXPORT),
    ("download the mp4", EXPORT),
    ("send me the video", EXPORT),
    ("send me the final cut pls", EXPORT),
    ("ok export", EXPORT),
    ("/export", EXPORT),
    ("<@123456789> export please", EXPORT),
    ("Export it as mp4", EXPORT),
    ("let's export", EXPORT),
    ("export 🚀", EXPORT),
    ("导出", EXPORT),
    ("导出视频", EXPORT),
    ("帮我导出一下", EXPORT),
    ("帮我把视频导出来", EXPORT),
    ("下载", EXPORT),
    ("我要下载成片", EXPORT),
    ("把视频发给我", EXPORT),
    ("导出成MP4", EXPORT),
    ("请匯出影片", EXPORT),
    ("export 一下", EXPORT),
    # --- credits
    ("credits", CREDITS),
    ("Credits?", CREDITS),
    ("how many credits do I have left", CREDITS),
    ("what's my balance", CREDITS),
    ("check balance", CREDITS),
    ("balance?", CREDITS),
    ("积分", CREDITS),
    ("积分还剩多少", CREDITS),
    ("我还有多少积分？", CREDITS),
    ("查一下余额", CREDITS),
    ("余额", CREDITS),
    # --- state
    ("status", STATE),
    ("what's the status?", STATE),
    ("show tracks", STATE),
    ("show me the timeline", STATE),
    ("what's on the timeline?", STATE),
    ("export status", STATE),
    ("any progress?", STATE),
    ("状态", STATE),
    ("现在什么状态", STATE),
    ("看看时间线", STATE),
    ("显示轨道", STATE),
    # --- upload without a file (the use case asks for the attachment)
    ("upload", UPLOAD),
    ("I want to upload a new track", UPLOAD),
    ("上传", UPLOAD),
    ("我想上传一首新歌", UPLOAD),
    # --- chat: the words appear, but as part of an edit request or in another sense
    ("I exported this from Ableton, make the visuals darker", CHAT),
    ("the download link from my label is broken, anyway add a title", CHAT),
    ("what's the status quo of lo-fi visuals? make it moody", CHAT),
    ("balance the colors", CHAT),
    ("add credits text at the end: produced by Mia", CHAT),
    ("don't export yet", CHAT),
    ("export the drums louder", CHAT),
    ("render the sky in pink", CHAT),
    ("send it to my label", CHAT),
    ("can you download the song from youtube", CHAT),
    ("I uploaded the wrong song, use the second one instead", CHAT),
    ("show the title bigger", CHAT),
    ("add more tracks of rain footage", CHAT),
    ("sync visuals to the beat", CHAT),
    ("neon city at night, cut to the beat", CHAT),
    ("exporting takes forever on my laptop lol", CHAT),
    ("", CHAT),
    ("   ", CHAT),
    ("把标题改成导出测试", CHAT),
    ("导出的时候能不能把字幕去掉", CHAT),
    ("上传失败了怎么办", CHAT),
    ("余额宝", CHAT),
    ("加一个标题：积分榜", CHAT),
    ("给视频加上霓虹灯效果", CHAT),
    ("把状态栏那种风格加到开头", CHAT),
    ("export " * 30 + "and make it pop", CHAT),
]


@pytest.mark.parametrize(("message", "expected"), PHRASES)
def test_route(message: str, expected: IntentKind) -> None:
    """Each message goes to the use case a musician typing it would expect."""
    assert route(message).kind is expected


def test_table_is_large_enough() -> None:
    """The issue asks for at least 60 phrases, English and Chinese."""
    assert len(PHRASES) >= 60


@pytest.mark.parametrize(
    "message",
    ["make the visuals darker", "export", "", "把标题改成蓝色"],
)
def test_files_always_mean_upload(message: str) -> None:
    """A message with attachments is an upload; its text rides along as the caption."""
    intent = route(message, has_files=True)
    assert intent == Intent(IntentKind.UPLOAD, message)


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("<@42> make it darker  ", "make it darker"),
        ("<@!42>   export", "export"),
        ("  加一个标题  ", "加一个标题"),
    ],
)
def test_text_is_cleaned_of_mention_and_whitespace(message: str, text: str) -> None:
    """The text forwarded to the agent carries no bot mention or padding."""
    assert route(message).text == text


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("Can you EXPORT it?", ["can", "you", "export", "it"]),
        ("what’s the status", ["what's", "the", "status"]),
        ("导出视频", ["导出", "视频"]),
        ("帮我导出一下吧", ["帮我", "导出", "一下", "吧"]),
        ("把标题改成导出测试", ["把", "标", "题", "改", "成", "导出", "测", "试"]),
        ("ｅｘｐｏｒｔ！", ["export"]),
    ],
)
def test_tokenize(message: str, words: list[str]) -> None:
    """Tokens are case-folded, width-normalised words; CJK runs are segmented."""
    assert tokenize(message) == words

# ruff: noqa: RUF001 - Chinese and full-width text is the point of these cases.
"""The reply language: the script of a first message, and the one order of fallbacks."""

import pytest

from bot.core.language import CHINESE, ENGLISH, is_ideograph, reply_language, script_language


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("给我做一个霓虹城市风格的视频", CHINESE),
        ("把 BPM 调到 120，画面踩点", CHINESE),  # 7 ideographs, 3 Latin letters
        ("做个霓虹MV，要neon风格", CHINESE),  # 7 of 13 letters
        ("做个MV，要neon风格", ENGLISH),  # 5 of 11: mixed, but not mostly 中文
        ("neon city at night, cut to the beat", ENGLISH),
        ("new track", ENGLISH),
        ("Dreams 梦", ENGLISH),
        ("こんにちは、ビデオを作ってください", ENGLISH),  # kana are letters, not ideographs
        ("動画を作って", ENGLISH),  # 3 kanji of 6 letters: Japanese, not 中文
        ("𠀀𠀁𠀂 ok", CHINESE),  # extension B ideographs count
        ("한국어 노래", ENGLISH),
        ("https://example.org", ENGLISH),
        ("", None),
        (None, None),
        ("   \n\t", None),
        ("🔥🔥🔥 120 bpm?!", ENGLISH),  # "bpm" are letters
        ("🔥🔥🔥 120！", None),  # no letters at all: the script says nothing
    ],
)
def test_script_language(message: str | None, expected: str | None) -> None:
    """Mostly ideographs among the letters is 中文; other letters English; none says nothing."""
    assert script_language(message) == expected


def test_a_strict_majority_of_ideographs_is_chinese() -> None:
    """The boundary: half is not enough, one more ideograph than other letters is."""
    assert script_language("中文ab") == ENGLISH
    assert script_language("中文字ab") == CHINESE


@pytest.mark.parametrize(
    ("character", "ideograph"),
    [
        ("中", True),
        ("㐀", True),
        ("豈", True),
        ("𠀀", True),
        ("〇", False),
        ("あ", False),
        ("a", False),
    ],
)
def test_ideograph_blocks(character: str, ideograph: bool) -> None:
    """Unified, extension and compatibility ideographs are 汉字; kana and Latin are not."""
    assert is_ideograph(character) is ideograph


@pytest.mark.parametrize(
    ("chosen", "locale", "guild_locale", "first_message", "expected"),
    [
        ("zh-CN", "en-US", "de", "hi", "zh-CN"),
        (None, "en-US", "zh-CN", "你好", "en-US"),
        (None, None, "zh-CN", "hello", "zh-CN"),
        (None, None, None, "给我做个视频", CHINESE),
        (None, None, None, "make me a video", ENGLISH),
        (None, None, None, None, ENGLISH),
        (" ", "", None, "你好世界", CHINESE),
    ],
)
def test_reply_language_order(
    chosen: str | None,
    locale: str | None,
    guild_locale: str | None,
    first_message: str | None,
    expected: str,
) -> None:
    """Setting, then client locale, then server locale, then the first message's script."""
    found = reply_language(
        chosen=chosen, locale=locale, guild_locale=guild_locale, first_message=first_message
    )
    assert found == expected


def test_without_any_sign_the_front_end_fallback_applies() -> None:
    """A post with no letters, in a server that chose nothing: the server's default locale."""
    assert reply_language(first_message="🔥", fallback="en-US") == "en-US"

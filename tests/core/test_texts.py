# ruff: noqa: RUF001 - Chinese and full-width text is the point of these cases.
"""User-facing texts: both languages complete and consistent."""

import pytest

from bot.core.media import DEFAULT_MAX_BYTES, HEADER_BYTES, MediaKind, Rejection, check_media
from bot.core.texts import (
    CATALOGUES,
    accepted_formats,
    base_language,
    is_chinese,
    media_kind_name,
    placeholders,
    rejection_text,
    text,
)


def test_languages_have_the_same_keys() -> None:
    """A key missing in one language would crash the bot for those users."""
    assert set(CATALOGUES["en"]) == set(CATALOGUES["zh"])


@pytest.mark.parametrize("key", sorted(CATALOGUES["en"]))
def test_languages_have_the_same_placeholders(key: str) -> None:
    """Both translations of a text are filled from the same arguments."""
    assert placeholders(CATALOGUES["en"][key]) == placeholders(CATALOGUES["zh"][key])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_is_blank(lang: str) -> None:
    """An empty text would be an empty Discord message, which Discord refuses."""
    assert all(value.strip() for value in CATALOGUES[lang].values())


@pytest.mark.parametrize(
    ("lang", "chinese"),
    [
        ("zh", True),
        ("zh-CN", True),
        ("zh-TW", True),
        ("zh_Hans", True),
        ("ZH-cn", True),
        ("en", False),
        ("en-US", False),
        ("ja", False),
        ("", False),
        (None, False),
        ("zhx", False),
    ],
)
def test_language_choice(lang: str | None, chinese: bool) -> None:
    """Every zh code is Chinese; everything else, even unknown codes, is English."""
    assert is_chinese(lang) is chinese
    assert base_language(lang) == ("zh" if chinese else "en")


@pytest.mark.parametrize(
    ("key", "lang", "kwargs", "expected"),
    [
        ("still_working", "en", {}, "⏳ Still working…"),
        ("still_working", "zh-CN", {}, "⏳ 还在处理中…"),
        (
            "queued",
            "en",
            {"position": 2},
            "🕒 Got it, I'll get to that after the current reply (2 waiting).",
        ),
        ("timeline_header_many", "en", {"count": 3}, "Timeline (3 tracks):"),
        ("timeline_header_many", "zh", {"count": 3}, "时间线（3 条轨道）："),
    ],
)
def test_text_fills_placeholders(
    key: str, lang: str, kwargs: dict[str, object], expected: str
) -> None:
    """Templates render with their arguments in the chosen language."""
    assert text(key, lang, **kwargs) == expected


def test_unknown_key_is_a_programming_error() -> None:
    """A typo in a key fails loudly in tests instead of showing a blank to users."""
    with pytest.raises(KeyError):
        text("no_such_key", "en")


def test_missing_argument_is_a_programming_error() -> None:
    """Forgetting a placeholder's argument fails loudly."""
    with pytest.raises(KeyError):
        text("queued", "en")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "audio MP3, WAV, M4A, AAC; video MP4, MOV, AVI, WEBM, MKV; "
            "image JPG, JPEG, PNG, GIF, WEBP",
        ),
        (
            "zh",
            "音频 MP3, WAV, M4A, AAC；视频 MP4, MOV, AVI, WEBM, MKV；"
            "图片 JPG, JPEG, PNG, GIF, WEBP",
        ),
    ],
)
def test_accepted_formats_lists_the_contract(lang: str, expected: str) -> None:
    """Rejections tell the user exactly what the backend accepts (§3.5)."""
    assert accepted_formats(lang) == expected


WAV = b"RIFF\x00\x00\x00\x00WAVEfmt ".ljust(HEADER_BYTES, b"\x00")
PNG = b"\x89PNG\r\n\x1a\n".ljust(HEADER_BYTES, b"\x00")


@pytest.mark.parametrize(
    ("filename", "size", "header", "lang", "must_contain"),
    [
        ("a.flac", 10, WAV, "en", [".flac", "a.flac", "MP3, WAV"]),
        ("a.flac", 10, WAV, "zh", [".flac", "不支持", "音频 MP3"]),
        ("a.mp3", 10, PNG, "en", ["a.mp3", "MP3 file", "Accepted:"]),
        ("a.mp3", 10, PNG, "zh-CN", ["a.mp3", "MP3", "支持："]),
        ("a.wav", 0, b"", "en", ["a.wav", "empty"]),
        ("a.wav", 0, b"", "zh", ["空文件"]),
        ("a.wav", DEFAULT_MAX_BYTES + 1, WAV, "en", ["500 MB", "a.wav"]),
        ("a.wav", DEFAULT_MAX_BYTES + 1, WAV, "zh", ["500 MB", "太大"]),
        ("noext", 10, b"plain text".ljust(HEADER_BYTES), "en", ["noext", "media file"]),
    ],
)
def test_rejection_text(
    filename: str, size: int, header: bytes, lang: str, must_contain: list[str]
) -> None:
    """Every rejection reason has a friendly text naming the file and what is accepted."""
    message = rejection_text(check_media(filename, size, header), lang)
    for fragment in must_contain:
        assert fragment in message


def test_rejection_text_uses_the_limit_that_applied() -> None:
    """A smaller configured cap is what the user is told."""
    check = check_media("a.wav", 300 * 1024 * 1024, WAV, max_bytes=200 * 1024 * 1024)
    assert check.reason is Rejection.TOO_LARGE
    assert "200 MB" in rejection_text(check, "en", max_bytes=200 * 1024 * 1024)


def test_rejection_text_refuses_an_accepted_file() -> None:
    """Asking why an accepted file was rejected is a bug in the caller."""
    with pytest.raises(ValueError, match="accepted"):
        rejection_text(check_media("a.wav", 10, WAV), "en")


@pytest.mark.parametrize(
    ("kind", "lang", "name"),
    [
        (MediaKind.AUDIO, "en", "audio"),
        (MediaKind.VIDEO, "zh", "视频"),
        (MediaKind.IMAGE, "zh-TW", "图片"),
    ],
)
def test_media_kind_name(kind: MediaKind, lang: str, name: str) -> None:
    """The "Added beat.wav (audio)" confirmation names the kind in the user's language."""
    assert media_kind_name(kind, lang) == name

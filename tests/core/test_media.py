"""Media checks: extension and magic bytes must agree, within the size cap."""

import pytest

from bot.core.media import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_BYTES,
    HEADER_BYTES,
    RENDITION_BUFFER_SECONDS,
    RENDITION_MARGIN,
    RENDITION_RETRY_MARGIN,
    MediaKind,
    Rejection,
    RenditionPlan,
    check_media,
    extension_of,
    rendition_plan,
    sniff,
)


def pad(header: bytes) -> bytes:
    """A header as a caller passes it: the first HEADER_BYTES bytes of a file."""
    return header.ljust(HEADER_BYTES, b"\x00")


def ftyp(brand: bytes) -> bytes:
    return pad(b"\x00\x00\x00\x20ftyp" + brand + b"\x00\x00\x02\x00isomiso2mp41")


def ebml(doctype: bytes) -> bytes:
    return pad(
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    )


MP3_ID3 = pad(b"ID3\x04\x00\x00\x00\x00\x00\x21")
MP3_FRAME = pad(b"\xff\xfb\x90\x64")  # MPEG-1 Layer III
MP3_MPEG2 = pad(b"\xff\xf3\x48\xc4")  # MPEG-2 Layer III
AAC_ADTS = pad(b"\xff\xf1\x50\x80")
WAV = pad(b"RIFF\x24\x08\x00\x00WAVEfmt ")
AVI = pad(b"RIFF\x24\x08\x00\x00AVI LIST")
WEBP = pad(b"RIFF\x24\x08\x00\x00WEBPVP8 ")
PNG = pad(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
JPEG = pad(b"\xff\xd8\xff\xe0\x00\x10JFIF")
GIF87 = pad(b"GIF87a\x01\x00")
GIF89 = pad(b"GIF89a\x01\x00")
MP4 = ftyp(b"isom")
MP4_MP42 = ftyp(b"mp42")
M4A = ftyp(b"M4A ")
MOV = ftyp(b"qt  ")
MOV_OLD = pad(b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat")
WEBM = ebml(b"webm")
MKV = ebml(b"matroska")
TEXT = pad(b"hello, this is not media at all")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (MP3_ID3, "mp3"),
        (MP3_FRAME, "mp3"),
        (MP3_MPEG2, "mp3"),
        (AAC_ADTS, "aac"),
        (WAV, "wav"),
        (AVI, "avi"),
        (WEBP, "webp"),
        (PNG, "png"),
        (JPEG, "jpg"),
        (GIF87, "gif"),
        (GIF89, "gif"),
        (MP4, "mp4"),
        (MP4_MP42, "mp4"),
        (M4A, "m4a"),
        (MOV, "mov"),
        (MOV_OLD, "mov"),
        (WEBM, "webm"),
        (MKV, "mkv"),
        (TEXT, None),
        (b"", None),
        (b"\xff", None),
        (b"RIFF", None),
        (pad(b"RIFF\x00\x00\x00\x00FLAC"), None),
        (pad(b"fLaC\x00\x00\x00\x22"), None),  # FLAC is not accepted by the backend
        (pad(b"OggS\x00\x02"), None),
        (pad(b"\xff\xe0\x00\x00"), None),  # frame sync with the reserved layer 00
        (pad(b"\xff\xe8\x00\x00"), None),  # frame sync with the reserved version 01
        (pad(b"%PDF-1.7"), None),
    ],
    ids=lambda value: value[:12].hex() if isinstance(value, bytes) else None,
)
def test_sniff(header: bytes, expected: str | None) -> None:
    """Magic bytes name the real format, whatever the file is called."""
    assert sniff(header) == expected


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        ("track.mp3", "mp3"),
        ("TRACK.MP3", "mp3"),
        ("my.song.final.WAV", "wav"),
        ("voice message", None),
        ("Demo v2.1", None),
        (".mp3", "mp3"),
        ("archive.tar.gz", "gz"),
        ("notes.", None),
        ("weird.extension", None),
    ],
)
def test_extension_of(filename: str, extension: str | None) -> None:
    """Only a short alphanumeric suffix counts as an extension."""
    assert extension_of(filename) == extension


ACCEPT_CASES = [
    ("beat.mp3", MP3_ID3, "mp3", MediaKind.AUDIO),
    ("beat.MP3", MP3_FRAME, "mp3", MediaKind.AUDIO),
    ("beat.wav", WAV, "wav", MediaKind.AUDIO),
    ("beat.m4a", M4A, "m4a", MediaKind.AUDIO),
    ("beat.m4a", MP4_MP42, "m4a", MediaKind.AUDIO),  # iTunes writes audio with mp42 brands too
    ("beat.aac", AAC_ADTS, "aac", MediaKind.AUDIO),
    ("beat.aac", MP3_ID3, "aac", MediaKind.AUDIO),  # ADTS streams may carry an ID3 tag
    ("clip.mp4", MP4, "mp4", MediaKind.VIDEO),
    ("clip.mp4", M4A, "mp4", MediaKind.VIDEO),
    ("clip.MOV", MOV, "mov", MediaKind.VIDEO),
    ("clip.mov", MOV_OLD, "mov", MediaKind.VIDEO),
    ("clip.mov", MP4, "mov", MediaKind.VIDEO),
    ("clip.avi", AVI, "avi", MediaKind.VIDEO),
    ("clip.webm", WEBM, "webm", MediaKind.VIDEO),
    ("clip.mkv", MKV, "mkv", MediaKind.VIDEO),
    ("clip.mkv", WEBM, "mkv", MediaKind.VIDEO),
    ("cover.jpg", JPEG, "jpg", MediaKind.IMAGE),
    ("cover.JPEG", JPEG, "jpeg", MediaKind.IMAGE),
    ("cover.png", PNG, "png", MediaKind.IMAGE),
    ("cover.gif", GIF89, "gif", MediaKind.IMAGE),
    ("cover.webp", WEBP, "webp", MediaKind.IMAGE),
]


@pytest.mark.parametrize(("filename", "header", "extension", "kind"), ACCEPT_CASES)
def test_accepted(filename: str, header: bytes, extension: str, kind: MediaKind) -> None:
    """Real files of every accepted format pass, whatever the case of their extension."""
    check = check_media(filename, 1234, header)
    assert check.ok
    assert check.reason is None
    assert check.format is ACCEPTED_FORMATS[extension]
    assert check.kind is kind
    assert check.filename == filename


def test_every_accepted_format_is_covered() -> None:
    """Each format of the contract (§3.5) has a real-bytes case above."""
    assert {case[2] for case in ACCEPT_CASES} == set(ACCEPTED_FORMATS)


@pytest.mark.parametrize(
    ("filename", "header", "uploaded_as", "kind"),
    [
        ("voice message", MP3_ID3, "voice message.mp3", MediaKind.AUDIO),
        ("IMG_0042", JPEG, "IMG_0042.jpg", MediaKind.IMAGE),
        ("Demo v2.1", WAV, "Demo v2.1.wav", MediaKind.AUDIO),
    ],
)
def test_no_extension_uses_the_bytes(
    filename: str, header: bytes, uploaded_as: str, kind: MediaKind
) -> None:
    """A name without an extension is judged by its bytes and gets the right extension."""
    check = check_media(filename, 100, header)
    assert check.ok
    assert check.filename == uploaded_as
    assert check.kind is kind


@pytest.mark.parametrize(
    ("filename", "size", "header", "reason", "detected"),
    [
        # spoofed: the name says one thing, the bytes another
        ("song.mp3", 100, PNG, Rejection.SPOOFED, "png"),
        ("song.wav", 100, MP3_FRAME, Rejection.SPOOFED, "mp3"),
        ("clip.mp4", 100, AVI, Rejection.SPOOFED, "avi"),
        ("cover.png", 100, JPEG, Rejection.SPOOFED, "jpg"),
        ("clip.webm", 100, MP4, Rejection.SPOOFED, "mp4"),
        ("song.mp3", 100, AAC_ADTS, Rejection.SPOOFED, "aac"),
        ("song.mp3", 100, TEXT, Rejection.SPOOFED, None),
        ("notes", 100, TEXT, Rejection.SPOOFED, None),
        # unsupported extensions, whatever the bytes
        ("song.flac", 100, pad(b"fLaC"), Rejection.UNSUPPORTED_TYPE, None),
        ("song.ogg", 100, pad(b"OggS"), Rejection.UNSUPPORTED_TYPE, None),
        ("photo.heic", 100, ftyp(b"heic"), Rejection.UNSUPPORTED_TYPE, None),
        ("track.txt", 100, MP3_ID3, Rejection.UNSUPPORTED_TYPE, None),
        # empty
        ("song.mp3", 0, b"", Rejection.EMPTY, None),
        ("song.mp3", 0, MP3_ID3, Rejection.EMPTY, None),
        ("song.mp3", 10, b"", Rejection.EMPTY, None),
        ("song.flac", 0, b"", Rejection.EMPTY, None),
        # too large: decided before the bytes, so no download is needed to say so
        ("song.wav", DEFAULT_MAX_BYTES + 1, WAV, Rejection.TOO_LARGE, None),
        ("song.wav", DEFAULT_MAX_BYTES + 1, TEXT, Rejection.TOO_LARGE, None),
    ],
)
def test_rejected(
    filename: str, size: int, header: bytes, reason: Rejection, detected: str | None
) -> None:
    """Spoofed, unsupported, empty and oversize files are refused with the reason."""
    check = check_media(filename, size, header)
    assert not check.ok
    assert check.reason is reason
    assert check.detected == detected


@pytest.mark.parametrize(
    ("size", "max_bytes", "ok"),
    [
        (DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES, True),
        (DEFAULT_MAX_BYTES + 1, DEFAULT_MAX_BYTES, False),
        (200 * 1024 * 1024 + 1, 200 * 1024 * 1024, False),
        (1, 1, True),
    ],
)
def test_size_cap_is_inclusive_and_configurable(size: int, max_bytes: int, ok: bool) -> None:
    """Exactly the limit is fine; one byte more is too large."""
    assert check_media("a.wav", size, WAV, max_bytes=max_bytes).ok is ok


def test_default_cap_is_500_mib() -> None:
    """The cap is the contract variants' 500 MB."""
    assert DEFAULT_MAX_BYTES == 500 * 1024 * 1024


def test_short_header_is_fine() -> None:
    """A tiny file shorter than HEADER_BYTES is still recognised."""
    assert check_media("x.png", 8, b"\x89PNG\r\n\x1a\n").ok


@pytest.mark.parametrize(
    ("extension", "mime"),
    [
        ("mp3", "audio/mpeg"),
        ("wav", "audio/wav"),
        ("m4a", "audio/mp4"),
        ("aac", "audio/aac"),
        ("mp4", "video/mp4"),
        ("mov", "video/quicktime"),
        ("avi", "video/x-msvideo"),
        ("webm", "video/webm"),
        ("mkv", "video/x-matroska"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("gif", "image/gif"),
        ("webp", "image/webp"),
    ],
)
def test_mime_types(extension: str, mime: str) -> None:
    """Multipart uploads carry the MIME type the backend's CLI uses."""
    assert ACCEPTED_FORMATS[extension].mime == mime


MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("max_bytes", "seconds", "source_height", "expected"),
    [
        # 10 MiB over 3 min: (10 MiB * 8 * 0.9 - 96k * 180 s) / 181 s = 321,643 bps -> 480p.
        pytest.param(10 * MIB, 180, 1080, RenditionPlan(321_643, 96_000, 480), id="10MiB-3min"),
        # 25 MiB: with 128k audio the picture would get 915 kbps (< 1 Mbps), so 96k audio.
        pytest.param(25 * MIB, 180, 1080, RenditionPlan(947_313, 96_000, 480), id="25MiB-3min"),
        pytest.param(50 * MIB, 180, 1080, RenditionPlan(1_958_272, 128_000, 720), id="50MiB-3min"),
        pytest.param(
            100 * MIB, 180, 1080, RenditionPlan(4_043_838, 128_000, 1080), id="100MiB-3min"
        ),
        pytest.param(
            100 * MIB, 180, 720, RenditionPlan(4_043_838, 128_000, 720), id="never-upscaled"
        ),
        pytest.param(50 * MIB, 180, 719, RenditionPlan(1_958_272, 128_000, 718), id="odd-source"),
        pytest.param(50 * MIB, 180, 180, RenditionPlan(1_958_272, 128_000, 180), id="small-source"),
        # 233,334 bytes over 5 s leave the picture exactly 200 kbps: the floor, still a copy.
        pytest.param(233_334, 5, 180, RenditionPlan(200_000, 96_000, 180), id="at-the-floor"),
    ],
)
def test_rendition_plan(
    max_bytes: int, seconds: float, source_height: int, expected: RenditionPlan
) -> None:
    """Bitrates come from the byte budget and the length, the height from the bitrate."""
    assert rendition_plan(max_bytes, seconds, source_height) == expected


@pytest.mark.parametrize(
    ("max_bytes", "seconds", "source_height"),
    [
        pytest.param(233_333, 5, 180, id="a-byte-below-the-floor"),
        pytest.param(10 * MIB, 600, 1080, id="10-minutes-in-10MiB"),
        pytest.param(50_000, 5, 180, id="tiny-limit"),
        pytest.param(10 * MIB, 0, 1080, id="no-length"),
        pytest.param(0, 180, 1080, id="no-budget"),
        pytest.param(10 * MIB, 180, 0, id="no-picture"),
    ],
)
def test_no_rendition_fits(max_bytes: int, seconds: float, source_height: int) -> None:
    """Below the video-bitrate floor a copy is not worth posting: the caller posts without."""
    assert rendition_plan(max_bytes, seconds, source_height) is None


@pytest.mark.parametrize(
    ("max_bytes", "seconds"),
    [
        (300_000, 5),
        (10 * MIB, 61.5),
        (10 * MIB, 180),
        (25 * MIB, 400),
        (100 * MIB, 180),
        (DEFAULT_MAX_BYTES, 400),
    ],
)
@pytest.mark.parametrize("margin", [RENDITION_MARGIN, RENDITION_RETRY_MARGIN])
def test_a_capped_encode_stays_within_the_budget(
    max_bytes: int, seconds: float, margin: float
) -> None:
    """At its ceiling plus one full buffer, the copy still fits the margin of the limit."""
    plan = rendition_plan(max_bytes, seconds, 1080, margin=margin)
    assert plan is not None
    worst = plan.video_bps * (seconds + RENDITION_BUFFER_SECONDS) + plan.audio_bps * seconds
    assert worst <= max_bytes * 8 * margin
    assert worst > max_bytes * 8 * margin * 0.999  # and uses it: no bitrate left on the table
    assert plan.buffer_bits == plan.video_bps * RENDITION_BUFFER_SECONDS
    assert plan.height % 2 == 0


def test_the_retry_aims_lower() -> None:
    """The second try, after a copy came out too large, asks the encoder for less."""
    first = rendition_plan(10 * MIB, 180, 1080)
    retry = rendition_plan(10 * MIB, 180, 1080, margin=RENDITION_RETRY_MARGIN)
    assert first is not None and retry is not None
    assert retry.video_bps < first.video_bps

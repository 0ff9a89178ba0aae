"""The finished video's card: the embed on its result post, and the moment its picture shows.

The card names the track and says what the video is, as read from the MP4 itself
(:mod:`bot.media_probe`): its length (m:ss), picture size, aspect and file size, with one of its
frames as the thumbnail (a small JPEG attached as :data:`THUMBNAIL_NAME`). The frame is the one
at the music's first downbeat when the backend knows the beats (the local studio), else at
:data:`FALLBACK_MOMENT_S`; either way inside the video. What is not known (the file could not
be fetched or read) is left out: the card never holds a post back. No I/O here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import discord

from bot.core.backend_results import MusicAnalysis
from bot.core.texts import text
from bot.discord_app.render import EMBED_COLOUR
from bot.media_probe import VideoFacts

#: The thumbnail's file name in the post (the embed refers to ``attachment://thumb.jpg``).
THUMBNAIL_NAME: Final = "thumb.jpg"
#: Where the thumbnail is taken when the music's downbeats are not known.
FALLBACK_MOMENT_S: Final = 1.0
#: A downbeat earlier than this is passed over for the next one: a video's first frames are
#: often still fading in from black.
EARLIEST_MOMENT_S: Final = 0.5
#: How far before the video's end the thumbnail is taken at the latest (a seek to the very
#: end finds no frame).
END_MARGIN_S: Final = 0.1
#: Aspects shown by name; another one is shown as its ratio to 1 (``2.35:1``).
NAMED_ASPECTS: Final = ((16, 9), (9, 16), (1, 1), (4, 3), (3, 4), (4, 5), (21, 9))
#: How close (relative) a picture's ratio must be to a named aspect to go by its name: the
#: even sizes encoders round to (854x480) are still 16:9.
ASPECT_TOLERANCE: Final = 0.01
_MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What is known of a finished video: its title, file size and picture (each may be not)."""

    title: str | None = None
    size_bytes: int | None = None
    video: VideoFacts | None = None


def card_embed(facts: CardFacts, lang: str, *, thumbnail: str | None) -> discord.Embed:
    """The card; ``thumbnail`` names the attached picture it shows (``None``: no picture)."""
    embed = discord.Embed(title=facts.title or text("card_title", lang), colour=EMBED_COLOUR)
    video = facts.video
    if video is not None:
        embed.add_field(name=text("card_length", lang), value=length_label(video.seconds))
        embed.add_field(name=text("card_resolution", lang), value=f"{video.width}x{video.height}")
        embed.add_field(
            name=text("card_aspect", lang), value=aspect_label(video.width, video.height)
        )
    if facts.size_bytes is not None:
        embed.add_field(name=text("card_size", lang), value=size_label(facts.size_bytes))
    if thumbnail is not None:
        embed.set_thumbnail(url=f"attachment://{thumbnail}")
    return embed


def length_label(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), to the nearest second."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def aspect_label(width: int, height: int) -> str:
    """``16:9``, ``9:16``, ``1:1``… for a picture of ``width`` x ``height`` pixels."""
    if width <= 0 or height <= 0:
        return "?"
    ratio = width / height
    for across, down in NAMED_ASPECTS:
        if math.isclose(ratio, across / down, rel_tol=ASPECT_TOLERANCE):
            return f"{across}:{down}"
    exact = Fraction(width, height)
    if exact.numerator <= 32 and exact.denominator <= 32:
        return f"{exact.numerator}:{exact.denominator}"
    return f"{ratio:.2f}:1"


def size_label(size_bytes: int) -> str:
    """The file size in MB (MiB, as Discord counts upload limits), one decimal."""
    megabytes = size_bytes / _MIB
    return f"{megabytes:.1f} MB" if megabytes >= 0.1 else "< 0.1 MB"


def first_downbeat_s(music: MusicAnalysis | None) -> float | None:
    """The music's first downbeat in the video (seconds on the video's clock), if known.

    Downbeats before :data:`EARLIEST_MOMENT_S` are passed over (a fade from black).
    """
    if music is None:
        return None
    later = (t for t in music.downbeats_s if math.isfinite(t) and t >= EARLIEST_MOMENT_S)
    return min(later, default=None)


def thumbnail_moment(downbeat_s: float | None, seconds: float) -> float:
    """Where the thumbnail is taken in a video ``seconds`` long: the downbeat, else 1 s; inside."""
    wanted = FALLBACK_MOMENT_S if downbeat_s is None else downbeat_s
    return max(0.0, min(wanted, seconds - END_MARGIN_S))

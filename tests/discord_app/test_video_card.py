"""The finished video's card: facts read from the MP4, its thumbnail, its buttons, one post.

The scripted backend renders a waveform picture of the uploaded track, so the test track is a
tone whose loudness steps up every half second: the frame at a moment shows how loud that
moment is, and the thumbnail can be told from the frames around it by its pixels alone.
"""

from __future__ import annotations

import asyncio
import io
import math
import subprocess
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.core.backend_results import MusicAnalysis
from bot.core.media import Attached
from bot.core.models import ExportStatus
from bot.core.texts import export_post_text
from bot.discord_app.card import (
    aspect_label,
    first_downbeat_s,
    length_label,
    size_label,
    thumbnail_moment,
)
from bot.local_backend import Fault
from bot.studio import analysis, synth
from tests.discord_app.stage import FAST_POLLING, WAIT
from tests.studio.media import FFMPEG, gray_frames

pytestmark = pytest.mark.timeout(240)

MESSAGES = "/channels/{channel_id}/messages"
#: The scripted preview's frame rate (bot.local_backend.ffmpeg.PREVIEW_FPS), known here.
PREVIEW_FPS = 15
TRACK_SECONDS = 6.0
#: The test track's loudness changes at 0.25 s, 0.75 s, 1.25 s…: 1 s and 3.5 s are mid-step.
STEP_S = 0.5
#: A studio render of a short track at 1080p, on two busy cores.
RENDER_WAIT = 120.0


def stepped_tone(seconds: float = TRACK_SECONDS, rate: int = 22_050) -> bytes:
    """A 16-bit mono WAV: 440 Hz, its loudness one step higher every :data:`STEP_S`."""
    t = np.arange(round(seconds * rate)) / rate
    step = np.floor((t + STEP_S / 2) / STEP_S)
    level = 0.06 + 0.9 * step / step.max()
    samples = np.round(level * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return out.getvalue()


def marker_of(thread) -> str:
    return f"beatthread:export:{thread.id}:"


def render_id_of(post, thread) -> str:
    """The render a card names (its Export again · 1080p button is the marker)."""
    marker = marker_of(thread)
    (render_id,) = [i.removeprefix(marker) for i in post.custom_ids() if i.startswith(marker)]
    return render_id


async def card_of_an_export(stage, *, name="Urban Dreams.wav", data=None, **export):
    """Drop a track, /export it, and return (thread, its result post)."""
    _, thread = await stage.drop_track(name=name, data=stepped_tone() if data is None else data)
    await stage.ready_in(thread)
    await stage.mia.slash("export", thread, **export)
    return thread, await stage.result_post(thread)


def fields_of(post) -> dict[str, str]:
    (embed,) = post.embeds
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


def thumbnail_of(post) -> np.ndarray:
    """The card's picture: the embed points at the attached ``thumb.jpg``; decoded as RGB."""
    (embed,) = post.embeds
    assert embed["thumbnail"]["url"] == "attachment://thumb.jpg"
    (picture,) = [a for a in post.attachments if a.filename == "thumb.jpg"]
    with Image.open(io.BytesIO(picture.read_bytes())) as image:
        assert image.format == "JPEG"
        return np.asarray(image.convert("L"), dtype=np.float32)


def rendered(stage, render_id: str) -> Path:
    """The MP4 the backend rendered for ``render_id``."""
    return stage.backend.renders[render_id].path


def picture_size(video: Path) -> tuple[int, int]:
    """The width and height of the video's first decoded frame (a PNG read with Pillow)."""
    png = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def frame_distances(thumbnail: np.ndarray, video: Path) -> np.ndarray:
    """Mean absolute gray difference of the thumbnail to every frame of the video, in order."""
    height, width = thumbnail.shape
    frames = gray_frames(video, width, height).astype(np.float32)
    return np.abs(frames - thumbnail).mean(axis=(1, 2))


def assert_thumbnail_is_the_frame_at(thumbnail: np.ndarray, video: Path, at_s: float) -> None:
    """The thumbnail is the first frame at or after ``at_s``, like no frame 0.5 s or more away."""
    distances = frame_distances(thumbnail, video)
    shown = math.ceil(at_s * PREVIEW_FPS)
    times = np.arange(len(distances)) / PREVIEW_FPS
    elsewhere = distances[np.abs(times - at_s) >= STEP_S]
    assert distances[shown] < 6.0, distances[shown]
    assert elsewhere.min() > distances[shown] + 2.0, (distances[shown], elsewhere.min())


def music(*downbeats_s: float) -> dict:
    """A ``video_analyses.music`` as the local studio sends it (§3.7), with these downbeats."""
    beats = [i * 0.5 for i in range(int(TRACK_SECONDS / 0.5))]
    return {
        "tempo_bpm": 120.0,
        "duration_s": TRACK_SECONDS,
        "beats_s": beats,
        "downbeats_s": list(downbeats_s),
    }


async def new_card(stage, thread, seen: set[int], within: float = WAIT):
    """The next result post in ``thread``: a message not in ``seen`` with a render's marker."""
    marker = marker_of(thread)
    return await stage.emulator.wait_for_message(
        thread,
        lambda m: m.id not in seen and any(i.startswith(marker) for i in m.custom_ids()),
        timeout=within,
    )


async def idle(stage, thread) -> None:
    runner = await stage.bot.app.hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)


async def export_job(stage, render_id: str):
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        return await tx.exports.get(render_id)


# -- the moment of the thumbnail (no I/O) ---------------------------------------------------


@pytest.mark.parametrize(
    ("downbeats", "expected"),
    [
        pytest.param((), None, id="no-downbeats"),
        pytest.param((2.0, 4.0), 2.0, id="first-downbeat"),
        pytest.param((0.0, 2.0), 2.0, id="downbeat-at-the-fade-in-passed-over"),
        pytest.param((0.5, 2.0), 0.5, id="downbeat-just-after-the-fade-in"),
        pytest.param((-0.5, 1.5), 1.5, id="before-the-video-ignored"),
        pytest.param((float("nan"), 3.0), 3.0, id="not-a-number-ignored"),
    ],
)
def test_first_downbeat_is_on_the_videos_clock(downbeats, expected):
    """The backend gives downbeats on the video's clock: the first one inside the video."""
    analysis_ = MusicAnalysis(120.0, 10.0, (), tuple(downbeats))
    assert first_downbeat_s(analysis_) == expected
    assert first_downbeat_s(None) is None


@pytest.mark.parametrize(
    ("downbeat", "seconds", "expected"),
    [
        pytest.param(None, 10.0, 1.0, id="one-second"),
        pytest.param(2.5, 10.0, 2.5, id="downbeat"),
        pytest.param(12.0, 10.0, 9.9, id="clamped-to-the-end"),
        pytest.param(None, 0.5, 0.4, id="short-video"),
        pytest.param(None, 0.05, 0.0, id="tiny-video"),
    ],
)
def test_thumbnail_moment_is_inside_the_video(downbeat, seconds, expected):
    """The downbeat, else 1 s, never past the video's last frame."""
    assert thumbnail_moment(downbeat, seconds) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        pytest.param(1920, 1080, "16:9", id="landscape"),
        pytest.param(1080, 1920, "9:16", id="vertical"),
        pytest.param(1080, 1080, "1:1", id="square"),
        pytest.param(854, 480, "16:9", id="rounded-to-even"),
        pytest.param(1080, 1350, "4:5", id="portrait-feed"),
        pytest.param(1000, 600, "5:3", id="small-ratio"),
        pytest.param(2350, 1000, "21:9", id="scope-within-1-percent"),
        pytest.param(1234, 1000, "1.23:1", id="odd"),
    ],
)
def test_aspect_label(width, height, expected):
    """Common aspects by name; the others as a small ratio or a ratio to 1."""
    assert aspect_label(width, height) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0.4, "0:00"), (5.6, "0:06"), (65.0, "1:05"), (600.0, "10:00"), (3725.0, "1:02:05")],
)
def test_length_label(seconds, expected):
    """m:ss to the nearest second, h:mm:ss from an hour."""
    assert length_label(seconds) == expected


@pytest.mark.parametrize(
    ("size", "expected"),
    [(50_000, "< 0.1 MB"), (600_000, "0.6 MB"), (10 * 1024 * 1024, "10.0 MB")],
)
def test_size_label(size, expected):
    """MB as Discord counts its upload limits (MiB), one decimal."""
    assert size_label(size) == expected


def test_links_beside_an_attached_video_show_no_preview():
    """Beside the attached video a link is written <url>, so no second player unfurls."""
    url, project = "https://cdn.example.org/r1.mp4", "https://nemovideo.com/p?token=t"
    quiet = export_post_text("en", url, project, Attached.SMALLER_COPY, previews=False)
    assert f"<{url}>" in quiet and f"<{project}>" in quiet
    assert f"<{url}>" not in export_post_text("en", url, None, Attached.NOTHING)


# -- the card on the scripted backend ------------------------------------------------------


async def test_the_card_says_what_the_mp4_is_with_its_frame_at_one_second(stage):
    """Length, size, aspect and file size match the MP4; without beats the thumbnail is at 1 s."""
    thread, post = await card_of_an_export(stage)
    video = rendered(stage, render_id_of(post, thread))
    (embed,) = post.embeds
    assert embed["title"] == "Urban Dreams"
    frames = len(gray_frames(video, 16, 9))
    seconds = round(frames / PREVIEW_FPS)
    width, height = picture_size(video)
    divisor = math.gcd(width, height)
    megabytes = video.stat().st_size / (1024 * 1024)
    assert fields_of(post) == {
        "Length": f"{seconds // 60}:{seconds % 60:02d}",
        "Resolution": f"{width}x{height}",
        "Aspect": f"{width // divisor}:{height // divisor}",
        "File size": f"{megabytes:.1f} MB",
    }
    assert (width // divisor, height // divisor, seconds) == (16, 9, 6)
    thumbnail = thumbnail_of(post)
    thumb_height, thumb_width = thumbnail.shape
    assert thumb_width / thumb_height == pytest.approx(width / height, rel=0.02)
    assert_thumbnail_is_the_frame_at(thumbnail, video, 1.0)


async def test_the_thumbnail_is_the_frame_at_the_musics_first_downbeat(stage):
    """With the beat analysis in the backend's state, the picture is the first downbeat's frame."""
    stage.backend.config.video_analyses = {"music": music(3.5, 5.5)}
    thread, post = await card_of_an_export(stage)
    video = rendered(stage, render_id_of(post, thread))
    assert_thumbnail_is_the_frame_at(thumbnail_of(post), video, 3.5)


async def test_the_card_pings_the_requester_only_in_one_post(stage):
    """One post with the card and the video; its allowed mentions name the requester alone."""
    thread, post = await card_of_an_export(stage)
    creates = [
        r
        for r in stage.emulator.recorder.requests_to("POST", MESSAGES)
        if (r.json or {}).get("nonce") == post.nonce
    ]
    (create,) = creates
    allowed = create.json["allowed_mentions"]
    assert [int(u) for u in allowed["users"]] == [stage.mia.id]
    assert allowed["parse"] == [] and not allowed.get("replied_user")
    assert post.mention_ids == [stage.mia.id]
    assert [m for m in stage.emulator.state.messages.values() if m.mention_ids] == [post]
    assert [a.content_type for a in post.attachments] == ["video/mp4", "image/jpeg"]
    assert post.custom_ids() == [
        f"beatthread:again:{thread.id}:720p",
        f"{marker_of(thread)}{render_id_of(post, thread)}",
        f"beatthread:timeline:{thread.id}",
    ]  # not the local studio: no Vertical / Square


async def test_a_refused_video_leaves_the_card_with_its_thumbnail(stage):
    """Discord refuses the MP4 (413): the same post goes out once with the card's frame."""
    stage.guild.upload_limit = 100_000  # the thumbnail fits, the video does not
    thread, post = await card_of_an_export(stage)
    assert [a.content_type for a in post.attachments] == ["image/jpeg"]
    assert thumbnail_of(post).size > 0
    assert set(fields_of(post)) == {"Length", "Resolution", "Aspect", "File size"}
    assert [m for m in stage.bot_messages(thread) if m.nonce == post.nonce] == [post]


async def test_an_unfetchable_video_still_gets_a_card(stage):
    """The download fails: the post says where the video is, with a card of what is known."""
    stage.backend.inject(Fault(route="media", http_status=500))
    thread, post = await card_of_an_export(stage)
    assert post.attachments == []
    (embed,) = post.embeds
    assert embed["title"] == "Urban Dreams" and "thumbnail" not in embed
    assert render_id_of(post, thread)


# -- the card's buttons --------------------------------------------------------------------


async def test_export_again_buttons_render_at_their_resolution(stage):
    """720p and 1080p on the card: the backend gets a render request at that resolution."""
    thread, post = await card_of_an_export(stage, options={"resolution": "720p"})
    first = render_id_of(post, thread)
    await idle(stage, thread)
    for button, resolution in (
        (f"beatthread:again:{thread.id}:720p", "720p"),
        (f"{marker_of(thread)}{first}", "1080p"),
    ):
        seen = {m.id for m in stage.bot_messages(thread)}
        click = await stage.mia.click(post, button)
        confirmation = await click.wait_for_original(timeout=WAIT)
        assert confirmation.ephemeral
        assert confirmation.content.startswith(f"🎬 Export requested: MP4 · {resolution}")
        card = await new_card(stage, thread, seen)
        await idle(stage, thread)  # recorded as posted: no longer counts against the user's cap
        output = stage.backend.renders[render_id_of(card, thread)].output
        assert output["resolution"] == resolution
        assert fields_of(card)["Resolution"] == "320x180"  # the scripted preview's, whatever asked


async def test_show_timeline_on_the_card_answers_with_the_timeline(stage):
    """The card's Show timeline is the existing button: the timeline, to the clicker only."""
    thread, post = await card_of_an_export(stage)
    click = await stage.mia.click(post, f"beatthread:timeline:{thread.id}")
    shown = await click.wait_for_original(timeout=WAIT)
    assert shown.ephemeral and "Timeline (1 track)" in shown.content


async def test_only_the_thread_owner_may_export_from_the_card(stage):
    """Someone else pressing Export again is told no, and nothing is rendered."""
    lena = stage.emulator.add_user("lena")
    thread, post = await card_of_an_export(stage)
    await idle(stage, thread)
    before = set(stage.backend.renders)
    click = await lena.click(post, f"beatthread:again:{thread.id}:720p")
    refusal = await click.wait_for_original(timeout=WAIT)
    assert refusal.ephemeral
    assert refusal.content.startswith("Only the person who started this thread")
    await idle(stage, thread)
    assert set(stage.backend.renders) == before


async def test_card_buttons_work_after_a_restart(stage):
    """Persistent: a new bot process handles the card's buttons on a post from the old one."""
    thread, post = await card_of_an_export(stage)
    await idle(stage, thread)
    await stage.stop_bot()
    await stage.start_bot()
    seen = {m.id for m in stage.bot_messages(thread)}
    click = await stage.mia.click(post, f"beatthread:again:{thread.id}:720p")
    await click.wait_for_original(timeout=WAIT)
    card = await new_card(stage, thread, seen)
    assert stage.backend.renders[render_id_of(card, thread)].output["resolution"] == "720p"


# -- exactly once ---------------------------------------------------------------------------

#: Polling whose shutdown gives up on a post after 0.2 s (the post held by the emulator).
QUICK_STOP = replace(FAST_POLLING, settings=replace(FAST_POLLING.settings, stop_timeout=0.2))


async def export_held_at(stage, nonce_prefix: str, *, first=None):
    """Start the bot, /export a track, and hold the create whose nonce starts so, once stored.

    A result post's nonce is render_nonce's ("bt…", its DM's "bd…"); discord.py gives every
    other message an int. ``first(stage)`` runs once the bot is up. Returns (the thread, the
    held create).
    """
    await stage.start_bot(polling=QUICK_STOP)
    if first is not None:
        await first(stage)
    _, thread = await stage.drop_track(name="Urban Dreams.wav", data=stepped_tone())
    await stage.ready_in(thread)
    holds = stage.emulator.holds
    holds.arm("after_store", lambda data: str(data.get("nonce")).startswith(nonce_prefix))
    await stage.mia.slash("export", thread)
    (held,) = await stage.emulator.wait_until(holds.waiting, timeout=WAIT)
    return thread, held


async def test_a_card_posted_but_not_recorded_is_found_not_posted_again(make_stage):
    """The card landed, its answer never came: the next process finds it and posts nothing."""
    stage = await make_stage()
    thread, held = await export_held_at(stage, "bt")
    card = held.message
    render_id = render_id_of(card, thread)
    await stage.stop_bot()  # gives up on the post: the job stays `posting`, unrecorded
    held.release()
    await stage.start_bot(polling=QUICK_STOP)
    status = stage.emulator.state.messages[(await export_job(stage, render_id)).status_message_id]
    await stage.emulator.wait_until(lambda: "Your video is ready" in status.content, timeout=WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    # Only the new process can have recorded it (the old one never got the answer), and only by
    # finding it: one create with the render's nonce ever, no replay of it by Discord.
    job = await export_job(stage, render_id)
    assert job.status is ExportStatus.POSTED and job.posted_message_id == card.id
    assert [m for m in stage.bot_messages(thread) if m.nonce == card.nonce] == [card]
    creates = stage.emulator.recorder.requests_to("POST", MESSAGES)
    assert len([r for r in creates if (r.json or {}).get("nonce") == card.nonce]) == 1
    assert stage.emulator.recorder.nonce_replays == []
    assert card.embeds and card.embeds[0]["thumbnail"]["url"] == "attachment://thumb.jpg"


# -- the local studio: Vertical and Square --------------------------------------------------


@pytest.fixture
async def studio_stage(make_stage):
    """The stage on the local studio: studio turns; renders are placeholders until asked."""
    await asyncio.to_thread(analysis.warm_up)  # numba compiles here, not in a reply's wait
    stage = await make_stage()
    config = stage.backend.config
    config.studio, config.render_media, config.silent_turns = True, False, "never"
    await stage.start_bot()
    return stage


async def test_vertical_and_square_on_the_studio_ask_in_words_then_export(studio_stage, tmp_path):
    """The studio hears the words and reshapes; the next render is that shape, read from its MP4."""
    stage = studio_stage
    track = tmp_path / "Urban Dreams.wav"
    synth.write_track(track, synth.TrackSpec("card", 120, 4.0, style="four_on_floor"))
    thread, post = await card_of_an_export(stage, data=track.read_bytes())
    # A placeholder MP4 tells nothing: the card has its size, no picture, and every button.
    assert set(fields_of(post)) == {"File size"}
    assert "thumbnail" not in post.embeds[0]
    assert f"beatthread:reshape:{thread.id}:vertical" in post.custom_ids()
    await idle(stage, thread)
    stage.backend.config.render_media = True  # from here on, real studio renders
    for shape, said, size in (
        ("vertical", "vertical 9:16 canvas, 1080x1920", (1080, 1920)),
        ("square", "square 1:1 canvas, 1080x1080", (1080, 1080)),
    ):
        seen = {m.id for m in stage.bot_messages(thread)}
        click = await stage.mia.click(post, f"beatthread:reshape:{thread.id}:{shape}")
        confirmation = await click.wait_for_original(timeout=WAIT)
        assert confirmation.ephemeral and confirmation.content.startswith("🎬 Making it")
        await stage.emulator.wait_for_message(
            thread,
            lambda m, seen=seen, said=said: m.id not in seen and said in m.content,
            timeout=WAIT,
        )
        card = await new_card(stage, thread, seen, within=RENDER_WAIT)
        video = rendered(stage, render_id_of(card, thread))
        assert picture_size(video) == size
        divisor = math.gcd(*size)
        assert fields_of(card)["Aspect"] == f"{size[0] // divisor}:{size[1] // divisor}"
        assert fields_of(card)["Resolution"] == f"{size[0]}x{size[1]}"
        thumb_height, thumb_width = thumbnail_of(card).shape
        assert thumb_width / thumb_height == pytest.approx(size[0] / size[1], rel=0.02)
        await idle(stage, thread)

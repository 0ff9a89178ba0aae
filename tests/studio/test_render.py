"""The studio renderer, judged from the MP4 it writes: decoded frames, samples and boxes.

Every EDL is built by hand at a small canvas and a few seconds, so each render takes about a
second; sources (photos, clips, music) are made here with ffmpeg and numpy.
"""

from __future__ import annotations

import asyncio
import os
import re
import struct
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from bot.studio import fonts
from bot.studio.edl import Canvas, Clip, Edl, Generated, Music, Palette, Shot, Still, Title
from bot.studio.render import RenderError, render

EXE = imageio_ffmpeg.get_ffmpeg_exe()
FPS = 30
WIDE = Canvas(320, 180, FPS)
TALL = Canvas(180, 320, FPS)
RATE = 44100
NEON = Palette("neon", "0x0b0420", "0xff2fd0", "0x21f6ff", "0xffffff")
MONO = Palette("mono", "0x101010", "0xd0d0d0", "0xffffff", "0xffffff", mono=True)


# -- sources and decoding -----------------------------------------------------------------


async def ffmpeg(*args: str) -> bytes:
    """Run ffmpeg to the end; its stdout (fails the test on an error)."""
    process = await asyncio.create_subprocess_exec(
        EXE,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return out


async def info(path: Path) -> str:
    """What ``ffmpeg -i`` says about a file (there is no ffprobe)."""
    process = await asyncio.create_subprocess_exec(
        EXE, "-hide_banner", "-i", str(path), stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    return err.decode(errors="replace")


async def frames(path: Path, canvas: Canvas, pix_fmt: str = "gray") -> np.ndarray:
    """Every decoded frame: the luma plane as coded (frames, h, w), or RGB (frames, h, w, 3)."""
    if pix_fmt == "gray":  # read Y itself: a conversion to full-range grey would move levels
        raw = await ffmpeg("-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
        luma = canvas.width * canvas.height
        planes = np.frombuffer(raw, np.uint8).reshape(-1, luma * 3 // 2)[:, :luma]
        return planes.reshape(-1, canvas.height, canvas.width).astype(np.float64)
    raw = await ffmpeg("-i", str(path), "-f", "rawvideo", "-pix_fmt", pix_fmt, "-")
    shape = (canvas.height, canvas.width, 3)
    return np.frombuffer(raw, np.uint8).reshape(-1, *shape).astype(np.float64)


async def chroma(path: Path, canvas: Canvas) -> np.ndarray:
    """The U and V planes of every frame (yuv420p), as (frames, 2, h/2, w/2)."""
    raw = await ffmpeg("-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
    luma = canvas.width * canvas.height
    per = luma * 3 // 2
    planes = np.frombuffer(raw, np.uint8).reshape(-1, per)[:, luma:]
    return planes.reshape(-1, 2, canvas.height // 2, canvas.width // 2).astype(np.float64)


async def samples(path: Path) -> np.ndarray:
    """The file's sound, mixed to mono at RATE, as floats."""
    raw = await ffmpeg("-i", str(path), "-vn", "-f", "f32le", "-ac", "1", "-ar", str(RATE), "-")
    return np.frombuffer(raw, np.float32).astype(np.float64)


def boxes(path: Path) -> list[bytes]:
    """The MP4's top-level box types, in file order."""
    data, kinds, at = path.read_bytes(), [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
        kinds.append(kind)
        at += size if size else len(data)
    return kinds


def leftovers(folder: Path) -> list[str]:
    """What is left in a folder (a render's scratch files and partial output must not be)."""
    return sorted(path.name for path in folder.iterdir())


def write_wav(path: Path, mono: np.ndarray) -> None:
    """16-bit stereo WAV of a mono signal."""
    pcm = (np.clip(mono, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.repeat(pcm, 2).tobytes())


async def image(path: Path, spec: str) -> Path:
    """One picture from a lavfi source spec (e.g. ``color=c=red:s=64x64``)."""
    await ffmpeg("-f", "lavfi", "-i", spec, "-frames:v", "1", "-update", "1", "-y", str(path))
    return path


@pytest.fixture
def noise_wav(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """Four seconds of white noise: its cross-correlation with a copy has one sharp peak."""
    signal = np.random.default_rng(3).normal(0, 0.2, 4 * RATE)
    path = tmp_path / "noise.wav"
    write_wav(path, signal)
    return path, np.round(np.clip(signal, -1, 1) * 32767) / 32767


def edl(canvas: Canvas, frames: int, shots: tuple[Shot, ...], **options: object) -> Edl:
    """An EDL with quiet defaults: no titles, pulses, music or fades unless given."""
    fields: dict[str, object] = {
        "titles": (),
        "pulses": (),
        "accents": (),
        "music": None,
        "palette": NEON,
    }
    fields.update(options)
    return Edl(canvas=canvas, frames=frames, shots=shots, **fields)  # type: ignore[arg-type]


async def rendered(plan: Edl, out: Path, **options: object) -> Path:
    """Render ``plan`` to ``out`` with the bundled ffmpeg."""
    await render(plan, out, exe=EXE, **options)  # type: ignore[arg-type]
    return out


def region_spread(picture: np.ndarray) -> float:
    """How much a picture region varies: text on a flat background makes it large."""
    return float(picture.std())


# -- the file -----------------------------------------------------------------------------


@pytest.fixture
async def basic(tmp_path: Path, noise_wav: tuple[Path, np.ndarray]) -> Path:
    """Two seconds, 16:9, a still and a generated shot, music and fades."""
    grey = await image(tmp_path / "grey.png", "color=c=0x808080:s=64x48")
    plan = edl(
        WIDE,
        61,
        (Shot(0, 30, Still(grey, "pan_left")), Shot(30, 61, Generated(0))),
        music=Music(noise_wav[0], 0.0, 1.0),
        fade_in=6,
        fade_out=6,
    )
    return await rendered(plan, tmp_path / "basic.mp4", work_dir=tmp_path)


async def test_size_rate_and_codecs_are_exact(basic: Path) -> None:
    """Discord and phones play H.264 yuv420p with AAC; the canvas and rate are the EDL's."""
    text = await info(basic)
    assert re.search(r"Video: h264 .*yuv420p.*, 320x180", text), text
    assert re.search(r"\b30 fps\b", text), text
    assert "Audio: aac" in text


async def test_length_is_exactly_the_edl_frames_in_picture_and_sound(basic: Path) -> None:
    """An off-by-one length would shift every later cut; the sound must last as long."""
    picture = await frames(basic, WIDE)
    assert len(picture) == 61
    sound = await samples(basic)
    assert abs(len(sound) / RATE - 61 / FPS) <= 1 / FPS


async def test_moov_comes_before_mdat_for_streaming(basic: Path) -> None:
    """+faststart: a player can start before the whole file is downloaded."""
    kinds = boxes(basic)
    assert b"moov" in kinds and b"mdat" in kinds
    assert kinds.index(b"moov") < kinds.index(b"mdat")


async def test_fades_start_from_black_and_silence(basic: Path) -> None:
    """fade_in darkens the first frames and quietens the first samples."""
    picture = await frames(basic, WIDE)
    assert picture[0].mean() < 25 < picture[10].mean()
    sound = await samples(basic)
    start, later = sound[: RATE // 60], sound[RATE // 2 : RATE // 2 + RATE // 60]
    assert np.sqrt(np.mean(start**2)) < 0.3 * np.sqrt(np.mean(later**2))


async def test_no_music_still_gives_a_silent_audio_track(tmp_path: Path) -> None:
    """Some players refuse video without sound: the file always has a (silent) AAC track."""
    plan = edl(WIDE, 30, (Shot(0, 30, Generated(1)),))
    out = await rendered(plan, tmp_path / "silent.mp4")
    assert "Audio: aac" in await info(out)
    sound = await samples(out)
    assert len(sound) > RATE // 2
    assert np.abs(sound).max() < 1e-3


# -- titles -------------------------------------------------------------------------------


async def test_title_is_drawn_on_exactly_its_frames(tmp_path: Path) -> None:
    """A title shows from its first frame to its last, never outside; odd text is safe."""
    grey = await image(tmp_path / "grey.png", "color=c=0x606060:s=64x48")
    text = '100% it\'s: "a\\b"\nline two'
    plan = edl(
        WIDE,
        40,
        (Shot(0, 40, Still(grey, "pan_right")),),
        titles=(Title(text, 12, 29),),
    )
    picture = await frames(await rendered(plan, tmp_path / "title.mp4"), WIDE)
    middle = picture[:, 45:135, 40:280]
    spread = [region_spread(frame) for frame in middle]
    assert all(spread[n] > 15 for n in range(12, 29))
    assert all(spread[n] < 3 for n in [*range(12), *range(29, 40)])


async def test_a_cjk_title_renders(tmp_path: Path) -> None:
    """Chinese-speaking musicians title their tracks in Chinese: the glyphs are drawn."""
    grey = await image(tmp_path / "grey.png", "color=c=0x606060:s=64x48")
    plan = edl(
        WIDE, 10, (Shot(0, 10, Still(grey, "pan_left")),), titles=(Title("夜行 音乐", 0, 10),)
    )
    picture = await frames(await rendered(plan, tmp_path / "cjk.mp4"), WIDE)
    assert region_spread(picture[5, 45:135, 40:280]) > 8
    assert region_spread(picture[5, :20]) < 3  # the edge of the frame stays flat grey


def test_emoji_have_no_glyph_and_are_named() -> None:
    """An emoji title would come out as empty boxes: refused, and the agent is told which."""
    assert fonts.font_for("🎵") is None
    assert fonts.missing_glyphs("Night 🎵 Drive 🎵") == "🎵"
    assert fonts.font_for("Night Drive 夜行") is not None


async def test_undrawable_title_is_refused_before_ffmpeg(tmp_path: Path) -> None:
    """The render fails at once with the missing characters rather than drawing boxes."""
    started: list[int] = []
    plan = edl(WIDE, 10, (Shot(0, 10, Generated(0)),), titles=(Title("Drive 🎵", 0, 10),))
    with pytest.raises(RenderError, match="🎵"):
        await render(plan, tmp_path / "x.mp4", exe=EXE, on_start=started.append)
    assert started == []


# -- cuts and pulses ----------------------------------------------------------------------


async def test_cuts_land_on_exactly_the_planned_frames(tmp_path: Path, noise_wav: tuple) -> None:
    """A cut one frame late is a cut off the beat: each is the biggest change near it."""
    red = await image(tmp_path / "red.png", "color=c=red:s=64x48")
    cuts = (23, 52, 71)
    plan = edl(
        WIDE,
        95,
        (
            Shot(0, 23, Generated(0)),
            Shot(23, 52, Still(red, "zoom_in")),
            Shot(52, 71, Generated(1)),
            Shot(71, 95, Generated(2)),
        ),
        music=Music(noise_wav[0], 0.0, 1.0),
    )
    picture = await frames(await rendered(plan, tmp_path / "cuts.mp4"), WIDE, "rgb24")
    change = np.abs(np.diff(picture, axis=0)).mean(axis=(1, 2, 3))  # change[i]: i -> i + 1
    for cut in cuts:
        window = range(cut - 6, cut + 6)
        assert max(window, key=lambda i: change[i - 1]) == cut
        assert change[cut - 1] > 3 * np.median(change)


async def test_pulses_brighten_beat_frames_and_accents_more(tmp_path: Path) -> None:
    """The beat is visible: a flash on each pulse frame that fades, stronger on downbeats."""
    grey = await image(tmp_path / "grey.png", "color=c=0x505050:s=64x48")
    plan = edl(
        WIDE,
        90,
        (
            Shot(0, 30, Generated(0)),
            Shot(30, 60, Still(grey, "pan_left")),
            Shot(60, 90, Generated(1)),
        ),
        pulses=(10, 40, 70),
        accents=(70,),
    )
    luma = (await frames(await rendered(plan, tmp_path / "pulses.mp4"), WIDE)).mean(axis=(1, 2))
    kick = {pulse: luma[pulse] - luma[pulse - 2 : pulse].mean() for pulse in (10, 40, 70)}
    assert all(value > 10 for value in kick.values()), kick
    assert all(luma[p] > luma[p + 2] > luma[p + 8] - 1 for p in (10, 40, 70))
    assert kick[70] > 1.5 * kick[10]


# -- sound --------------------------------------------------------------------------------


async def test_music_timing_is_unchanged_from_its_offset(
    tmp_path: Path, noise_wav: tuple[Path, np.ndarray]
) -> None:
    """Cuts are planned on the track's beats: the sound must start at offset_s, undelayed."""
    path, source = noise_wav
    plan = edl(WIDE, 60, (Shot(0, 60, Generated(0)),), music=Music(path, 0.5, 0.5))
    sound = await samples(await rendered(plan, tmp_path / "timing.mp4"))
    expected = source[RATE // 2 : RATE // 2 + len(sound)]
    size = 1 << int(np.ceil(np.log2(2 * len(sound))))
    spectrum = np.fft.rfft(sound, size) * np.conj(np.fft.rfft(expected, size))
    correlation = np.fft.irfft(spectrum, size)
    lag = int(np.argmax(correlation))
    lag = lag - size if lag > size // 2 else lag
    assert abs(lag) <= RATE * 0.003, f"audio shifted by {lag} samples"
    # The least-squares gain ignores the codec's own (uncorrelated) noise.
    gain = np.dot(sound, expected[: len(sound)]) / np.dot(expected, expected)
    assert 0.45 < gain < 0.55


# -- user media ---------------------------------------------------------------------------


async def test_a_16_9_clip_fills_a_9_16_canvas_from_each_in_s(tmp_path: Path) -> None:
    """A landscape clip in a vertical video: cropped to fill, 25→30 fps, each shot at its in_s."""
    clip = tmp_path / "ramp.mp4"
    ramp = "nullsrc=s=320x180:r=25:d=6,geq=lum='N*2':cb=128:cr=128"
    encode = ("-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p")
    await ffmpeg("-f", "lavfi", "-i", ramp, *encode, "-y", str(clip))
    sections = {0: 2.0, 25: 3.0, 40: 1.0}  # shot start frame -> in_s
    shots = (
        Shot(0, 15, Clip(clip, sections[0])),
        Shot(15, 25, Generated(0)),
        Shot(25, 40, Clip(clip, sections[25])),
        Shot(40, 55, Clip(clip, sections[40])),
    )
    out = await rendered(edl(TALL, 55, shots), tmp_path / "clip.mp4")
    assert re.search(r"Video: h264 .*, 180x320", await info(out))
    luma = (await frames(out, TALL)).mean(axis=(1, 2))
    assert len(luma) == 55
    # Clip frame k at 25 fps has luma 2k: output frame n of a shot shows in_s + n / 30.
    for start, in_s in sections.items():
        for n in (0, 7, 14):
            assert abs(luma[start + n] - 2 * 25 * (in_s + n / 30)) <= 4, (start, n, luma)


async def test_still_motions_move_the_picture(tmp_path: Path) -> None:
    """A photo is never a frozen slide: pans slide across it, zooms narrow the view."""
    ramp = await image(
        tmp_path / "ramp.png", "gradients=s=640x360:c0=black:c1=white:x0=0:y0=0:x1=639:y1=0"
    )
    plan = edl(
        WIDE,
        60,
        (Shot(0, 30, Still(ramp, "pan_right")), Shot(30, 60, Still(ramp, "zoom_in"))),
    )
    picture = await frames(await rendered(plan, tmp_path / "motion.mp4"), WIDE)
    assert picture[29].mean() > picture[0].mean() + 5  # the view moved towards white
    assert picture[59].std() < picture[30].std() - 2  # zoomed in: a narrower ramp


async def test_mono_palette_leaves_no_colour(tmp_path: Path) -> None:
    """The black-and-white look applies to photos too, not only to generated visuals."""
    red = await image(tmp_path / "red.png", "color=c=red:s=64x48")
    plan = edl(
        WIDE, 30, (Shot(0, 15, Still(red, "pan_left")), Shot(15, 30, Generated(3))), palette=MONO
    )
    planes = await chroma(await rendered(plan, tmp_path / "mono.mp4"), WIDE)
    assert np.abs(planes - 128).max() < 4


# -- the job ------------------------------------------------------------------------------


def long_edl(seconds: int) -> Edl:
    """A generated video long enough to watch it progress and stop it."""
    frames = seconds * FPS
    shots = tuple(Shot(s, min(frames, s + 30), Generated(s // 30)) for s in range(0, frames, 30))
    return edl(WIDE, frames, shots, pulses=tuple(range(0, frames, 15)))


async def test_progress_is_true_monotonic_and_ends_at_one(tmp_path: Path) -> None:
    """The job's percentage comes from ffmpeg's own clock: it climbs, and 1.0 means done."""
    seen: list[float] = []
    await render(long_edl(45), tmp_path / "long.mp4", exe=EXE, on_progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert any(0 < value < 1 for value in seen)
    assert (tmp_path / "long.mp4").is_file()


async def test_cancel_kills_ffmpeg_and_leaves_no_file(tmp_path: Path) -> None:
    """A cancelled render job must not leave ffmpeg burning both cores, nor a half file."""
    started: list[int] = []
    progressed = asyncio.Event()
    out = tmp_path / "cancelled.mp4"
    job = asyncio.create_task(
        render(
            long_edl(120),
            out,
            exe=EXE,
            work_dir=tmp_path,
            on_start=started.append,
            on_progress=lambda _: progressed.set(),
        )
    )
    await asyncio.wait_for(progressed.wait(), timeout=60)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert len(started) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(started[0], 0)
    assert leftovers(tmp_path) == []


async def test_time_limit_stops_the_render_with_a_clear_error(tmp_path: Path) -> None:
    """A stuck render ends as a failed job, not a hung one; ffmpeg is gone afterwards."""
    started: list[int] = []
    out = tmp_path / "slow.mp4"
    with pytest.raises(RenderError, match="too long"):
        await render(long_edl(120), out, exe=EXE, on_start=started.append, time_limit=0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(started[0], 0)
    assert not out.exists() and not out.with_name(out.name + ".part").exists()


async def test_a_missing_source_fails_clearly_before_ffmpeg(tmp_path: Path) -> None:
    """A photo deleted from the cache gives its name in the error, and nothing runs."""
    started: list[int] = []
    plan = edl(WIDE, 30, (Shot(0, 30, Still(tmp_path / "gone.jpg", "zoom_in")),))
    with pytest.raises(RenderError, match=r"missing: gone\.jpg"):
        await render(plan, tmp_path / "x.mp4", exe=EXE, on_start=started.append)
    assert started == []


async def test_ffmpeg_failure_gives_a_short_safe_message(tmp_path: Path) -> None:
    """An unreadable photo fails the job with ffmpeg's reason, without our directories."""
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")
    plan = edl(WIDE, 30, (Shot(0, 30, Still(broken, "pan_left")),))
    with pytest.raises(RenderError) as failure:
        await render(plan, tmp_path / "x.mp4", exe=EXE)
    message = str(failure.value)
    assert message.startswith("ffmpeg failed")
    assert str(tmp_path) not in message and len(message) < 260
    assert not (tmp_path / "x.mp4.part").exists()

"""Benchmark: the studio renderer on a whole generated track, beside a bare encode.

A generated 120 BPM track (kick, snare, hats, bass, chords; ``--seconds``, default 180) is
rendered at 1080p30, 16:9 (1920x1080) and 9:16 (1080x1920), from an EDL of ~200 generated
shots cut on the beat grid, a pulse on every beat (stronger on downbeats) and a title. In the
same run, alternating with it, a *bare* ffmpeg encode of the same size and length (``testsrc2``
+ the track, the renderer's encoder settings) gives the encoder's own limit. A third EDL mixes
photos (12 MP JPEGs, panned and zoomed) and clips (1080p30 and 720p25) into the cuts.

Every run is one child process, so its peak RSS is ``getrusage(RUSAGE_CHILDREN)`` of that child
alone (ffmpeg), and its CPU seconds are measured beside the wall time: on a noisy machine CPU
is the steadier figure. Targets: ≥ 2x real time at 1080p, ≤ 1.5x the bare encode, ≤ 500 MB.

    .venv/bin/python tests/bench/studio_render.py [--seconds 180] [--repeat 1] [--only 16:9]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout

import imageio_ffmpeg

from bot.studio import render as studio_render
from bot.studio.edl import Canvas, Clip, Edl, Generated, Music, Palette, Shot, Still, Title

FPS = 30
BPM = 120
BEAT_FRAMES = FPS * 60 // BPM
#: Shot lengths in beats, cycled: ~1.75 beats a shot, ~200 shots in three minutes.
PATTERN = (2, 1, 2, 3, 1, 2, 1, 2)
SAMPLE_RATE = 44100
NEON = Palette("neon", "0x0b0420", "0xff2fd0", "0x21f6ff", "0xffffff")
SIZES = {"16:9": (1920, 1080), "9:16": (1080, 1920)}
PHOTO = "4032x3024"
CLIP_SECONDS = 12


def track(path: Path, seconds: float) -> None:
    """A 120 BPM loop with real musical content, as 16-bit stereo WAV."""
    rng = np.random.default_rng(7)
    count = int(SAMPLE_RATE * seconds)
    t = np.arange(count) / SAMPLE_RATE
    beat = 60 / BPM
    y = np.zeros(count)

    def hit(at: float, sound: np.ndarray) -> None:
        start = int(at * SAMPLE_RATE)
        end = min(count, start + len(sound))
        if start < count:
            y[start:end] += sound[: end - start]

    k = np.arange(int(0.25 * SAMPLE_RATE)) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-k * 30)) * k) * np.exp(-k * 12)
    s = np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE
    snare = rng.normal(0, 0.5, len(s)) * np.exp(-s * 20)
    h = np.arange(int(0.05 * SAMPLE_RATE)) / SAMPLE_RATE
    hat = np.diff(rng.normal(0, 0.3, len(h) + 1)) * np.exp(-h * 80)
    for index in range(int(seconds / beat) + 1):
        hit(index * beat, 0.9 * kick)
        if index % 2:
            hit(index * beat, 0.6 * snare)
        hit(index * beat, 0.25 * hat)
        hit((index + 0.5) * beat, 0.2 * hat)
    roots = np.array([55, 55 * 2 ** (3 / 12), 55 * 2 ** (7 / 12), 55 * 2 ** (5 / 12)])
    root = roots[(t // (4 * beat)).astype(int) % 4]
    y += 0.12 * np.sign(np.sin(2 * np.pi * root * t)) * (1 - (t % beat) / beat)
    for ratio in (1, 1.25, 1.5):
        y += 0.06 * np.sin(2 * np.pi * 4 * root * ratio * t)
    stereo = np.stack([y, np.roll(y, 300) * 0.8], axis=1)
    stereo = stereo / np.max(np.abs(stereo)) * 0.9
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((stereo * 32767).astype("<i2").tobytes())


def media(exe: str, folder: Path) -> tuple[list[Path], list[Path]]:
    """Three 12 MP photos and two clips (1080p30 and 720p25), made by ffmpeg."""
    photos, clips = [], []
    for index, source in enumerate(("testsrc2", "mandelbrot", "smptehdbars")):
        photo = folder / f"photo{index}.jpg"
        make = ["-f", "lavfi", "-i", f"{source}=s={PHOTO}", "-frames:v", "1", "-q:v", "3"]
        subprocess.run([exe, "-loglevel", "error", "-y", *make, str(photo)], check=True)
        photos.append(photo)
    for index, spec in enumerate(("testsrc2=s=1920x1080:r=30", "rgbtestsrc=s=1280x720:r=25")):
        clip = folder / f"clip{index}.mp4"
        make = [
            "-f",
            "lavfi",
            "-i",
            spec,
            "-t",
            str(CLIP_SECONDS),
            "-pix_fmt",
            "yuv420p",
            "-g",
            "30",
        ]
        subprocess.run([exe, "-loglevel", "error", "-y", *make, str(clip)], check=True)
        clips.append(clip)
    return photos, clips


def edl(
    size: tuple[int, int], seconds: float, music: Path, photos: list[Path], clips: list[Path]
) -> Edl:
    """~200 shots on the beat grid, generated; with media, every 3rd a photo and 5th a clip."""
    frames = round(seconds * FPS)
    motions = ("zoom_in", "pan_left", "zoom_out", "pan_right")
    # Each clip plays on from where its last shot stopped, wrapping before its end.
    cursors = dict.fromkeys(clips, 0.0)
    shots, start, index = [], 0, 0
    while start < frames:
        end = min(frames, start + PATTERN[index % len(PATTERN)] * BEAT_FRAMES)
        source: Generated | Still | Clip = Generated(index % 4)
        if photos and index % 3 == 2:
            source = Still(photos[index // 3 % len(photos)], motions[index // 3 % len(motions)])
        elif clips and index % 5 == 4:
            clip = clips[index // 5 % len(clips)]
            source = Clip(clip, cursors[clip])
            cursors[clip] = (cursors[clip] + (end - start) / FPS) % (CLIP_SECONDS - 2)
        shots.append(Shot(start, end, source))
        start, index = end, index + 1
    beats = tuple(range(0, frames, BEAT_FRAMES))
    return Edl(
        canvas=Canvas(*size, FPS),
        frames=frames,
        shots=tuple(shots),
        titles=(Title("Beatthread — Night Drive 夜行", 2 * BEAT_FRAMES, 10 * BEAT_FRAMES),),
        pulses=beats,
        accents=beats[::4],
        music=Music(music, 0.0, 1.0),
        palette=NEON,
        fade_in=BEAT_FRAMES,
        fade_out=2 * BEAT_FRAMES,
    )


def bare(exe: str, size: tuple[int, int], seconds: float, music: Path, out: Path) -> None:
    """The encoder alone: testsrc2 and the track, with the renderer's encoder settings."""
    width, height = size
    args = [
        *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
        *("-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}", "-i", str(music)),
        *("-map", "0:v", "-map", "1:a"),
        *("-c:v", "libx264", "-preset", studio_render.PRESET, "-crf", str(studio_render.CRF)),
        *("-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", f"{studio_render.AUDIO_KBPS}k"),
        *("-frames:v", str(round(seconds * FPS)), "-movflags", "+faststart", str(out)),
    ]
    subprocess.run([exe, *args], check=True)


def child(job: dict[str, Any]) -> None:
    """One measured run in this process; prints wall, CPU and ffmpeg's peak RSS as JSON."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    studio_render.PRESET = job["preset"]  # type: ignore[misc]  # the bench compares presets
    folder, size, seconds = Path(job["folder"]), tuple(job["size"]), job["seconds"]
    music, out = folder / "track.wav", folder / f"{job['name']}.mp4"
    started = time.perf_counter()
    if job["kind"] == "bare":
        bare(exe, size, seconds, music, out)
    else:
        photos = sorted(folder.glob("photo*.jpg")) if job["kind"] == "media" else []
        clips = sorted(folder.glob("clip*.mp4")) if job["kind"] == "media" else []
        plan = edl(size, seconds, music, photos, clips)
        asyncio.run(studio_render.render(plan, out, exe=exe, work_dir=folder))
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "bytes": out.stat().st_size,
    }
    print(json.dumps(result))


def measure(job: dict[str, Any]) -> dict[str, float]:
    """Run ``job`` in a fresh child process and read its figures."""
    argv = [sys.executable, __file__, "--child", json.dumps(job)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def report(name: str, runs: list[dict[str, float]], seconds: float, bare_run: Any) -> None:
    """One line: median wall, x real time, CPU, peak RSS, size, and the ratio to the bare run."""
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    rss = max(r["rss_mb"] for r in runs)
    size = statistics.median(r["bytes"] for r in runs) / 1e6
    line = (
        f"{name:<16} wall {wall:6.1f} s  {seconds / wall:5.2f}x RT  cpu {cpu:6.1f} s  "
        f"rss {rss:5.0f} MB  {size:6.1f} MB"
    )
    if bare_run is not None:
        line += f"  vs bare: wall {wall / bare_run[0]:.2f}x  cpu {cpu / bare_run[1]:.2f}x"
    print(line, flush=True)


def main() -> None:
    """Prepare the track and media once, then alternate bare and studio runs per canvas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", choices=[*SIZES, "media"], action="append")
    parser.add_argument("--preset", default=studio_render.PRESET, help="libx264 preset to try")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(json.loads(options.child))
        return
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as scratch:
        folder = Path(scratch)
        track(folder / "track.wav", options.seconds)
        media(exe, folder)
        print(f"{options.seconds:.0f} s track, 1080p{FPS}, preset {options.preset}")
        for aspect in options.only or [*SIZES, "media"]:
            size = SIZES.get(aspect, SIZES["16:9"])
            kinds = ("bare", "media") if aspect == "media" else ("bare", "generated")
            runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
            for _ in range(options.repeat):
                for kind in kinds:
                    job = {"kind": kind, "folder": scratch, "size": size, "name": kind}
                    job["preset"] = options.preset
                    runs[kind].append(measure({**job, "seconds": options.seconds}))
            base = runs["bare"]
            reference = (
                statistics.median(r["wall"] for r in base),
                statistics.median(r["cpu"] for r in base),
            )
            report(f"{aspect} bare", base, options.seconds, None)
            report(f"{aspect} {kinds[1]}", runs[kinds[1]], options.seconds, reference)


if __name__ == "__main__":
    main()

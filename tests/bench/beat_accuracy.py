"""Benchmark: the studio's beats, tempo and bars on the generated suite, and its speed.

Each section prints its figures beside a baseline from the same run:

* accuracy: per track of :data:`bot.studio.synth.SUITE` (and the mean), the beat F-measure at
  ±70 ms and the tempo of the studio's analysis and of librosa's plain ``beat_track`` on the
  same decoded samples; octave errors counted for both; the studio's downbeat F-measure.
  Targets: mean beat F >= 0.95 and no octave error.
* cuts: for a few tracks of the suite, the whole studio path (analysis, ``lay_cuts``, plan,
  one ffmpeg render at 720p) and then the picture changes **measured from the MP4 itself**
  (decoded frames: a cut or a beat flash is a jump of the mean frame difference), each
  compared with the nearest known beat in frames, beside the planned shot boundaries.
  Target: every cut within one frame (33 ms) of its beat.
* speed: analysis of a 3-minute track, warm (median of a few runs) beside the plain
  ``beat_track`` and the bare ffmpeg decode; the first call in a fresh process (numba's JIT
  really cold) reported apart, as is ``warm_up()``. Target: <= 5 s warm.

    .venv/bin/python -m tests.bench.beat_accuracy [--skip-accuracy] [--skip-cuts]
        [--skip-speed] [--runs 3] [--cut-tracks 6]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import librosa
import numpy as np

from bot.studio import analysis, plan, render
from bot.studio.schema import Asset
from bot.studio.synth import SILENCE, SUITE, TrackSpec, f_measure, known_beats, write_track
from tests.studio.media import cut_frames, gray_frames

TARGET_F = 0.95
#: Every cut within this many frames of its beat (one frame = 33 ms at 30 fps).
TARGET_CUT_FRAMES = 1
#: A jump of the mean frame difference (0..255) this large is a cut or a beat flash.
CUT_THRESHOLD = 25.0
TARGET_WARM_S = 5.0
TEMPO_TOLERANCE = 0.02
#: A tempo this close (in octaves) to half or double the truth is an octave error.
OCTAVE_TOLERANCE = 0.06
LONG = TrackSpec("bench-3min", 128, 180.0, style="four_on_floor")

COLD_SCRIPT = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from bot.studio import analysis
imported = time.perf_counter()
analysis.analyse(Path(sys.argv[1]))
first = time.perf_counter()
analysis.analyse(Path(sys.argv[1]))
second = time.perf_counter()
print(imported - started, first - imported, second - first)
"""
WARM_UP_SCRIPT = """
import time
from bot.studio import analysis
started = time.perf_counter()
analysis.warm_up()
print(time.perf_counter() - started)
"""


@dataclass(frozen=True)
class Score:
    """One tracker on one track."""

    tempo_bpm: float
    f: float
    octave_error: bool
    tempo_ok: bool


def score(spec: TrackSpec, tempo_bpm: float, beats_s: list[float], known: list[float]) -> Score:
    truths = [spec.bpm] + ([spec.bpm_after] if spec.bpm_after else [])
    octaves = min(abs(math.log2(tempo_bpm / truth)) for truth in truths)
    return Score(
        tempo_bpm=tempo_bpm,
        f=f_measure(beats_s, known),
        octave_error=abs(octaves - 1) <= OCTAVE_TOLERANCE,
        tempo_ok=min(abs(tempo_bpm / t - 1) for t in truths) <= TEMPO_TOLERANCE,
    )


def baseline(samples: np.ndarray) -> tuple[float, list[float]]:
    tempo, beats = librosa.beat.beat_track(
        y=samples, sr=analysis.SAMPLE_RATE, hop_length=512, units="time"
    )
    return float(np.atleast_1d(tempo)[0]), [float(t) for t in beats]


def accuracy(folder: Path) -> None:
    print(f"accuracy on {len(SUITE)} generated tracks, beat F at ±70 ms")
    print(
        f"{'track':22s} {'true':>5s} | {'studio':>7s} {'F':>5s} {'bars F':>6s} | "
        f"{'plain':>7s} {'F':>5s}"
    )
    studio_rows: list[Score] = []
    plain_rows: list[Score] = []
    offsets: list[float] = []
    bars: list[float] = []
    for spec in SUITE:
        path = folder / f"{spec.name}.wav"
        known = write_track(path, spec)
        result = analysis.analyse(path)
        studio = score(spec, result.tempo_bpm, list(result.beats_s), list(known.beats_s))
        plain = score(spec, *baseline(analysis.decode(path)), list(known.beats_s))
        bars.append(f_measure(result.downbeats_s, known.downbeats_s))
        offsets.extend(signed_offsets(result.beats_s, known.beats_s))
        studio_rows.append(studio)
        plain_rows.append(plain)
        print(
            f"{spec.name:22s} {spec.bpm:5.0f} | {studio.tempo_bpm:7.1f} {studio.f:5.2f} "
            f"{bars[-1]:6.2f} | {plain.tempo_bpm:7.1f} {plain.f:5.2f}"
            f"{octave_note(studio, plain)}"
        )
    for name, rows in (("studio", studio_rows), ("plain beat_track", plain_rows)):
        mean_f = statistics.mean(r.f for r in rows)
        octave = sum(r.octave_error for r in rows)
        tempo_ok = sum(r.tempo_ok for r in rows)
        print(
            f"{name:17s}: mean beat F {mean_f:.3f}, octave errors {octave}, "
            f"tempo within 2 % on {tempo_ok}/{len(rows)}"
        )
    print(f"studio downbeat F: mean {statistics.mean(bars):.3f}, worst {min(bars):.2f}")
    print(
        f"studio beats vs truth: mean {statistics.mean(offsets) * 1000:+.1f} ms "
        f"(sd {statistics.pstdev(offsets) * 1000:.1f} ms)"
    )
    print(f"targets: mean beat F >= {TARGET_F}, no octave error")
    silent = folder / "silence.wav"
    write_track(silent, SILENCE)
    steady = analysis.analyse(silent)
    print(
        f"silence: steady={steady.steady}, {steady.tempo_bpm:.0f} BPM grid, "
        f"{len(steady.beats_s)} beats"
    )


def octave_note(studio: Score, plain: Score) -> str:
    """Which tracker, if any, is off by an octave on this track."""
    marks = [name for name, row in (("studio", studio), ("plain", plain)) if row.octave_error]
    return f"  octave error: {', '.join(marks)}" if marks else ""


def signed_offsets(estimated: tuple[float, ...], reference: tuple[float, ...]) -> list[float]:
    """Estimate minus truth for every estimate within 70 ms of a true beat."""
    ref = np.asarray(reference)
    out = []
    for t in estimated:
        nearest = float(ref[np.argmin(np.abs(ref - t))])
        if abs(t - nearest) <= 0.07:
            out.append(t - nearest)
    return out


def speed(folder: Path, runs: int) -> None:
    path = folder / "bench-3min.wav"
    write_track(path, LONG)
    print(f"speed: a {LONG.seconds / 60:.0f}-minute track, {runs} runs (medians)")
    cold = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    warm_up_s = float(
        subprocess.run(
            [sys.executable, "-c", WARM_UP_SCRIPT], capture_output=True, text=True, check=True
        ).stdout
    )
    analysis.warm_up()
    decode_runs, plain_runs, studio_runs = [], [], []
    for _ in range(runs):  # alternate so CPU noise hits every path
        started = time.perf_counter()
        samples = analysis.decode(path)
        decode_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        baseline(samples)
        plain_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        analysis.analyse(path)
        studio_runs.append(time.perf_counter() - started)
    import_s, first_s, second_s = (float(v) for v in cold)
    print(f"ffmpeg decode only     : {statistics.median(decode_runs):6.2f} s")
    print(f"plain beat_track (warm): {statistics.median(plain_runs):6.2f} s")
    print(
        f"studio analyse (warm)  : {statistics.median(studio_runs):6.2f} s  "
        f"(target <= {TARGET_WARM_S:.0f} s)"
    )
    print(
        f"fresh process: import {import_s:.2f} s, first analyse {first_s:.2f} s, "
        f"second {second_s:.2f} s -> JIT about {first_s - second_s:.1f} s"
    )
    print(f"warm_up() in a fresh process: {warm_up_s:.2f} s (what a server pays at start)")


def cuts(folder: Path, tracks: int) -> None:
    """Render a few suite tracks through the whole studio and measure their cuts from the MP4."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    print(f"\n== cuts measured from the rendered MP4 ({tracks} tracks, 720p) ==")
    print(f"{'track':<22} {'bpm':>5} {'shots':>6} {'changes':>8} {'max off':>8} {'<=1 fr':>7}")
    worst = 0
    total = within = 0
    chosen = SUITE[:: max(1, len(SUITE) // tracks)][:tracks]
    for spec in chosen:
        wav = folder / f"{spec.name}.wav"
        write_track(wav, spec)
        found = analysis.analyse(wav)
        url = "local:" + spec.name
        draft: dict[str, object] = {
            "t": [{"tt": 1, "sg": [{"d": round(spec.seconds * 1000), "m": {"url": url}}]}],
            "m": {"grid": {"unit": "beat", "every": 1}},
        }
        asset = Asset(url=url, path=wav, kind="audio", name=spec.name, duration_s=spec.seconds)
        plan.lay_cuts(draft, found, [asset])
        edl = plan.plan(draft, found, {url: asset}, height=720)
        out = folder / f"{spec.name}.mp4"
        asyncio.run(render.render(edl, out, exe=exe))
        frames = gray_frames(out, 48, 27)
        beat_frames = np.array([round(b * 30) for b in known_beats(spec).beats_s])
        measured = cut_frames(frames, CUT_THRESHOLD)
        offsets = [int(np.min(np.abs(beat_frames - f))) for f in measured]
        worst = max([worst, *offsets])
        total += len(offsets)
        within += sum(1 for o in offsets if o <= TARGET_CUT_FRAMES)
        print(
            f"{spec.name:<22} {spec.bpm:>5.0f} {len(edl.shots):>6} {len(measured):>8} "
            f"{max(offsets, default=0):>8} {sum(o <= 1 for o in offsets):>7}"
        )
    share = within / total if total else 0.0
    print(
        f"all: {total} picture changes, {share:.1%} within {TARGET_CUT_FRAMES} frame of a known "
        f"beat, worst {worst} frames (target: all within {TARGET_CUT_FRAMES})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-cuts", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--cut-tracks", type=int, default=6, help="suite tracks rendered")
    parser.add_argument("--runs", type=int, default=3, help="warm timing runs; medians shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_accuracy:
            accuracy(folder)
        if not args.skip_cuts:
            cuts(folder, args.cut_tracks)
        if not args.skip_speed:
            speed(folder, args.runs)


if __name__ == "__main__":
    main()

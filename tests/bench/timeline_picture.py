"""Benchmark: drawing the timeline picture of a 3-minute, 12-track draft.

The draft is what a busy studio edit looks like: 6 video tracks cut on the beat at 120 BPM
(~200 labelled segments each), 2 music tracks with a loudness curve, 4 title tracks (8 titles
each, English and 中文), plus 360 beats and 90 downbeats. Each run is one
:func:`~bot.pictures.draw_timeline` call (layout, drawing and PNG encoding); the first call,
which also opens the font (a 16 MB CJK font), is timed apart.

Memory: ``tracemalloc`` sees Python's allocations only, not Pillow's image buffers, so the
peak RSS growth (``ru_maxrss``) is printed beside it: of the first draw (font loading included)
and over the runs after it.
Targets (issue 15): ≤ 150 ms and ≤ 50 MB.

    .venv/bin/python tests/bench/timeline_picture.py [--runs 30]
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout

from bot.core.timeline import Timeline, parse_draft
from bot.pictures import draw_timeline

SECONDS = 180
BPM = 120
BEAT_MS = 60_000 // BPM
#: Shot lengths in beats, cycled (~1.75 beats a shot).
PATTERN = (2, 1, 2, 3, 1, 2, 1, 2)
TARGET_MS = 150
TARGET_MB = 50
ENERGY_HOP_S = 0.1


def video_track(number: int) -> dict[str, object]:
    segments, start, index = [], 0, 0
    while start < SECONDS * 1000:
        length = PATTERN[(index + number) % len(PATTERN)] * BEAT_MS
        name = f"clip_{number}_{index:03d}.mp4"
        segments.append({"s": start, "d": length, "m": {"name": name, "beat": start // BEAT_MS}})
        start, index = start + length, index + 1
    return {"tt": 0, "sg": segments}


def title_track(number: int) -> dict[str, object]:
    texts = ("Urban Dreams", "城市之梦", "Night Drive", "第二段副歌")
    segments = [
        {"s": (number * 5 + i * 22) * 1000, "d": 4000, "m": {"text": texts[(i + number) % 4]}}
        for i in range(8)
    ]
    return {"tt": 7, "sg": segments}


def draft() -> Timeline:
    music = {"tt": 1, "sg": [{"d": SECONDS * 1000, "m": {"name": "song.wav", "volume": 0.8}}]}
    tracks = [video_track(n) for n in range(6)]
    tracks += [music, {**music, "sg": [{"d": 60_000, "m": {"name": "riser", "volume": 35}}]}]
    tracks += [title_track(n) for n in range(4)]
    return parse_draft({"t": tracks, "d": SECONDS * 1000, "m": {"title": "Benchmark 基准"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs

    timeline = draft()
    beats = [i * BEAT_MS / 1000 for i in range(SECONDS * 1000 // BEAT_MS)]
    downbeats = beats[::4]
    energy = [0.5 + 0.5 * math.sin(i / 9) for i in range(int(SECONDS / ENERGY_HOP_S))]

    def draw() -> bytes:
        picture = draw_timeline(
            timeline,
            lang="en",
            beats_s=beats,
            downbeats_s=downbeats,
            energy=energy,
            energy_hop_s=ENERGY_HOP_S,
        )
        return picture.png

    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    png = draw()
    first_ms = (time.perf_counter() - began) * 1000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first_mb = (rss_before - rss_start) / 1024

    times = []
    for _ in range(runs):
        began = time.perf_counter()
        draw()
        times.append((time.perf_counter() - began) * 1000)
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024

    tracemalloc.start()
    draw()
    traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    segments = sum(len(track.segments) for track in timeline.tracks)
    print(f"draft: {len(timeline.tracks)} tracks, {segments} segments, {SECONDS} s")
    print(f"first draw (opens the font): {first_ms:.0f} ms, +{first_mb:.1f} MB RSS")
    median = statistics.median(times)
    print(f"draw, median of {runs}: {median:.1f} ms (max {max(times):.1f})   target ≤ {TARGET_MS}")
    print(f"peak traced (Python) memory of one draw: {traced_mb:.1f} MB   target ≤ {TARGET_MB}")
    print(
        f"peak RSS growth over the runs: {rss_growth_mb:.1f} MB; process peak RSS {rss_mb:.0f} MB"
    )
    print(f"PNG: {len(png)} bytes")


if __name__ == "__main__":
    main()

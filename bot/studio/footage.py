"""The user's photos and clips as tracks of the render, each overlaid on exactly its frames.

Photos: each sized once and held (``loop``), then one ``zoompan`` with piecewise zoom/position
expressions pans or zooms every photo shot. Clips (one track per file): shots grouped into
forward passes, one seeked input each, converted to the canvas rate and centre-cropped once.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from bot.studio.edl import Clip, Edl, Shot, Still, even
from bot.studio.filtergraph import Graph, pulse, spans, total, track_clock

#: User photos and clips get a gentler pulse than generated visuals.
USER_PULSE_SHARE: Final = 0.6
#: Photos are sized once to this much larger than the canvas: room for a pan to move, and
#: for a zoom (which narrows the view by ZOOM_RANGE) to stay a downscale.
STILL_MARGIN: Final = 1.12
ZOOM_RANGE: Final = 0.10
#: Clips are read this much past their shot (a short clip then holds its last frame).
CLIP_PAD_S: Final = 1.0


def still_track(graph: Graph, edl: Edl, shots: Sequence[tuple[Shot, Still]]) -> str:
    """Every photo shot end to end: each photo sized once, then one ``zoompan`` moves them all.

    ``zoompan`` keeps the output size fixed (a per-frame ``scale`` would change it
    mid-stream); its zoom and position are piecewise expressions of the track frame.
    """
    canvas = edl.canvas
    width, height = even(canvas.width * STILL_MARGIN), even(canvas.height * STILL_MARGIN)
    photos = _photos(graph, [still.path for _, still in shots], width, height)
    pieces, zoom, x, y = [], [], [], []
    for (shot, still), (_, _, at) in zip(shots, spans(shots), strict=True):
        frames = shot.end - shot.start
        piece = graph.label("still")
        hold = f"loop=loop={frames - 1}:size=1:start=0"
        graph.chain(photos[still.path].pop(), [hold, "setpts=N"], piece)
        pieces.append(piece)
        on = f"between(in,{at},{at + frames - 1})"
        step = f"(in-{at})/{max(1, frames - 1)}"  # 0 on the shot's first frame, 1 on its last
        motion = still.motion
        if motion in ("zoom_in", "zoom_out"):
            grow = step if motion == "zoom_in" else f"(1-{step})"
            zoom.append(f"{on}*(1+{ZOOM_RANGE}*{grow})")
            x.append(f"{on}*(iw-iw/zoom)/2")
        else:
            # The view is the canvas itself, sliding across the photo's margin.
            zoom.append(f"{on}*{width / canvas.width:.6f}")
            across = step if motion == "pan_right" else f"(1-{step})"
            x.append(f"{on}*(iw-iw/zoom)*{across}")
        y.append(f"{on}*(ih-ih/zoom)/2")
    moves = [f"z='{total(zoom)}'", f"x='{total(x)}'", f"y='{total(y)}'"]
    size = f"s={canvas.width}x{canvas.height}:fps={canvas.fps}"
    moved = [f"zoompan={':'.join(moves)}:d=1:{size}", "setsar=1"]
    return _joined(graph, edl, pieces, shots, moved, "stills")


def _photos(graph: Graph, paths: Sequence[Path], width: int, height: int) -> dict[Path, list[str]]:
    """One input per photo, sized once (so the full-size decode is freed), split to its shots."""
    uses = collections.Counter(paths)
    streams = {}
    for path, count in uses.items():
        sized = graph.label("photo")
        graph.chain(f"[{graph.add_input(path, '-threads', '1')}:v]", _cover(width, height), sized)
        streams[path] = graph.split(sized, count, "photo")
    return streams


def clip_track(graph: Graph, edl: Edl, shots: Sequence[tuple[Shot, Clip]]) -> str:
    """Every shot of one clip file end to end, at the canvas rate, centre-cropped once."""
    canvas = edl.canvas
    pieces: dict[Shot, str] = {}
    for run in _passes(shots, canvas.fps):
        # Seek at the input, read to the end of the pass's last shot; the clip's own sound is
        # never decoded. One decoding thread: a decoder lives for the whole render, and
        # threads cost frames.
        first = run[0][1].in_s
        length = max(clip.in_s + (shot.end - shot.start) / canvas.fps for shot, clip in run)
        seek = ("-ss", f"{first:.6f}", "-t", f"{length - first + CLIP_PAD_S:.6f}")
        index = graph.add_input(run[0][1].path, "-an", "-threads", "1", *seek)
        sources = graph.split(f"[{index}:v]", len(run), "pass")
        for (shot, clip), source in zip(run, sources, strict=True):
            frames = shot.end - shot.start
            window = f"trim=start={clip.in_s - first:.6f}:duration={frames / canvas.fps:.6f}"
            # A clip shorter than its shot holds its last frame.
            hold = ["tpad=stop=-1:stop_mode=clone", f"trim=end_frame={frames}", "setpts=N"]
            pieces[shot] = graph.label("clip")
            filters = [window, "setpts=PTS-STARTPTS", f"fps={canvas.fps}", *hold]
            graph.chain(source, filters, pieces[shot])
    ordered = [pieces[shot] for shot, _ in shots]
    return _joined(graph, edl, ordered, shots, _cover(canvas.width, canvas.height), "clips")


def _joined(
    graph: Graph,
    edl: Edl,
    pieces: Sequence[str],
    shots: Sequence[tuple[Shot, object]],
    filters: Sequence[str],
    stem: str,
) -> str:
    """A track: ``pieces`` (one per shot) end to end through ``filters``, pulsed, on the clock."""
    laid = spans(shots)
    chain = [
        *([f"concat=n={len(pieces)}:v=1:a=0"] if len(pieces) > 1 else []),
        *filters,
        pulse(edl, laid, USER_PULSE_SHARE, carry=False),
        *track_clock(edl, laid),
    ]
    track = graph.label(stem)
    graph.chain("".join(pieces), [f for f in chain if f], track)
    return track


def _cover(width: int, height: int) -> list[str]:
    """Scaled to cover ``width`` x ``height`` and centre-cropped to it."""
    return [
        f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic",
        f"crop={width}:{height}",
        "setsar=1",
        "format=yuv420p",
    ]


def _passes(shots: Sequence[tuple[Shot, Clip]], fps: int) -> list[list[tuple[Shot, Clip]]]:
    """A clip's shots grouped into forward passes, each decoding the file once from its seek.

    A shot joins a pass whose last section ends at or before its own ``in_s``, so a pass's
    sections come in the order they are shown and its decoder never has to go back or hold
    frames for later. Each pass is one input: one decoder's memory for all its shots.
    """
    passes: list[list[tuple[Shot, Clip]]] = []
    ends: list[float] = []
    for shot, clip in shots:
        open_ = [i for i, end in enumerate(ends) if end <= clip.in_s]
        if open_:
            chosen = max(open_, key=ends.__getitem__)  # the least decoding to skip
            passes[chosen].append((shot, clip))
        else:
            chosen = len(passes)
            passes.append([(shot, clip)])
            ends.append(0.0)
        ends[chosen] = clip.in_s + (shot.end - shot.start) / fps
    return passes

"""Rendering an EDL: one ffmpeg process, one filter graph, true progress, killed on cancel.

Per-frame Python is far too slow at 1080p on two cores, so the whole video is one filter graph
(written to a script file, built with :mod:`bot.studio.filtergraph`) and ffmpeg does every
pixel. Each kind of source is one *track* with a single full-size chain: a chain per shot would
hold its own full-size frames for the whole render (ffmpeg starts every chain at once). The graph:

* **sound**: the music from ``offset_s`` at ``gain``, padded/trimmed to exactly the video's
  length (sample-exact ``atrim``: no resampling, no tempo change), faded; silence without it.
* **generated track** (every frame, :mod:`bot.studio.visuals`): audio-reactive visuals,
  coloured by the palette and pulsed on the beats.
* **photo and clip tracks** (:mod:`bot.studio.footage`), overlaid on exactly their frames.
* then titles (``drawtext``, frame ``enable``) and fades; H.264 ``yuv420p`` + AAC,
  ``+faststart``, exactly ``edl.frames`` frames.

``-progress pipe:1`` gives the true percentage; the file is written to ``<out>.part`` and
renamed when complete, so a finished path is always a whole video.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from bot.studio import fonts
from bot.studio.edl import Canvas, Clip, Edl, Generated, Palette, Shot, Still, Title
from bot.studio.filtergraph import Graph, clock, overlay
from bot.studio.footage import clip_track, still_track
from bot.studio.visuals import generated_track

#: libx264 preset: the fastest. At 1080p30 on two cores ``veryfast`` encodes at about 1.2x
#: real time even with nothing to filter, ``superfast`` 1.5x, ``ultrafast`` 2.4x (the bench);
#: the files are larger, and the bot makes a smaller copy when Discord needs one.
PRESET: Final = "ultrafast"
#: Quality of every render (the bot makes a smaller copy when Discord needs one).
CRF: Final = 21
AUDIO_KBPS: Final = 160
#: Sample rate of the silent track of a video without music.
SILENCE_RATE: Final = 48000

#: Title font size as a share of the canvas height, capped so the widest line fits.
TITLE_SIZE: Final = 0.085
TITLE_WIDTH: Final = 0.86
#: Share of the canvas height a title of several lines may fill.
TITLE_BLOCK: Final = 0.45
TITLE_SHADOW_ALPHA: Final = 0.6
TITLE_BOX_ALPHA: Final = 0.40
TITLE_BOX_PAD: Final = 0.35

#: Terms per sum in a generated ffmpeg expression (see ``_total``).
EXPRESSION_FANOUT: Final = 8

#: Time limit of a render: a base plus this many seconds per second of video.
TIME_LIMIT_BASE_S: Final = 120.0
TIME_LIMIT_PER_S: Final = 8.0
#: Longest ffmpeg error line kept for the message, and how many lines are kept.
ERROR_CHARS: Final = 200
STDERR_LINES: Final = 20

#: What is cut from ffmpeg's error line: directories, and ``[filter @ 0x...]`` prefixes.
_PATH = re.compile(r"(?:file:)?/[^\s'\",:]+/")
_CONTEXT = re.compile(r"\[[^\]]* @ 0x[0-9a-f]+\]\s*")


class RenderError(Exception):
    """The render failed; the message is short and safe to show (no paths)."""


async def render(
    edl: Edl,
    out: Path,
    *,
    exe: str,
    on_progress: Callable[[float], None] | None = None,
    work_dir: Path | None = None,
    on_start: Callable[[int], None] | None = None,
    time_limit: float | None = None,
) -> None:
    """Render ``edl`` to the MP4 ``out``; raise :class:`RenderError` on failure.

    ``on_progress`` gets the share done (0..1, never decreasing, 1.0 last); ``on_start`` the
    ffmpeg pid; scratch files go in a temporary folder under ``work_dir``. Cancelling the
    caller, or ``time_limit`` seconds passing, kills ffmpeg and leaves no partial file.
    """
    _check_sources(edl)
    font = _title_font(edl.titles)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    limit = time_limit or TIME_LIMIT_BASE_S + TIME_LIMIT_PER_S * edl.seconds
    try:
        with tempfile.TemporaryDirectory(prefix="render-", dir=work_dir) as scratch:
            args = command(edl, part, Path(scratch), font)
            await _run(exe, args, edl.seconds, on_progress, on_start, limit)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(out)
    if on_progress is not None:
        on_progress(1.0)


def command(edl: Edl, part: Path, scratch: Path, font: Path | None) -> list[str]:
    """The arguments of ffmpeg; the graph script and title texts are written into ``scratch``."""
    graph = Graph()
    _audio(graph, edl)
    _video(graph, edl, scratch, font)
    script = scratch / "graph.txt"
    script.write_text(";\n".join(graph.chains), encoding="utf-8")
    return [
        *("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"),
        *("-progress", "pipe:1"),
        *graph.inputs,
        *("-/filter_complex", str(script)),
        *("-map", "[vout]", "-map", "[aout]"),
        *("-c:v", "libx264", "-preset", PRESET, "-pix_fmt", "yuv420p", "-crf", str(CRF)),
        *("-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k"),
        *("-frames:v", str(edl.frames), "-movflags", "+faststart", "-f", "mp4"),
        f"file:{part}",
    ]


def _audio(graph: Graph, edl: Edl) -> None:
    """``[aout]`` for the file, and ``[avis]`` for the visualizers when any shot needs it."""
    seconds = f"{edl.seconds:.6f}"
    if edl.music is None:
        silence = f"anullsrc=r={SILENCE_RATE}:cl=stereo"
        source, filters = "", [silence, f"atrim=duration={seconds}"]
    else:
        source = f"[{graph.add_input(edl.music.path, '-vn')}:a]"
        filters = [
            # Sample-exact from the offset: the music's timing is never touched.
            "asetpts=PTS-STARTPTS",
            f"atrim=start={edl.music.offset_s:.6f}",
            "asetpts=PTS-STARTPTS",
            f"volume={edl.music.gain:.4f}",
            f"apad=whole_dur={seconds}",
            f"atrim=duration={seconds}",
        ]
    if any(isinstance(shot.source, Generated) for shot in edl.shots):
        graph.chain(source, [*filters, "asplit=2"], "[amain][avis]")
        source, filters = "[amain]", []
    fps = edl.canvas.fps
    if edl.fade_in:
        filters.append(f"afade=t=in:d={edl.fade_in / fps:.6f}")
    if edl.fade_out:
        start = (edl.frames - edl.fade_out) / fps
        filters.append(f"afade=t=out:st={start:.6f}:d={edl.fade_out / fps:.6f}")
    graph.chain(source, filters, "[aout]", audio=True)


def _video(graph: Graph, edl: Edl, scratch: Path, font: Path | None) -> None:
    """``[vout]``: the generated track, photos and clips laid over it, then titles and fades.

    Each kind of source is one track with one full-size chain (a chain per shot would hold
    its own full-size frames for the whole render); user media is overlaid on its frames.
    """
    generated = any(isinstance(shot.source, Generated) for shot in edl.shots)
    picture = generated_track(graph, edl) if generated else _blank(graph, edl)
    stills = [(shot, shot.source) for shot in edl.shots if isinstance(shot.source, Still)]
    if stills:
        layer = still_track(graph, edl, stills)
        picture = overlay(graph, picture, layer, [shot for shot, _ in stills])
    clips: dict[Path, list[tuple[Shot, Clip]]] = {}
    for shot in edl.shots:
        if isinstance(shot.source, Clip):
            clips.setdefault(shot.source.path, []).append((shot, shot.source))
    for shots in clips.values():
        layer = clip_track(graph, edl, shots)
        picture = overlay(graph, picture, layer, [shot for shot, _ in shots])
    fps = edl.canvas.fps
    filters = [f"fps={fps}"]  # frame times are exact already; this states the rate
    for index, title in enumerate(edl.titles):
        text_file = scratch / f"title{index}.txt"
        text_file.write_text("\n".join(title.text.splitlines()), encoding="utf-8")
        filters.append(_title(edl.canvas, title, font, text_file, edl.palette))
    if edl.fade_in:
        filters.append(f"fade=t=in:s=0:n={edl.fade_in}")
    if edl.fade_out:
        filters.append(f"fade=t=out:s={edl.frames - edl.fade_out}:n={edl.fade_out}")
    graph.chain(picture, [*filters, "format=yuv420p"], "[vout]")


def _blank(graph: Graph, edl: Edl) -> str:
    """A black picture under user media, when no shot is generated."""
    canvas, label = edl.canvas, graph.label("blank")
    source = f"color=c=black:s={canvas.width}x{canvas.height}:r={canvas.fps}"
    graph.chain("", [source, f"trim=end_frame={edl.frames}", *clock(edl.canvas.fps)], label)
    return label


# -- titles -------------------------------------------------------------------------------


def _title_font(titles: Sequence[Title]) -> Path | None:
    """The font for every title (None when there is none); refuses undrawable text."""
    if not titles:
        return None
    text = "".join(title.text for title in titles)
    font = fonts.font_for(text)
    if font is None:
        missing = fonts.missing_glyphs(text)
        raise RenderError(
            f"the title font cannot draw: {missing}" if missing else "the title font is missing"
        )
    return font


def _title(canvas: Canvas, title: Title, font: Path | None, text: Path, palette: Palette) -> str:
    """The drawtext of one title: centred, on exactly its frames, its text read from a file."""
    lines = max(1, len(title.text.splitlines()))
    size = min(canvas.height * TITLE_SIZE, canvas.height * TITLE_BLOCK / lines)
    size = int(min(size, canvas.width * TITLE_WIDTH / max(fonts.width_em(title.text), 0.01)))
    options = [
        f"fontfile={_escape(str(font))}",
        f"textfile={_escape(str(text))}",
        "expansion=none",
        f"fontsize={max(size, 1)}",
        f"fontcolor={palette.text}",
        "text_align=C",
        "x=(w-text_w)/2",
        "y=(h-text_h)/2",
        "box=1",
        f"boxcolor=black@{TITLE_BOX_ALPHA}",
        f"boxborderw={max(1, int(size * TITLE_BOX_PAD))}",
        f"shadowcolor=black@{TITLE_SHADOW_ALPHA}",
        f"shadowx={max(1, size // 24)}",
        f"shadowy={max(1, size // 24)}",
        f"enable='between(n,{title.start},{title.end - 1})'",
    ]
    return "drawtext=" + ":".join(options)


# -- encoding and running -----------------------------------------------------------------


async def _run(
    exe: str,
    args: list[str],
    seconds: float,
    on_progress: Callable[[float], None] | None,
    on_start: Callable[[int], None] | None,
    limit: float,
) -> None:
    """Run ffmpeg to the end, reporting progress; kill it if we stop waiting for any reason."""
    process = await asyncio.create_subprocess_exec(
        exe,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if on_start is not None:
        on_start(process.pid)
    assert process.stdout is not None  # noqa: S101 - both pipes were asked for above
    assert process.stderr is not None  # noqa: S101
    errors: list[str] = []
    try:
        async with asyncio.timeout(limit):
            await asyncio.gather(
                _read_progress(process.stdout, seconds, on_progress),
                _read_errors(process.stderr, errors),
            )
            code = await process.wait()
    except TimeoutError as exc:
        raise RenderError("the render took too long and was stopped") from exc
    finally:
        if process.returncode is None:  # timed out or cancelled: never leave ffmpeg running
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if code != 0:
        # ffmpeg names the cause first; what follows is each of its threads giving up.
        cause = _CONTEXT.sub("", _PATH.sub("", errors[0])) if errors else "no error output"
        raise RenderError(f"ffmpeg failed ({code}): {cause[:ERROR_CHARS]}")


async def _read_progress(
    stream: asyncio.StreamReader, seconds: float, on_progress: Callable[[float], None] | None
) -> None:
    """Turn ``-progress`` lines into a share of the video written (monotonic, below 1)."""
    total_us = max(seconds * 1_000_000, 1.0)
    best = 0.0
    async for raw in stream:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key != "out_time_us" or not value.isdigit():
            continue
        # 1.0 is reported only once the file is complete and in place.
        share = min(int(value) / total_us, 0.999)
        if share > best and on_progress is not None:
            on_progress(share)
        best = max(best, share)


async def _read_errors(stream: asyncio.StreamReader, lines: list[str]) -> None:
    """Keep ffmpeg's first error lines (and read on, so the pipe never fills)."""
    async for raw in stream:
        if (line := raw.decode(errors="replace").strip()) and len(lines) < STDERR_LINES:
            lines.append(line)


# -- small helpers ------------------------------------------------------------------------


def _check_sources(edl: Edl) -> None:
    """Refuse an EDL whose shots do not tile the video or whose files are gone."""
    edges = [0, *(edge for shot in edl.shots for edge in (shot.start, shot.end)), edl.frames]
    joints = zip(edges[::2], edges[1::2], strict=True)
    empty = any(shot.end <= shot.start for shot in edl.shots)
    if edl.frames <= 0 or empty or any(a != b for a, b in joints):
        raise RenderError("the edit list does not cover the video")
    paths = [shot.source.path for shot in edl.shots if isinstance(shot.source, Still | Clip)]
    if edl.music is not None:
        paths.append(edl.music.path)
    for path in paths:
        if not path.is_file():
            raise RenderError(f"a source file is missing: {path.name}")


def _escape(value: str) -> str:
    """An option value made safe for both levels of filter-graph parsing."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    return "".join("\\" + c if c in "\\'[],;" else c for c in value)

"""Rendering an EDL: one ffmpeg process, one filter graph, true progress, killed on cancel.

Per-frame Python is far too slow at 1080p on two cores, so the whole video is one filter graph
(written to a script file) and ffmpeg does every pixel. Each kind of source is one *track*
with a single full-size chain: a chain per shot would hold its own full-size frames for the
whole render (ffmpeg starts every chain at once). The graph:

* **sound**: the music from ``offset_s`` at ``gain``, padded/trimmed to exactly the video's
  length (sample-exact ``atrim``: no resampling, no tempo change), faded; silence without it.
* **generated track** (every frame): the music is split once into three small visualizers
  (``showcqt`` bars, also mirrored; ``showspectrum``; ``avectorscope``), drawn grey at a
  quarter of the canvas. Each shot ``trim``s its frames out of its scene's full-length stream
  by frame number, over a still gradient that changes at every cut; the track is coloured
  once (grey -> primary -> accent), pulsed on the beats (one ``eq`` expression of the frame
  number), shifted on beats for the glitch look and scaled up once.
* **photo track**: each photo sized once and held (``loop``), then one ``zoompan`` with
  piecewise zoom/position expressions pans or zooms every photo shot; **clip tracks** (one
  per file): shots grouped into forward passes, one seeked input each, converted to the
  canvas rate and centre-cropped once. Both are overlaid on exactly their frames.
* then titles (``drawtext``, frame ``enable``) and fades; H.264 ``yuv420p`` + AAC,
  ``+faststart``, exactly ``edl.frames`` frames.

``-progress pipe:1`` gives the true percentage; the file is written to ``<out>.part`` and
renamed when complete, so a finished path is always a whole video.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.studio import fonts
from bot.studio.edl import Canvas, Clip, Edl, Generated, Palette, Shot, Still, Title

#: libx264 preset: the fastest. At 1080p30 on two cores ``veryfast`` encodes at about 1.2x
#: real time even with nothing to filter, ``superfast`` 1.5x, ``ultrafast`` 2.4x (the bench);
#: the files are larger, and the bot makes a smaller copy when Discord needs one.
PRESET: Final = "ultrafast"
#: Quality of every render (the bot makes a smaller copy when Discord needs one).
CRF: Final = 21
AUDIO_KBPS: Final = 160
#: Sample rate of the silent track of a video without music.
SILENCE_RATE: Final = 48000

#: Scenes of generated shots, by ``variant``: (visualizer, mirrored). Visualizers: 0 CQT
#: bars, 1 scrolling spectrum, 2 vectorscope; mirrored bars reuse the bars' analysis.
SCENES: Final = ((0, False), (1, False), (2, False), (0, True))
#: The gradient type behind each scene, so a cut between scenes changes the whole picture.
GRADIENTS: Final = ("linear", "radial", "square", "linear")
#: How many differently turned gradients each scene alternates between, shot by shot.
LOOKS_PER_SCENE: Final = 2
#: Generated visuals are drawn at canvas / this, then scaled up once (speed).
VISUAL_DIVISOR: Final = 4
#: Share of the primary (or accent) colour mixed into the far end of the gradient.
GRADIENT_MIX: Final = 0.35
#: Grey level where the visuals' colour turns from primary towards accent.
ACCENT_KNEE: Final = 170
#: Visualizers hear the music at this rate: half the samples to draw, same beats.
VISUAL_RATE: Final = 22050
#: Extra audio given to visualizers so they never run short of the last frame.
VISUAL_PAD_S: Final = 1.0
#: Loudness scale of the CQT bars (showcqt's default of 16 leaves most of them flat).
CQT_VOLUME: Final = 40
#: Vectorscope look: a soft glowing figure (sharp scribbles cost the encoder dearly).
SCOPE_ZOOM: Final = 1.2
SCOPE_FADE: Final = 12
#: The scope is drawn and blurred at a share of the visuals' size (it is soft anyway): half
#: the lines to draw and a quarter of the pixels to blur.
SCOPE_DIVISOR: Final = 2
SCOPE_BLUR: Final = 2

#: Beat pulse: brightness added on the beat frame, decaying to nothing over PULSE_FRAMES.
PULSE_GAIN: Final = 0.16
ACCENT_GAIN: Final = 0.30
PULSE_FRAMES: Final = 4
#: User photos and clips get a gentler pulse than generated visuals.
USER_PULSE_SHARE: Final = 0.6
#: Glitch look: frames the colour channels stay offset after a beat, and by how much.
GLITCH_FRAMES: Final = 3
GLITCH_SHIFT_DIVISOR: Final = 40

#: Photos are sized once to this much larger than the canvas: room for a pan to move, and
#: for a zoom (which narrows the view by ZOOM_RANGE) to stay a downscale.
STILL_MARGIN: Final = 1.12
ZOOM_RANGE: Final = 0.10
#: Clips are read this much past their shot (a short clip then holds its last frame).
CLIP_PAD_S: Final = 1.0

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
    graph = _Graph()
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


# -- the graph ----------------------------------------------------------------------------


@dataclass
class _Graph:
    """Inputs and filter chains under construction, with fresh pad labels."""

    inputs: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    _count: int = 0

    def label(self, stem: str) -> str:
        """A new, unique pad label such as ``[seg12]``."""
        self._count += 1
        return f"[{stem}{self._count}]"

    def add_input(self, path: Path, *options: str) -> str:
        """Add ``path`` as an input (after its input ``options``); its input index."""
        index = self.inputs.count("-i")
        self.inputs += [*options, "-i", f"file:{path.resolve()}"]
        return str(index)

    def chain(
        self, sources: str, filters: Iterable[str], sink: str, *, audio: bool = False
    ) -> None:
        """Add ``sources`` -> filters -> ``sink`` (a pass-through when there is nothing to do)."""
        idle = "anull" if audio else "null"
        self.chains.append(f"{sources}{','.join(filters) or idle}{sink}")

    def split(self, source: str, count: int, stem: str, *, audio: bool = False) -> list[str]:
        """``count`` copies of a stream (the stream itself when one is enough)."""
        if count == 1:
            return [source]
        sinks = [self.label(stem) for _ in range(count)]
        self.chain(source, [f"{'a' if audio else ''}split={count}"], "".join(sinks))
        return sinks


def _audio(graph: _Graph, edl: Edl) -> None:
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


def _video(graph: _Graph, edl: Edl, scratch: Path, font: Path | None) -> None:
    """``[vout]``: the generated track, photos and clips laid over it, then titles and fades.

    Each kind of source is one track with one full-size chain (a chain per shot would hold
    its own full-size frames for the whole render); user media is overlaid on its frames.
    """
    generated = any(isinstance(shot.source, Generated) for shot in edl.shots)
    picture = _generated_track(graph, edl) if generated else _blank(graph, edl)
    stills = [(shot, shot.source) for shot in edl.shots if isinstance(shot.source, Still)]
    if stills:
        layer = _still_track(graph, edl, stills)
        picture = _overlay(graph, picture, layer, [shot for shot, _ in stills])
    clips: dict[Path, list[tuple[Shot, Clip]]] = {}
    for shot in edl.shots:
        if isinstance(shot.source, Clip):
            clips.setdefault(shot.source.path, []).append((shot, shot.source))
    for shots in clips.values():
        layer = _clip_track(graph, edl, shots)
        picture = _overlay(graph, picture, layer, [shot for shot, _ in shots])
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


def _blank(graph: _Graph, edl: Edl) -> str:
    """A black picture under user media, when no shot is generated."""
    canvas, label = edl.canvas, graph.label("blank")
    source = f"color=c=black:s={canvas.width}x{canvas.height}:r={canvas.fps}"
    graph.chain("", [source, f"trim=end_frame={edl.frames}", *_clock(edl.canvas.fps)], label)
    return label


def _clock(fps: int, frame: str = "N") -> list[str]:
    """Frame ``N`` of a track at output frame ``frame``: exact timestamps in 1/fps units."""
    return [f"settb=1/{fps}", f"setpts='{frame}'"]


def _overlay(graph: _Graph, picture: str, layer: str, shots: Sequence[Shot]) -> str:
    """``layer`` drawn over ``picture`` on exactly the frames of ``shots``."""
    frames = _total([f"between(n,{shot.start},{shot.end - 1})" for shot in shots])
    label = graph.label("picture")
    graph.chain(picture + layer, [f"overlay=eof_action=pass:enable='{frames}'"], label)
    return label


#: A stretch of output frames ``[start, end)`` and the frame of its track it begins on.
_Span = tuple[int, int, int]


def _spans(shots: Sequence[tuple[Shot, object]]) -> list[_Span]:
    """Shots laid end to end on a track of their own."""
    spans, at = [], 0
    for shot, _ in shots:
        spans.append((shot.start, shot.end, at))
        at += shot.end - shot.start
    return spans


def _track_clock(edl: Edl, spans: Sequence[_Span]) -> list[str]:
    """Timestamps that put each track frame back on its output frame."""
    jumps = [
        f"between(N,{at},{at + end - start - 1})*{start - at}"
        for start, end, at in spans
        if start != at
    ]
    return _clock(edl.canvas.fps, _total(["N", *jumps]))


def _pulse(edl: Edl, spans: Sequence[_Span], share: float, *, carry: bool) -> str:
    """The ``eq`` of a track: beat pulses (times ``share``) by track frame, grey if mono.

    Brightness is an expression of the frame number: a kick on each pulse frame fading over
    PULSE_FRAMES. With ``carry`` (a track in output order) a pulse just before a span still
    fades out inside it.
    """
    accents, pulses = set(edl.accents), sorted(set(edl.pulses))
    terms = []
    for start, end, at in spans:
        first = start - PULSE_FRAMES + 1 if carry else start
        for pulse in (p for p in pulses if first <= p < end):
            gain = round((ACCENT_GAIN if pulse in accents else PULSE_GAIN) * share, 4)
            frame = at + pulse - start
            terms.append(
                f"{gain}*between(n,{frame},{frame + PULSE_FRAMES - 1})"
                f"*(1-(n-{frame})/{PULSE_FRAMES})"
            )
    options = [f"brightness='{_total(terms)}':eval=frame"] if terms else []
    if edl.palette.mono:
        options.append("saturation=0")
    return "eq=" + ":".join(options) if options else ""


# -- generated visuals --------------------------------------------------------------------


def _small(canvas: Canvas, divisor: int) -> tuple[int, int]:
    """A reduced drawing size (even sides) for the canvas."""
    return max(2, canvas.width // divisor // 2 * 2), max(2, canvas.height // divisor // 2 * 2)


def _scene_of(shot: Shot) -> int:
    """The scene a shot shows on the generated track (a user shot's frames are covered)."""
    return shot.source.variant % len(SCENES) if isinstance(shot.source, Generated) else 0


def _visualizer(source: int, width: int, height: int, fps: int) -> str:
    """One audio visualizer, drawn white on black: CQT bars, scrolling spectrum, scope."""
    size = f"s={width}x{height}"
    scope = f"s={_even(width / SCOPE_DIVISOR)}x{_even(height / SCOPE_DIVISOR)}"
    return (
        f"showcqt={size}:r={fps}:axis=0:sono_h=0:bar_h={height}:count=1:bar_g=2"
        f":bar_v={CQT_VOLUME}:endfreq={VISUAL_RATE // 2 - 1}:cscheme=1|1|1|1|1|1",
        f"showspectrum={size}:slide=scroll:fps={fps}:color=intensity:scale=cbrt:fscale=log",
        f"avectorscope={scope}:r={fps}:draw=line:zoom={SCOPE_ZOOM}:scale=sqrt"
        f":rc=255:gc=255:bc=255:rf={SCOPE_FADE}:gf={SCOPE_FADE}:bf={SCOPE_FADE}"
        f",format=gray,boxblur={SCOPE_BLUR}:2,scale={width}:{height}:flags=bilinear",
    )[source]


def _scene_streams(graph: _Graph, edl: Edl) -> dict[int, str]:
    """One full-length grey stream per scene shown, on the output clock.

    The music is analysed once per visualizer (bars and mirrored bars share one ``showcqt``).
    """
    shown = sorted({_scene_of(shot) for shot in edl.shots})
    width, height = _small(edl.canvas, VISUAL_DIVISOR)
    fps = edl.canvas.fps
    per_source = collections.Counter(SCENES[scene][0] for scene in shown)
    graph.chain("[avis]", [f"aresample={VISUAL_RATE}", f"apad=pad_dur={VISUAL_PAD_S}"], "[avisr]")
    feeds = graph.split("[avisr]", len(per_source), "avis", audio=True)
    drawn: dict[int, list[str]] = {}
    for feed, source in zip(feeds, sorted(per_source), strict=True):
        grey = graph.label("vis")
        chain = [_visualizer(source, width, height, fps), "format=gray", "setsar=1"]
        graph.chain(feed, chain, grey)
        drawn[source] = graph.split(grey, per_source[source], "vis")
    streams: dict[int, str] = {}
    for scene in shown:
        source, mirrored = SCENES[scene]
        stream = drawn[source].pop()
        if mirrored:
            stream = _mirror(graph, stream, width, height)
        streams[scene] = graph.label("scene")
        timed = [f"trim=end_frame={edl.frames}", "setsar=1", *_clock(fps)]
        graph.chain(stream, timed, streams[scene])
    return streams


def _mirror(graph: _Graph, stream: str, width: int, height: int) -> str:
    """Bars squeezed to half height and mirrored about the middle line."""
    top, bottom, flipped, mirrored = (graph.label("mirror") for _ in range(4))
    graph.chain(stream, [f"scale={width}:{height // 2}:flags=bilinear", "split"], top + bottom)
    graph.chain(top, ["vflip"], flipped)
    graph.chain(flipped + bottom, ["vstack", f"pad={width}:{height}:0:0"], mirrored)
    return mirrored


def _generated_track(graph: _Graph, edl: Edl) -> str:
    """The whole video's generated picture, drawn small and scaled up once.

    Each shot is its scene's frames over a still gradient that changes at every cut (so a
    cut changes the whole picture). Scenes and backdrops are full-length streams picked by
    frame number (:func:`_picked`): cutting a piece out of each per shot would pass every
    frame through every shot's filters, a cost that grows with the square of the track's
    length. Colour, beat pulses and the glitch shift are
    applied once to the track.
    """
    scenes = _scene_streams(graph, edl)
    grey = _picked(graph, scenes, [_scene_of(shot) for shot in edl.shots], edl.shots)
    looks = [_look(_scene_of(shot), index) for index, shot in enumerate(edl.shots)]
    behind = _picked(graph, _backdrops(graph, edl, set(looks)), looks, edl.shots)
    coloured = graph.label("grey")
    graph.chain(grey, ["format=gbrp", _colour_lut(edl.palette)], coloured)
    canvas = edl.canvas
    filters = [
        "blend=all_mode=lighten",
        _glitch(edl) if edl.palette.glitch else "",
        "format=yuv444p",
        _pulse(edl, [(0, edl.frames, 0)], 1.0, carry=True),
        f"scale={canvas.width}:{canvas.height}:flags=bilinear",
        "format=yuv420p",
        "setsar=1",
        *_clock(canvas.fps),
    ]
    track = graph.label("generated")
    graph.chain(behind + coloured, [f for f in filters if f], track)
    return track


def _picked(
    graph: _Graph, streams: dict[int, str], keys: Sequence[int], shots: Sequence[Shot]
) -> str:
    """Frame by frame, the stream of ``keys[i]`` on the frames of ``shots[i]``.

    Each stream keeps the frames of its own shots (``select``), and ``interleave`` merges
    them back in frame order: every frame passes one filter per stream, not one per shot.
    """
    kept = []
    for key in sorted(set(keys)):
        on = [
            f"between(n,{s.start},{s.end - 1})"
            for s, k in zip(shots, keys, strict=True)
            if k == key
        ]
        label = graph.label("pick")
        graph.chain(streams[key], [f"select='{_total(on)}'"], label)
        kept.append(label)
    if len(kept) == 1:
        return kept[0]
    merged = graph.label("picked")
    graph.chain("".join(kept), [f"interleave=nb_inputs={len(kept)}"], merged)
    return merged


def _look(scene: int, index: int) -> int:
    """Which backdrop the ``index``-th shot shows: its scene's, alternating shot by shot."""
    return scene * LOOKS_PER_SCENE + index % LOOKS_PER_SCENE


def _backdrops(graph: _Graph, edl: Edl, looks: set[int]) -> dict[int, str]:
    """For each backdrop shown, one full-length stream: one gradient frame, drawn once, held."""
    width, height = _small(edl.canvas, VISUAL_DIVISOR)
    palette, fps = edl.palette, edl.canvas.fps
    streams = {}
    for look in sorted(looks):
        scene = look // LOOKS_PER_SCENE
        far = palette.accent if scene % 2 else palette.primary
        lighter = _mix(palette.background, far, GRADIENT_MIX)
        gradient = (
            f"gradients=s={width}x{height}:r={fps}:c0={palette.background}:c1={lighter}"
            f":type={GRADIENTS[scene]}:speed=0:seed={look}"
        )
        hold = f"loop=loop={edl.frames - 1}:size=1:start=0"
        streams[look] = graph.label("look")
        chain = [gradient, "trim=end_frame=1", "format=gbrp", "setsar=1", hold, *_clock(fps)]
        graph.chain("", chain, streams[look])
    return streams


def _colour_lut(palette: Palette) -> str:
    """Grey to colour: black -> primary -> accent (the brightest parts of the visual)."""
    primary, accent = _rgb(palette.primary), _rgb(palette.accent)
    top, knee = 255 - ACCENT_KNEE, ACCENT_KNEE
    curves = [
        f"{channel}='if(lt(val,{knee}),val*{p}/{knee},{p}+(val-{knee})*{a - p}/{top})'"
        for channel, p, a in zip("rgb", primary, accent, strict=True)
    ]
    return "lutrgb=" + ":".join(curves)


def _glitch(edl: Edl) -> str:
    """Colour channels pushed apart for a few frames after each beat."""
    beats = sorted(set(edl.pulses))
    if not beats:
        return ""
    shift = max(1, _small(edl.canvas, VISUAL_DIVISOR)[0] // GLITCH_SHIFT_DIVISOR)
    windows = _total([f"between(n,{b},{b + GLITCH_FRAMES - 1})" for b in beats])
    return f"rgbashift=rh={shift}:bh=-{shift}:enable='{windows}'"


# -- user media ---------------------------------------------------------------------------


def _still_track(graph: _Graph, edl: Edl, shots: Sequence[tuple[Shot, Still]]) -> str:
    """Every photo shot end to end: each photo sized once, then one ``zoompan`` moves them all.

    ``zoompan`` keeps the output size fixed (a per-frame ``scale`` would change it
    mid-stream); its zoom and position are piecewise expressions of the track frame.
    """
    canvas = edl.canvas
    width, height = _even(canvas.width * STILL_MARGIN), _even(canvas.height * STILL_MARGIN)
    photos = _photos(graph, [still.path for _, still in shots], width, height)
    pieces, zoom, x, y = [], [], [], []
    for (shot, still), (_, _, at) in zip(shots, _spans(shots), strict=True):
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
    moves = [f"z='{_total(zoom)}'", f"x='{_total(x)}'", f"y='{_total(y)}'"]
    size = f"s={canvas.width}x{canvas.height}:fps={canvas.fps}"
    filters = [
        *([f"concat=n={len(pieces)}:v=1:a=0"] if len(pieces) > 1 else []),
        f"zoompan={':'.join(moves)}:d=1:{size}",
        "setsar=1",
        _pulse(edl, _spans(shots), USER_PULSE_SHARE, carry=False),
        *_track_clock(edl, _spans(shots)),
    ]
    track = graph.label("stills")
    graph.chain("".join(pieces), [f for f in filters if f], track)
    return track


def _photos(graph: _Graph, paths: Sequence[Path], width: int, height: int) -> dict[Path, list[str]]:
    """One input per photo, sized once (so the full-size decode is freed), split to its shots."""
    uses = collections.Counter(paths)
    streams = {}
    for path, count in uses.items():
        sized = graph.label("photo")
        filters = [
            f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic",
            f"crop={width}:{height}",
            "setsar=1",
            "format=yuv420p",
        ]
        graph.chain(f"[{graph.add_input(path, '-threads', '1')}:v]", filters, sized)
        streams[path] = graph.split(sized, count, "photo")
    return streams


def _clip_track(graph: _Graph, edl: Edl, shots: Sequence[tuple[Shot, Clip]]) -> str:
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
    filters = [
        *([f"concat=n={len(pieces)}:v=1:a=0"] if len(pieces) > 1 else []),
        f"scale={canvas.width}:{canvas.height}:force_original_aspect_ratio=increase:flags=bicubic",
        f"crop={canvas.width}:{canvas.height}",
        "setsar=1",
        "format=yuv420p",
        _pulse(edl, _spans(shots), USER_PULSE_SHARE, carry=False),
        *_track_clock(edl, _spans(shots)),
    ]
    track = graph.label("clips")
    graph.chain("".join(pieces[shot] for shot, _ in shots), [f for f in filters if f], track)
    return track


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


def _rgb(colour: str) -> tuple[int, int, int]:
    """``0xRRGGBB`` (or ``#RRGGBB``) as integers."""
    value = int(colour.lstrip("#").removeprefix("0x"), 16)
    return value >> 16 & 255, value >> 8 & 255, value & 255


def _mix(a: str, b: str, share: float) -> str:
    """The colour ``share`` of the way from ``a`` to ``b``, as ``0xRRGGBB``."""
    mixed = [round(x + (y - x) * share) for x, y in zip(_rgb(a), _rgb(b), strict=True)]
    return "0x" + "".join(f"{c:02x}" for c in mixed)


def _even(value: float) -> int:
    """The nearest even integer (chroma subsampling wants even sizes)."""
    return max(2, round(value / 2) * 2)


def _total(terms: Sequence[str]) -> str:
    """The sum of expression terms, nested as a shallow tree.

    ffmpeg's expression parser refuses a flat sum of about a hundred terms (its nesting
    guard); a tree of EXPRESSION_FANOUT-term sums stays a few levels deep for any length.
    """
    if len(terms) <= EXPRESSION_FANOUT:
        return "+".join(terms)
    step = -(-len(terms) // EXPRESSION_FANOUT)  # ceiling: at most EXPRESSION_FANOUT groups
    return "+".join(f"({_total(terms[i : i + step])})" for i in range(0, len(terms), step))


def _escape(value: str) -> str:
    """An option value made safe for both levels of filter-graph parsing."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    return "".join("\\" + c if c in "\\'[],;" else c for c in value)

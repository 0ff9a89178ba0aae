"""The generated track: audio-reactive visuals drawn by ffmpeg, coloured by the palette.

The music is split once into three small visualizers (``showcqt`` bars, also mirrored;
``showspectrum``; ``avectorscope``), drawn grey at a quarter of the canvas. Each shot shows its
scene's frames over a still gradient that changes at every cut; the track is coloured once
(grey -> primary -> accent), pulsed on the beats, shifted on beats for the glitch look and
scaled up once.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Final

from bot.studio.edl import Canvas, Edl, Generated, Palette, Shot, even
from bot.studio.filtergraph import Graph, clock, pulse, total

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
#: Glitch look: frames the colour channels stay offset after a beat, and by how much.
GLITCH_FRAMES: Final = 3
GLITCH_SHIFT_DIVISOR: Final = 40


def _small(canvas: Canvas, divisor: int) -> tuple[int, int]:
    """A reduced drawing size (even sides) for the canvas."""
    return max(2, canvas.width // divisor // 2 * 2), max(2, canvas.height // divisor // 2 * 2)


def _scene_of(shot: Shot) -> int:
    """The scene a shot shows on the generated track (a user shot's frames are covered)."""
    return shot.source.variant % len(SCENES) if isinstance(shot.source, Generated) else 0


def _visualizer(source: int, width: int, height: int, fps: int) -> str:
    """One audio visualizer, drawn white on black: CQT bars, scrolling spectrum, scope."""
    size = f"s={width}x{height}"
    scope = f"s={even(width / SCOPE_DIVISOR)}x{even(height / SCOPE_DIVISOR)}"
    return (
        f"showcqt={size}:r={fps}:axis=0:sono_h=0:bar_h={height}:count=1:bar_g=2"
        f":bar_v={CQT_VOLUME}:endfreq={VISUAL_RATE // 2 - 1}:cscheme=1|1|1|1|1|1",
        f"showspectrum={size}:slide=scroll:fps={fps}:color=intensity:scale=cbrt:fscale=log",
        f"avectorscope={scope}:r={fps}:draw=line:zoom={SCOPE_ZOOM}:scale=sqrt"
        f":rc=255:gc=255:bc=255:rf={SCOPE_FADE}:gf={SCOPE_FADE}:bf={SCOPE_FADE}"
        f",format=gray,boxblur={SCOPE_BLUR}:2,scale={width}:{height}:flags=bilinear",
    )[source]


def _scene_streams(graph: Graph, edl: Edl) -> dict[int, str]:
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
        timed = [f"trim=end_frame={edl.frames}", "setsar=1", *clock(fps)]
        graph.chain(stream, timed, streams[scene])
    return streams


def _mirror(graph: Graph, stream: str, width: int, height: int) -> str:
    """Bars squeezed to half height and mirrored about the middle line."""
    top, bottom, flipped, mirrored = (graph.label("mirror") for _ in range(4))
    graph.chain(stream, [f"scale={width}:{height // 2}:flags=bilinear", "split"], top + bottom)
    graph.chain(top, ["vflip"], flipped)
    graph.chain(flipped + bottom, ["vstack", f"pad={width}:{height}:0:0"], mirrored)
    return mirrored


def generated_track(graph: Graph, edl: Edl) -> str:
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
        pulse(edl, [(0, edl.frames, 0)], 1.0, carry=True),
        f"scale={canvas.width}:{canvas.height}:flags=bilinear",
        "format=yuv420p",
        "setsar=1",
        *clock(canvas.fps),
    ]
    track = graph.label("generated")
    graph.chain(behind + coloured, [f for f in filters if f], track)
    return track


def _picked(
    graph: Graph, streams: dict[int, str], keys: Sequence[int], shots: Sequence[Shot]
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
        graph.chain(streams[key], [f"select='{total(on)}'"], label)
        kept.append(label)
    if len(kept) == 1:
        return kept[0]
    merged = graph.label("picked")
    graph.chain("".join(kept), [f"interleave=nb_inputs={len(kept)}"], merged)
    return merged


def _look(scene: int, index: int) -> int:
    """Which backdrop the ``index``-th shot shows: its scene's, alternating shot by shot."""
    return scene * LOOKS_PER_SCENE + index % LOOKS_PER_SCENE


def _backdrops(graph: Graph, edl: Edl, looks: set[int]) -> dict[int, str]:
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
        chain = [gradient, "trim=end_frame=1", "format=gbrp", "setsar=1", hold, *clock(fps)]
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
    windows = total([f"between(n,{b},{b + GLITCH_FRAMES - 1})" for b in beats])
    return f"rgbashift=rh={shift}:bh=-{shift}:enable='{windows}'"


def _rgb(colour: str) -> tuple[int, int, int]:
    """``0xRRGGBB`` (or ``#RRGGBB``) as integers."""
    value = int(colour.lstrip("#").removeprefix("0x"), 16)
    return value >> 16 & 255, value >> 8 & 255, value & 255


def _mix(a: str, b: str, share: float) -> str:
    """The colour ``share`` of the way from ``a`` to ``b``, as ``0xRRGGBB``."""
    mixed = [round(x + (y - x) * share) for x, y in zip(_rgb(a), _rgb(b), strict=True)]
    return "0x" + "".join(f"{c:02x}" for c in mixed)

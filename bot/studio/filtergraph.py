"""The filter graph under construction, and what every track of it shares.

A track is a stream of its own frames; :func:`track_clock` puts each back on its output frame,
:func:`pulse` brightens the beats, :func:`overlay` draws a track over the picture on exactly
its shots' frames. Expressions of many terms are summed as a shallow tree (:func:`total`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.studio.edl import Edl, Shot

#: Beat pulse: brightness added on the beat frame, decaying to nothing over PULSE_FRAMES.
PULSE_GAIN: Final = 0.16
ACCENT_GAIN: Final = 0.30
PULSE_FRAMES: Final = 4
#: Terms per sum in a generated ffmpeg expression (see ``total``).
EXPRESSION_FANOUT: Final = 8


@dataclass
class Graph:
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


def clock(fps: int, frame: str = "N") -> list[str]:
    """Frame ``N`` of a track at output frame ``frame``: exact timestamps in 1/fps units."""
    return [f"settb=1/{fps}", f"setpts='{frame}'"]


def overlay(graph: Graph, picture: str, layer: str, shots: Sequence[Shot]) -> str:
    """``layer`` drawn over ``picture`` on exactly the frames of ``shots``."""
    frames = total([f"between(n,{shot.start},{shot.end - 1})" for shot in shots])
    label = graph.label("picture")
    graph.chain(picture + layer, [f"overlay=eof_action=pass:enable='{frames}'"], label)
    return label


#: A stretch of output frames ``[start, end)`` and the frame of its track it begins on.
Span = tuple[int, int, int]


def spans(shots: Sequence[tuple[Shot, object]]) -> list[Span]:
    """Shots laid end to end on a track of their own."""
    spans, at = [], 0
    for shot, _ in shots:
        spans.append((shot.start, shot.end, at))
        at += shot.end - shot.start
    return spans


def track_clock(edl: Edl, spans: Sequence[Span]) -> list[str]:
    """Timestamps that put each track frame back on its output frame."""
    jumps = [
        f"between(N,{at},{at + end - start - 1})*{start - at}"
        for start, end, at in spans
        if start != at
    ]
    return clock(edl.canvas.fps, total(["N", *jumps]))


def pulse(edl: Edl, spans: Sequence[Span], share: float, *, carry: bool) -> str:
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
    options = [f"brightness='{total(terms)}':eval=frame"] if terms else []
    if edl.palette.mono:
        options.append("saturation=0")
    return "eq=" + ":".join(options) if options else ""


def total(terms: Sequence[str]) -> str:
    """The sum of expression terms, nested as a shallow tree.

    ffmpeg's expression parser refuses a flat sum of about a hundred terms (its nesting
    guard); a tree of EXPRESSION_FANOUT-term sums stays a few levels deep for any length.
    """
    if len(terms) <= EXPRESSION_FANOUT:
        return "+".join(terms)
    step = -(-len(terms) // EXPRESSION_FANOUT)  # ceiling: at most EXPRESSION_FANOUT groups
    return "+".join(f"({total(terms[i : i + step])})" for i in range(0, len(terms), step))

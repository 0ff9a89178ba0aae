"""What a musician asks for, in English and 中文, as changes to the draft (pure).

:func:`apply_request` reads the message (:func:`bot.studio.phrases.read`) and applies what it
asks for in an order that lets each change see the others' result: the span of the track first
(titles and cuts are placed on the video's clock), then canvas, style, fades and volume, then
titles, and the cuts are laid once, last (:mod:`bot.studio.rhythm`). Every change says
one line in the reply language; caveats (a steady grid, a shortened title, no photos to use) are
notes.

Nothing understood leaves the draft untouched and returns no changes (the agent answers with
the menu, :func:`~bot.studio.description.capabilities`); understood but impossible (no photos to
use, footage to generate) returns no changes and a note saying why. :func:`reply_text` covers
all three cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

from bot.core.texts import is_chinese
from bot.studio import schema
from bot.studio.analysis import Analysis
from bot.studio.description import capabilities, clock, describe, style_names
from bot.studio.draft_edit import DraftEdit, full_ms, meta_of, music_segments, text_of, whole
from bot.studio.phrases import PERCENT, Request, read
from bot.studio.reader import Moment
from bot.studio.rhythm import apply_cuts
from bot.studio.schema import Asset
from bot.studio.texts import say
from bot.studio.title_phrases import TitleAsk

#: Longer titles are cut: a title is a few words over the picture, not a paragraph.
TITLE_MAX_CHARS: Final = 80
#: A fade asked for without a length.
FADE_MS: Final = 2000
#: The longest fade set; a longer one would swallow the video's first or last bars.
FADE_MAX_MS: Final = 10_000


@dataclass(frozen=True, slots=True)
class EditResult:
    """The changes made (one line each, in the reply language); empty when nothing understood.

    Added fields (defaults keep the seam): ``language`` is the language of the lines (``"en"`` or
    ``"zh"``: the session's, or 中文 for a mainly CJK message); ``summary`` describes the video
    after a change that laid cuts (:func:`~bot.studio.description.describe`), else is empty.
    """

    changes: tuple[str, ...]
    notes: tuple[str, ...] = ()
    language: str = "en"
    summary: str = ""


def apply_request(
    draft: dict[str, Any],
    text: str,
    *,
    analysis: Analysis | None,
    assets: Sequence[Asset],
    language: str,
) -> EditResult:
    """Apply every change ``text`` asks for to ``draft`` (mutated)."""
    request, mainly_cjk = read(text)
    lang = "zh" if is_chinese(language) or mainly_cjk else "en"
    edit = DraftEdit(draft, analysis, assets, lang)
    if request == Request():
        return EditResult(changes=(), language=lang)
    span_changed = _apply_span(edit, request)
    _apply_canvas(edit, request)
    _apply_style(edit, request)
    _apply_fades(edit, request)
    _apply_volume(edit, request)
    _apply_titles(edit, request)
    laid = apply_cuts(edit, request, relay=span_changed)
    for key in request.refusals:
        edit.note(key, styles=style_names(lang))
    summary = describe(draft, analysis, lang) if laid else ""
    return EditResult(tuple(edit.changes), tuple(edit.notes), lang, summary)


def reply_text(result: EditResult) -> str:
    """The agent's reply: what changed and what the video is now, else the notes or the menu."""
    lang = result.language
    parts = [result.summary] if result.summary else []
    if result.changes:
        changes = say("separator", lang).join(result.changes)
        parts.insert(0, say("done", lang, changes=changes))
    parts += [_sentence(note, lang) for note in result.notes]
    return " ".join(parts) if parts else capabilities(lang)


# -- applying ---------------------------------------------------------------------------------


def _apply_span(edit: DraftEdit, request: Request) -> bool:
    """Set ``m.start_ms``/``m.end_ms`` and the lengths that follow; True if the span changed."""
    asked = (request.span_start, request.span_end_ms, request.span_length_ms)
    if not request.whole_track and all(value is None for value in asked):
        return False
    full = full_ms(edit)
    if full is None:
        edit.note("length_unknown")
        return False
    meta = edit.meta
    if request.whole_track:
        meta.pop("start_ms", None)
        meta.pop("end_ms", None)
        _set_length(edit, full)
        edit.change("span_whole", length=clock(full))
        return True
    notes = len(edit.notes)
    start, end = _new_span(edit, request, full)
    if end <= start:
        edit.note("span_empty")
        return False
    if (start, end) == _span_of(edit.meta, full) and len(edit.notes) > notes:
        return False  # what was asked for is out of reach: the notes say why
    _write_span(meta, start, end, full)
    _set_length(edit, end - start)
    edit.change("span", start=clock(start), end=clock(end), length=clock(end - start))
    return True


def _new_span(edit: DraftEdit, request: Request, full: int) -> tuple[int, int]:
    """The span (track ms) the request leaves, with notes for what could not be honoured."""
    start, end = _span_of(edit.meta, full)
    if request.span_start is not None:
        wanted = _track_moment(edit, request.span_start)
        if wanted is not None and wanted >= full:
            edit.note("span_past_end", length=clock(full), start=clock(wanted))
        elif wanted is not None:
            start = wanted
            end = end if end > start else full
    if request.span_length_ms is not None:
        end = start + request.span_length_ms
    if request.span_end_ms is not None:
        end = request.span_end_ms
    if end > full:
        edit.note("span_clamped", length=clock(full))
        end = full
    return start, end


def _span_of(meta: dict[str, Any], full: int) -> tuple[int, int]:
    """The span (track ms) ``m`` holds now."""
    return whole(meta.get("start_ms")), whole(meta.get("end_ms")) or full


def _write_span(meta: dict[str, Any], start: int, end: int, full: int) -> None:
    """The span in ``m``; a span edge at the track's own edge is no key at all."""
    for key, value, edge in (("start_ms", start, 0), ("end_ms", end, full)):
        if value == edge:
            meta.pop(key, None)
        else:
            meta[key] = value


def _set_length(edit: DraftEdit, length: int) -> None:
    """The music segment and the draft last the used span."""
    for segment in music_segments(edit.draft)[:1]:
        segment["d"] = length
    edit.draft["d"] = length


def _apply_canvas(edit: DraftEdit, request: Request) -> None:
    if request.canvas is None:
        return
    width, height = schema.CANVASES[request.canvas]
    edit.meta["width"], edit.meta["height"] = width, height
    aspect = say(f"aspect_{request.canvas}", edit.lang)
    edit.change("canvas", aspect=aspect, width=width, height=height)


def _apply_style(edit: DraftEdit, request: Request) -> None:
    if request.style is None:
        return
    edit.meta["style"] = request.style
    edit.change("style", style=say(f"style_{request.style}", edit.lang))


def _apply_fades(edit: DraftEdit, request: Request) -> None:
    for key, off in (("fade_in_ms", request.unfade_in), ("fade_out_ms", request.unfade_out)):
        if off:
            edit.meta.pop(key, None)
    if request.unfade_in and request.unfade_out:
        edit.change("fades_removed")
    elif request.unfade_in or request.unfade_out:
        edit.change("fade_in_removed" if request.unfade_in else "fade_out_removed")
    if not (request.fade_in or request.fade_out):
        return
    length = min(request.fade_ms or FADE_MS, FADE_MAX_MS)
    for key, on in (("fade_in_ms", request.fade_in), ("fade_out_ms", request.fade_out)):
        if on:
            edit.meta[key] = length
    if request.fade_in and request.fade_out:
        key = "fade_both"
    else:
        key = "fade_in" if request.fade_in else "fade_out"
    edit.change(key, seconds=f"{length / 1000:g}")


def _apply_volume(edit: DraftEdit, request: Request) -> None:
    if request.volume is None and not request.volume_step:
        return
    segments = music_segments(edit.draft)
    if not segments:
        edit.note("no_music")
        return
    meta = segments[0].setdefault("m", {})
    current = _volume_of(meta.get("volume"))
    level = request.volume if request.volume is not None else current + request.volume_step
    level = round(min(max(level, 0.0), 1.0), 2)
    if request.volume is None and level == current:
        edit.note("volume_limit", percent=round(level * PERCENT))
        return
    for segment in segments:
        segment.setdefault("m", {})["volume"] = level
    edit.change("volume", percent=round(level * PERCENT))


def _volume_of(value: Any) -> float:
    """``m.volume`` as 0..1 (1 when missing; above 1 it is percent, as the plan reads it)."""
    if not isinstance(value, int | float) or value < 0:
        return 1.0
    return min(value / PERCENT if value > 1 else float(value), 1.0)


# -- titles -----------------------------------------------------------------------------------


def _apply_titles(edit: DraftEdit, request: Request) -> None:
    if request.remove_titles:
        _remove_titles(edit)
    for ask in request.titles:
        if ask.text is None:
            _move_title(edit, ask)
        else:
            _add_title(edit, ask, ask.text)


def _remove_titles(edit: DraftEdit) -> None:
    count = sum(len(track["sg"]) for track in _title_tracks(edit.draft))
    if not count:
        edit.note("no_title")
        return
    edit.draft["t"] = [t for t in edit.tracks if t not in _title_tracks(edit.draft)]
    edit.meta.pop("title", None)
    edit.change("title_removed" if count == 1 else "titles_removed", count=count)


def _add_title(edit: DraftEdit, ask: TitleAsk, text: str) -> None:
    if len(text) > TITLE_MAX_CHARS:
        edit.note("title_cut", length=len(text), limit=TITLE_MAX_CHARS)
        text = text[:TITLE_MAX_CHARS].rstrip()
    start, length = _title_slot(edit, ask, 0, schema.TITLE_MS)
    segment = {"s": start, "d": length, "m": {"text": text}}
    track = _title_track(edit)
    main = _main_title(edit, track)
    if ask.more or main is None:
        track["sg"].append(segment)
        edit.meta.setdefault("title", text)
    else:
        track["sg"][main] = segment
        edit.meta["title"] = text
    track["sg"].sort(key=lambda s: whole(s.get("s")))
    key = "title_added" if ask.more and main is not None else "title_set"
    edit.change(key, text=text, start=clock(start), end=clock(start + length))


def _move_title(edit: DraftEdit, ask: TitleAsk) -> None:
    tracks = _title_tracks(edit.draft)
    main = _main_title(edit, tracks[0]) if tracks else None
    if main is None:
        edit.note("no_title")
        return
    segment = tracks[0]["sg"][main]
    old_start, old_length = whole(segment.get("s")), whole(segment.get("d")) or schema.TITLE_MS
    start, length = _title_slot(edit, ask, old_start, old_length)
    segment["s"], segment["d"] = start, length
    text = text_of(segment)
    edit.change("title_moved", text=text, start=clock(start), end=clock(start + length))


def _title_slot(edit: DraftEdit, ask: TitleAsk, start: int, length: int) -> tuple[int, int]:
    """Where (output ms) and how long a title shows, inside the video when its length is known."""
    length = ask.length_ms or length
    video = whole(edit.draft.get("d"))
    if ask.start == "end":
        start = max(0, video - length)
    elif ask.start is not None:
        start = _output_moment(edit, ask.start)
    if ask.end_ms is not None and ask.end_ms > start:
        length = ask.end_ms - start
    if video > 0 and start >= video:
        start = max(0, video - length)
        edit.note("title_late", length=clock(video), start=clock(start))
    if video > 0:
        length = min(length, video - start)
    return start, length


def _title_tracks(draft: dict[str, Any]) -> list[dict[str, Any]]:
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        return []
    return [
        t
        for t in tracks
        if isinstance(t, dict) and t.get("tt") == schema.TITLE and isinstance(t.get("sg"), list)
    ]


def _title_track(edit: DraftEdit) -> dict[str, Any]:
    """The title track, created last in ``t`` when missing."""
    found = _title_tracks(edit.draft)
    if found:
        return found[0]
    track: dict[str, Any] = {"tt": schema.TITLE, "sg": []}
    edit.tracks.append(track)
    return track


def _main_title(edit: DraftEdit, track: dict[str, Any]) -> int | None:
    """The index of the main title (its text is ``m.title``; else the first), None if none."""
    segments = track["sg"]
    if not segments:
        return None
    title = meta_of(edit.draft).get("title")
    texts = [text_of(s) for s in segments]
    return texts.index(title) if title in texts else 0


# -- moments in the track ---------------------------------------------------------------------


def _track_moment(edit: DraftEdit, moment: Moment) -> int | None:
    """``moment`` on the track's clock (ms); None, with a note, when the track has no such part."""
    if isinstance(moment, int):
        return moment
    if moment in ("start", "end"):
        return 0
    sections = _sections(edit.analysis)
    if moment == "after_intro":
        if len(sections) < 2:  # an intro needs a section after it
            edit.note("no_intro")
            return None
        return round(sections[1] * 1000)
    loudest = _loudest_section_ms(edit.analysis, 0, math.inf)
    if loudest is None:
        edit.note("no_drop_start")
    return loudest


def _output_moment(edit: DraftEdit, moment: Moment) -> int:
    """``moment`` on the video's clock (ms): a place in the track counts from the span's start."""
    if isinstance(moment, int):
        return moment
    if moment != "drop":
        return 0
    meta = meta_of(edit.draft)
    start = whole(meta.get("start_ms"))
    end = whole(meta.get("end_ms")) or math.inf
    loudest = _loudest_section_ms(edit.analysis, start, end)
    if loudest is None:
        edit.note("no_drop_title", time=clock(0))
        return 0
    return loudest - start


def _sections(analysis: Analysis | None) -> list[float]:
    return sorted(analysis.sections_s) if analysis is not None else []


def _loudest_section_ms(analysis: Analysis | None, lo_ms: float, hi_ms: float) -> int | None:
    """The start (track ms) of the loudest section starting in ``[lo_ms, hi_ms)``; the drop."""
    sections = _sections(analysis)
    # One section is no structure: nothing stands out as the drop.
    if analysis is None or len(sections) < 2 or analysis.energy_hop_s <= 0:
        return None
    hop = analysis.energy_hop_s
    loudness = [
        (sum(window) / len(window), start)
        for start, end in pairwise([*sections, analysis.duration_s])
        if lo_ms <= start * 1000 < hi_ms
        and (window := analysis.energy[int(start / hop) : math.ceil(end / hop)])
    ]
    return round(max(loudness)[1] * 1000) if loudness else None


def _sentence(text: str, lang: str) -> str:
    """A note as a sentence: capital first, full stop last."""
    end = "。" if lang == "zh" else "."
    return (text[:1].upper() + text[1:]).rstrip(".。") + end

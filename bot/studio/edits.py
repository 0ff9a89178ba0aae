"""What a musician asks for, in English and 中文, as changes to the draft (pure).

:func:`apply_request` reads the message (:func:`bot.studio.phrases.read`) and applies what it
asks for in an order that lets each change see the others' result: the span of the track first
(titles and cuts are placed on the video's clock), then canvas, style, fades and volume, then
titles, and the cuts are laid once, last (:func:`bot.studio.plan.lay_cuts`). Every change says
one line in the reply language; caveats (a steady grid, a shortened title, no photos to use) are
notes.

Nothing understood leaves the draft untouched and returns no changes (the agent answers with
:func:`capabilities`); understood but impossible (no photos to use, footage to generate) returns
no changes and a note saying why. :func:`reply_text` covers all three cases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final

from bot.core.texts import is_chinese
from bot.studio import plan, schema
from bot.studio.analysis import Analysis
from bot.studio.phrases import PERCENT, Moment, Request, TitleAsk, read, say
from bot.studio.schema import Asset, Grid

#: Longer titles are cut: a title is a few words over the picture, not a paragraph.
TITLE_MAX_CHARS: Final = 80
#: A fade asked for without a length.
FADE_MS: Final = 2000
#: The longest fade set; a longer one would swallow the video's first or last bars.
FADE_MAX_MS: Final = 10_000
#: "Faster" / "slower" step along these grids, fastest first.
LADDER: Final = (Grid("beat", 1), Grid("beat", 2), Grid("bar", 1), Grid("bar", 2), Grid("bar", 4))
#: The rung the energy-following default stands on: its grid for mid-loud sections.
DEFAULT_RUNG: Final = plan.MID_GRID
#: A stated tempo this far (as a ratio) from every octave of the detected one is said so.
TEMPO_TOLERANCE: Final = 1.15


@dataclass(frozen=True, slots=True)
class EditResult:
    """The changes made (one line each, in the reply language); empty when nothing understood.

    Added fields (defaults keep the seam): ``language`` is the language of the lines (``"en"`` or
    ``"zh"``: the session's, or 中文 for a mainly CJK message); ``summary`` describes the video
    after a change that laid cuts (:func:`describe`), else is empty.
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
    edit = _Edit(draft, analysis, assets, lang)
    if request == Request():
        return EditResult(changes=(), language=lang)
    span_changed = _apply_span(edit, request)
    _apply_canvas(edit, request)
    _apply_style(edit, request)
    _apply_fades(edit, request)
    _apply_volume(edit, request)
    _apply_titles(edit, request)
    laid = _apply_cuts(edit, request, relay=span_changed)
    for key in request.refusals:
        edit.note(key, styles=_style_names(lang))
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


def capabilities(language: str) -> str:
    """What the local studio can do, honestly: also what it cannot (footage, stock, lyrics)."""
    lang = _lang(language)
    return say("capabilities", lang, styles=_style_names(lang))


def describe(draft: dict[str, Any], analysis: Analysis | None, language: str) -> str:
    """One or two sentences of what the video will look like now (canvas, cuts, style, titles)."""
    lang = _lang(language)
    meta = _meta_of(draft)
    width, height = _canvas_of(meta)
    aspect = next((k for k, size in schema.CANVASES.items() if size == (width, height)), None)
    style = meta.get("style") if meta.get("style") in schema.STYLES else schema.DEFAULT_STYLE
    canvas = say(
        "describe_canvas",
        lang,
        size=f"{width}x{height}",
        aspect=say(f"aspect_{aspect}", lang) if aspect else "",
        length=_clock(_int(draft.get("d"))),
        style=say(f"style_{style}", lang),
    )
    # An unnamed size leaves an empty aspect: the words close up around it.
    return " ".join(f"{canvas} {_describe_cuts(draft, analysis, lang)}".split())


# -- applying ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Edit:
    """One message's work on the draft: what it reads, and the lines it says."""

    draft: dict[str, Any]
    analysis: Analysis | None
    assets: Sequence[Asset]
    lang: str
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def meta(self) -> dict[str, Any]:
        """The draft's ``m`` (created on first write)."""
        if not isinstance(self.draft.get("m"), dict):
            self.draft["m"] = {}
        meta: dict[str, Any] = self.draft["m"]
        return meta

    @property
    def tracks(self) -> list[Any]:
        """The draft's ``t`` (created on first write)."""
        if not isinstance(self.draft.get("t"), list):
            self.draft["t"] = []
        tracks: list[Any] = self.draft["t"]
        return tracks

    def change(self, key: str, **values: object) -> None:
        """Say one change made."""
        self.changes.append(say(key, self.lang, **values))

    def note(self, key: str, **values: object) -> None:
        """Say one caveat."""
        self.notes.append(say(key, self.lang, **values))


def _apply_span(edit: _Edit, request: Request) -> bool:
    """Set ``m.start_ms``/``m.end_ms`` and the lengths that follow; True if the span changed."""
    asked = (request.span_start, request.span_end_ms, request.span_length_ms)
    if not request.whole_track and all(value is None for value in asked):
        return False
    full = _full_ms(edit)
    if full is None:
        edit.note("length_unknown")
        return False
    meta = edit.meta
    if request.whole_track:
        meta.pop("start_ms", None)
        meta.pop("end_ms", None)
        _set_length(edit, full)
        edit.change("span_whole", length=_clock(full))
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
    edit.change("span", start=_clock(start), end=_clock(end), length=_clock(end - start))
    return True


def _new_span(edit: _Edit, request: Request, full: int) -> tuple[int, int]:
    """The span (track ms) the request leaves, with notes for what could not be honoured."""
    start, end = _span_of(edit.meta, full)
    if request.span_start is not None:
        wanted = _track_moment(edit, request.span_start)
        if wanted is not None and wanted >= full:
            edit.note("span_past_end", length=_clock(full), start=_clock(wanted))
        elif wanted is not None:
            start = wanted
            end = end if end > start else full
    if request.span_length_ms is not None:
        end = start + request.span_length_ms
    if request.span_end_ms is not None:
        end = request.span_end_ms
    if end > full:
        edit.note("span_clamped", length=_clock(full))
        end = full
    return start, end


def _span_of(meta: dict[str, Any], full: int) -> tuple[int, int]:
    """The span (track ms) ``m`` holds now."""
    return _int(meta.get("start_ms")), _int(meta.get("end_ms")) or full


def _write_span(meta: dict[str, Any], start: int, end: int, full: int) -> None:
    """The span in ``m``; a span edge at the track's own edge is no key at all."""
    for key, value, edge in (("start_ms", start, 0), ("end_ms", end, full)):
        if value == edge:
            meta.pop(key, None)
        else:
            meta[key] = value


def _full_ms(edit: _Edit) -> int | None:
    """The whole track's length: the analysis's, the upload's, else the untrimmed music's."""
    if edit.analysis is not None and edit.analysis.duration_s > 0:
        return round(edit.analysis.duration_s * 1000)
    music = _music_segments(edit.draft)
    url = _meta_of(music[0]).get("url") if music else None
    asset = next((a for a in edit.assets if a.url == url and a.duration_s > 0), None)
    if asset is not None:
        return round(asset.duration_s * 1000)
    meta = _meta_of(edit.draft)
    trimmed = "start_ms" in meta or "end_ms" in meta
    length = _int(music[0].get("d")) if music else 0
    return length if length > 0 and not trimmed else None


def _set_length(edit: _Edit, length: int) -> None:
    """The music segment and the draft last the used span."""
    for segment in _music_segments(edit.draft)[:1]:
        segment["d"] = length
    edit.draft["d"] = length


def _apply_canvas(edit: _Edit, request: Request) -> None:
    if request.canvas is None:
        return
    width, height = schema.CANVASES[request.canvas]
    edit.meta["width"], edit.meta["height"] = width, height
    aspect = say(f"aspect_{request.canvas}", edit.lang)
    edit.change("canvas", aspect=aspect, width=width, height=height)


def _apply_style(edit: _Edit, request: Request) -> None:
    if request.style is None:
        return
    edit.meta["style"] = request.style
    edit.change("style", style=say(f"style_{request.style}", edit.lang))


def _apply_fades(edit: _Edit, request: Request) -> None:
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


def _apply_volume(edit: _Edit, request: Request) -> None:
    if request.volume is None and not request.volume_step:
        return
    segments = _music_segments(edit.draft)
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


def _apply_titles(edit: _Edit, request: Request) -> None:
    if request.remove_titles:
        _remove_titles(edit)
    for ask in request.titles:
        if ask.text is None:
            _move_title(edit, ask)
        else:
            _add_title(edit, ask, ask.text)


def _remove_titles(edit: _Edit) -> None:
    count = sum(len(track["sg"]) for track in _title_tracks(edit.draft))
    if not count:
        edit.note("no_title")
        return
    edit.draft["t"] = [t for t in edit.tracks if t not in _title_tracks(edit.draft)]
    edit.meta.pop("title", None)
    edit.change("title_removed" if count == 1 else "titles_removed", count=count)


def _add_title(edit: _Edit, ask: TitleAsk, text: str) -> None:
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
    track["sg"].sort(key=lambda s: _int(s.get("s")))
    key = "title_added" if ask.more and main is not None else "title_set"
    edit.change(key, text=text, start=_clock(start), end=_clock(start + length))


def _move_title(edit: _Edit, ask: TitleAsk) -> None:
    tracks = _title_tracks(edit.draft)
    main = _main_title(edit, tracks[0]) if tracks else None
    if main is None:
        edit.note("no_title")
        return
    segment = tracks[0]["sg"][main]
    old_start, old_length = _int(segment.get("s")), _int(segment.get("d")) or schema.TITLE_MS
    start, length = _title_slot(edit, ask, old_start, old_length)
    segment["s"], segment["d"] = start, length
    text = _text_of(segment)
    edit.change("title_moved", text=text, start=_clock(start), end=_clock(start + length))


def _title_slot(edit: _Edit, ask: TitleAsk, start: int, length: int) -> tuple[int, int]:
    """Where (output ms) and how long a title shows, inside the video when its length is known."""
    length = ask.length_ms or length
    video = _int(edit.draft.get("d"))
    if ask.start == "end":
        start = max(0, video - length)
    elif ask.start is not None:
        start = _output_moment(edit, ask.start)
    if ask.end_ms is not None and ask.end_ms > start:
        length = ask.end_ms - start
    if video > 0 and start >= video:
        start = max(0, video - length)
        edit.note("title_late", length=_clock(video), start=_clock(start))
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


def _title_track(edit: _Edit) -> dict[str, Any]:
    """The title track, created last in ``t`` when missing."""
    found = _title_tracks(edit.draft)
    if found:
        return found[0]
    track: dict[str, Any] = {"tt": schema.TITLE, "sg": []}
    edit.tracks.append(track)
    return track


def _main_title(edit: _Edit, track: dict[str, Any]) -> int | None:
    """The index of the main title (its text is ``m.title``; else the first), None if none."""
    segments = track["sg"]
    if not segments:
        return None
    title = _meta_of(edit.draft).get("title")
    texts = [_text_of(s) for s in segments]
    return texts.index(title) if title in texts else 0


# -- moments in the track ---------------------------------------------------------------------


def _track_moment(edit: _Edit, moment: Moment) -> int | None:
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


def _output_moment(edit: _Edit, moment: Moment) -> int:
    """``moment`` on the video's clock (ms): a place in the track counts from the span's start."""
    if isinstance(moment, int):
        return moment
    if moment != "drop":
        return 0
    meta = _meta_of(edit.draft)
    start = _int(meta.get("start_ms"))
    end = _int(meta.get("end_ms")) or math.inf
    loudest = _loudest_section_ms(edit.analysis, start, end)
    if loudest is None:
        edit.note("no_drop_title", time=_clock(0))
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


# -- cuts -------------------------------------------------------------------------------------


def _apply_cuts(edit: _Edit, request: Request, *, relay: bool) -> bool:
    """Tempo and grid into ``m``, then the cuts laid once; True if they were laid."""
    rhythm = _apply_tempo(edit, request) | _apply_grid(edit, request) | request.sync
    visuals = _visual_counts(edit.assets)
    if request.visuals and not any(visuals):
        edit.note("no_visuals")
    use_visuals = request.visuals and any(visuals)
    if not (rhythm or use_visuals or (relay and _has_cuts(edit.draft))):
        return False
    if _full_ms(edit) is None and _int(edit.draft.get("d")) <= 0:
        edit.note("no_track")  # nothing has a length: there is nothing to cut
        return False
    cuts = plan.lay_cuts(edit.draft, edit.analysis, edit.assets)
    bpm = _int(edit.meta.get("bpm"))
    if rhythm:
        grid = _grid_in(edit.meta)
        if grid is None:
            edit.change("cuts_energy", cuts=cuts, bpm=bpm)
        else:
            edit.change("cuts_grid", grid=_grid_words(grid, edit.lang), cuts=cuts, bpm=bpm)
    if use_visuals:
        edit.change("visuals", what=_visuals_words(visuals, edit.lang))
    if rhythm or use_visuals:
        _note_grid_source(edit, bpm)
    return True


def _note_grid_source(edit: _Edit, bpm: int) -> None:
    """Say when the cuts follow a steady grid rather than a beat heard in the track."""
    if edit.analysis is None:
        edit.note("no_analysis", bpm=bpm)
    elif edit.analysis.steady:
        edit.note("steady", bpm=bpm)


def _apply_tempo(edit: _Edit, request: Request) -> bool:
    """The octave fix into ``m.tempo_factor``; True if the tempo was set."""
    heard = edit.analysis.tempo_bpm if edit.analysis is not None else 0.0
    factor = request.tempo_factor
    if factor is None and request.stated_bpm is not None:
        factor = _octave_fix(edit, heard, request.stated_bpm)
    if factor is None:
        return False
    if factor == 1.0:
        edit.meta.pop("tempo_factor", None)
    else:
        edit.meta["tempo_factor"] = factor
    how = {0.5: "tempo_half", 2.0: "tempo_double"}.get(factor, "tempo_detected")
    # Unanalysed audio is cut on the plan's steady grid, so that is the tempo being fixed.
    base = heard if heard > 0 else plan.STEADY_BPM
    edit.change("tempo", bpm=_bpm_text(base * factor), how=say(how, edit.lang))
    return True


def _octave_fix(edit: _Edit, heard: float, stated: float) -> float | None:
    """The tempo factor bringing the detected tempo nearest ``stated``; None if none is known."""
    if heard <= 0:
        edit.note("tempo_unchecked", stated=_bpm_text(stated))
        return None
    factor = min(plan.TEMPO_FACTORS, key=lambda f: abs(math.log(heard * f / stated)))
    used = heard * factor
    if max(used, stated) / min(used, stated) > TEMPO_TOLERANCE:
        edit.note(
            "tempo_far", stated=_bpm_text(stated), heard=_bpm_text(heard), used=_bpm_text(used)
        )
    return factor


def _apply_grid(edit: _Edit, request: Request) -> bool:
    """The grid asked for, or one step faster / slower; True if ``m.grid`` changed."""
    grid = request.grid
    if request.grid_asked is not None and grid is not None:
        asked = _grid_words(Grid(grid.unit, request.grid_asked), edit.lang)
        edit.note("grid_capped", asked=asked, used=_grid_words(grid, edit.lang))
    if grid is None and request.pace:
        grid = _stepped(_grid_in(edit.meta) or DEFAULT_RUNG, request.pace)
        if grid is None:
            edit.note("fastest" if request.pace < 0 else "slowest")
            return False
    if grid is None:
        return False
    edit.meta["grid"] = {"unit": grid.unit, "every": grid.every}
    return True


def _grid_in(meta: dict[str, Any]) -> Grid | None:
    """The grid ``m.grid`` holds; None for the energy-following default."""
    value = meta.get("grid")
    if isinstance(value, dict) and value.get("unit") in ("beat", "bar"):
        every = value.get("every")
        if isinstance(every, int) and every >= 1:
            return Grid(value["unit"], every)
    return None


def _beats_per_cut(grid: Grid) -> int:
    return grid.every * (plan.BEATS_PER_BAR if grid.unit == "bar" else 1)


def _stepped(grid: Grid, pace: int) -> Grid | None:
    """The :data:`LADDER` rung next faster (``pace`` < 0) or slower than ``grid``; None: none."""
    beats = _beats_per_cut(grid)
    if pace < 0:
        faster = [g for g in LADDER if _beats_per_cut(g) < beats]
        return faster[-1] if faster else None
    slower = [g for g in LADDER if _beats_per_cut(g) > beats]
    return slower[0] if slower else None


def _has_cuts(draft: dict[str, Any]) -> bool:
    return any(tt == schema.VIDEO and sg for tt, sg in _tracks_of(draft))


# -- words ------------------------------------------------------------------------------------


def _grid_words(grid: Grid, lang: str) -> str:
    key = f"grid_{grid.unit}_{'one' if grid.every == 1 else 'many'}"
    return say(key, lang, every=grid.every)


def _visual_counts(assets: Sequence[Asset]) -> tuple[int, int]:
    """How many photos and clips the project has."""
    return (
        sum(1 for a in assets if a.kind == "image"),
        sum(1 for a in assets if a.kind == "video"),
    )


def _visuals_words(counts: tuple[int, int], lang: str) -> str:
    """Photos and clips in words: "3 photos and 1 clip"."""
    words = [
        say(f"{kind}_{'one' if count == 1 else 'many'}", lang, count=count)
        for kind, count in zip(("photos", "clips"), counts, strict=True)
        if count
    ]
    return say("and", lang).join(words)


def _style_names(lang: str) -> str:
    return ", ".join(say(f"style_{style}", lang) for style in schema.STYLES)


def _describe_cuts(draft: dict[str, Any], analysis: Analysis | None, lang: str) -> str:
    """The cuts, their rhythm, the visuals and the titles, as one sentence."""
    titles = _describe_titles(draft, lang)
    video = next((sg for tt, sg in _tracks_of(draft) if tt == schema.VIDEO and sg), None)
    if video is None:
        return say("describe_no_cuts", lang, titles=titles)
    meta = _meta_of(draft)
    bpm = _int(meta.get("bpm")) or round(analysis.tempo_bpm if analysis else plan.STEADY_BPM)
    grid = _grid_in(meta)
    if grid is None:
        rhythm = say("rhythm_energy", lang, bpm=bpm)
    else:
        rhythm = say("rhythm_grid", lang, grid=_grid_words(grid, lang), bpm=bpm)
    urls = {s["m"]["url"] for s in video if isinstance(s.get("m"), dict) and s["m"].get("url")}
    visuals = (
        say("visuals_uploads", lang, count=len(urls)) if urls else say("visuals_generated", lang)
    )
    return say(
        "describe_cuts", lang, cuts=len(video), rhythm=rhythm, visuals=visuals, titles=titles
    )


def _describe_titles(draft: dict[str, Any], lang: str) -> str:
    segments = [s for tt, sg in _tracks_of(draft) if tt == schema.TITLE for s in sg]
    if len(segments) == 1:
        text = _text_of(segments[0])
        return say("describe_title", lang, text=text, start=_clock(_int(segments[0].get("s"))))
    return say("describe_titles", lang, count=len(segments)) if segments else ""


def _tracks_of(draft: dict[str, Any]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Each track's type and its segments (dicts only), skipping junk."""
    tracks = draft.get("t")
    if not isinstance(tracks, list):
        return []
    return [
        (t.get("tt"), [s for s in t["sg"] if isinstance(s, dict)])
        for t in tracks
        if isinstance(t, dict) and isinstance(t.get("sg"), list)
    ]


def _meta_of(item: Any) -> dict[str, Any]:
    """The ``m`` of a draft or segment, for reading (an empty one when missing or junk)."""
    meta = item.get("m") if isinstance(item, dict) else None
    return meta if isinstance(meta, dict) else {}


def _text_of(segment: Any) -> str:
    text = _meta_of(segment).get("text")
    return text if isinstance(text, str) else ""


def _canvas_of(meta: dict[str, Any]) -> tuple[int, int]:
    width, height = meta.get("width"), meta.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    return plan.DEFAULT_CANVAS


def _music_segments(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for tt, sg in _tracks_of(draft) if tt == schema.MUSIC for s in sg]


def _clock(ms: float) -> str:
    """``m:ss``."""
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _bpm_text(bpm: float) -> str:
    return f"{bpm:.0f}"


def _int(value: Any) -> int:
    """A whole number from JSON, 0 when missing or junk."""
    return round(value) if isinstance(value, int | float) and math.isfinite(value) else 0


def _lang(language: str) -> str:
    return "zh" if is_chinese(language) else "en"


def _sentence(text: str, lang: str) -> str:
    """A note as a sentence: capital first, full stop last."""
    end = "。" if lang == "zh" else "."
    return (text[:1].upper() + text[1:]).rstrip(".。") + end

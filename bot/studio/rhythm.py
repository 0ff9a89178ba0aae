"""The cuts an edit lays: the tempo octave, the grid (or a step faster or slower), the cuts.

The cuts are laid once, by :func:`bot.studio.plan.lay_cuts`, after every other change; the lines
say the rhythm used, and a caveat when it is a steady grid rather than a beat heard in the track.
"""

from __future__ import annotations

import math
from typing import Any, Final

from bot.studio import schema
from bot.studio.beats import BEATS_PER_BAR, STEADY_BPM
from bot.studio.cuts import MID_GRID, TEMPO_FACTORS
from bot.studio.description import bpm_text, grid_words, visual_counts, visuals_words
from bot.studio.draft_edit import DraftEdit, full_ms, grid_in, tracks_of, whole
from bot.studio.phrases import Request
from bot.studio.plan import lay_cuts
from bot.studio.schema import Grid
from bot.studio.texts import say

#: "Faster" / "slower" step along these grids, fastest first.
LADDER: Final = (Grid("beat", 1), Grid("beat", 2), Grid("bar", 1), Grid("bar", 2), Grid("bar", 4))
#: The rung the energy-following default stands on: its grid for mid-loud sections.
DEFAULT_RUNG: Final = MID_GRID
#: A stated tempo this far (as a ratio) from every octave of the detected one is said so.
TEMPO_TOLERANCE: Final = 1.15


def apply_cuts(edit: DraftEdit, request: Request, *, relay: bool) -> bool:
    """Tempo and grid into ``m``, then the cuts laid once; True if they were laid."""
    rhythm = _apply_tempo(edit, request) | _apply_grid(edit, request) | request.sync
    visuals = visual_counts(edit.assets)
    if request.visuals and not any(visuals):
        edit.note("no_visuals")
    use_visuals = request.visuals and any(visuals)
    if not (rhythm or use_visuals or (relay and _has_cuts(edit.draft))):
        return False
    if full_ms(edit) is None and whole(edit.draft.get("d")) <= 0:
        edit.note("no_track")  # nothing has a length: there is nothing to cut
        return False
    cuts = lay_cuts(edit.draft, edit.analysis, edit.assets)
    bpm = whole(edit.meta.get("bpm"))
    if rhythm:
        grid = grid_in(edit.meta)
        if grid is None:
            edit.change("cuts_energy", cuts=cuts, bpm=bpm)
        else:
            edit.change("cuts_grid", grid=grid_words(grid, edit.lang), cuts=cuts, bpm=bpm)
    if use_visuals:
        edit.change("visuals", what=visuals_words(visuals, edit.lang))
    if rhythm or use_visuals:
        _note_grid_source(edit, bpm)
    return True


def _note_grid_source(edit: DraftEdit, bpm: int) -> None:
    """Say when the cuts follow a steady grid rather than a beat heard in the track."""
    if edit.analysis is None:
        edit.note("no_analysis", bpm=bpm)
    elif edit.analysis.steady:
        edit.note("steady", bpm=bpm)


def _apply_tempo(edit: DraftEdit, request: Request) -> bool:
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
    base = heard if heard > 0 else STEADY_BPM
    edit.change("tempo", bpm=bpm_text(base * factor), how=say(how, edit.lang))
    return True


def _octave_fix(edit: DraftEdit, heard: float, stated: float) -> float | None:
    """The tempo factor bringing the detected tempo nearest ``stated``; None if none is known."""
    if heard <= 0:
        edit.note("tempo_unchecked", stated=bpm_text(stated))
        return None
    factor = min(TEMPO_FACTORS, key=lambda f: abs(math.log(heard * f / stated)))
    used = heard * factor
    if max(used, stated) / min(used, stated) > TEMPO_TOLERANCE:
        edit.note("tempo_far", stated=bpm_text(stated), heard=bpm_text(heard), used=bpm_text(used))
    return factor


def _apply_grid(edit: DraftEdit, request: Request) -> bool:
    """The grid asked for, or one step faster / slower; True if ``m.grid`` changed."""
    grid = request.grid
    if request.grid_asked is not None and grid is not None:
        asked = grid_words(Grid(grid.unit, request.grid_asked), edit.lang)
        edit.note("grid_capped", asked=asked, used=grid_words(grid, edit.lang))
    if grid is None and request.pace:
        grid = _stepped(grid_in(edit.meta) or DEFAULT_RUNG, request.pace)
        if grid is None:
            edit.note("fastest" if request.pace < 0 else "slowest")
            return False
    if grid is None:
        return False
    edit.meta["grid"] = {"unit": grid.unit, "every": grid.every}
    return True


def _beats_per_cut(grid: Grid) -> int:
    return grid.every * (BEATS_PER_BAR if grid.unit == "bar" else 1)


def _stepped(grid: Grid, pace: int) -> Grid | None:
    """The :data:`LADDER` rung next faster (``pace`` < 0) or slower than ``grid``; None: none."""
    beats = _beats_per_cut(grid)
    if pace < 0:
        faster = [g for g in LADDER if _beats_per_cut(g) < beats]
        return faster[-1] if faster else None
    slower = [g for g in LADDER if _beats_per_cut(g) > beats]
    return slower[0] if slower else None


def _has_cuts(draft: dict[str, Any]) -> bool:
    return any(tt == schema.VIDEO and sg for tt, sg in tracks_of(draft))

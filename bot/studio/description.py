"""The video in words: what it will look like, what the studio can do, and the words of a change.

Every text comes from :mod:`bot.studio.texts` in the reply language (``"en"`` or ``"zh"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.texts import is_chinese
from bot.studio import schema
from bot.studio.analysis import Analysis
from bot.studio.beats import STEADY_BPM
from bot.studio.draft_edit import canvas_of, grid_in, meta_of, text_of, tracks_of, whole
from bot.studio.schema import Asset, Grid
from bot.studio.texts import say


def capabilities(language: str) -> str:
    """What the local studio can do, honestly: also what it cannot (footage, stock, lyrics)."""
    lang = _lang(language)
    return say("capabilities", lang, styles=style_names(lang))


def describe(draft: dict[str, Any], analysis: Analysis | None, language: str) -> str:
    """One or two sentences of what the video will look like now (canvas, cuts, style, titles)."""
    lang = _lang(language)
    meta = meta_of(draft)
    width, height = canvas_of(meta)
    aspect = next((k for k, size in schema.CANVASES.items() if size == (width, height)), None)
    style = meta.get("style") if meta.get("style") in schema.STYLES else schema.DEFAULT_STYLE
    canvas = say(
        "describe_canvas",
        lang,
        size=f"{width}x{height}",
        aspect=say(f"aspect_{aspect}", lang) if aspect else "",
        length=clock(whole(draft.get("d"))),
        style=say(f"style_{style}", lang),
    )
    # An unnamed size leaves an empty aspect: the words close up around it.
    return " ".join(f"{canvas} {_describe_cuts(draft, analysis, lang)}".split())


def grid_words(grid: Grid, lang: str) -> str:
    """A grid in words: "every 2 bars"."""
    key = f"grid_{grid.unit}_{'one' if grid.every == 1 else 'many'}"
    return say(key, lang, every=grid.every)


def visual_counts(assets: Sequence[Asset]) -> tuple[int, int]:
    """How many photos and clips the project has."""
    return (
        sum(1 for a in assets if a.kind == "image"),
        sum(1 for a in assets if a.kind == "video"),
    )


def visuals_words(counts: tuple[int, int], lang: str) -> str:
    """Photos and clips in words: "3 photos and 1 clip"."""
    words = [
        say(f"{kind}_{'one' if count == 1 else 'many'}", lang, count=count)
        for kind, count in zip(("photos", "clips"), counts, strict=True)
        if count
    ]
    return say("and", lang).join(words)


def style_names(lang: str) -> str:
    """Every style's name, for the menu and the footage refusal."""
    return ", ".join(say(f"style_{style}", lang) for style in schema.STYLES)


def _describe_cuts(draft: dict[str, Any], analysis: Analysis | None, lang: str) -> str:
    """The cuts, their rhythm, the visuals and the titles, as one sentence."""
    titles = _describe_titles(draft, lang)
    video = next((sg for tt, sg in tracks_of(draft) if tt == schema.VIDEO and sg), None)
    if video is None:
        return say("describe_no_cuts", lang, titles=titles)
    meta = meta_of(draft)
    bpm = whole(meta.get("bpm")) or round(analysis.tempo_bpm if analysis else STEADY_BPM)
    grid = grid_in(meta)
    if grid is None:
        rhythm = say("rhythm_energy", lang, bpm=bpm)
    else:
        rhythm = say("rhythm_grid", lang, grid=grid_words(grid, lang), bpm=bpm)
    urls = {s["m"]["url"] for s in video if isinstance(s.get("m"), dict) and s["m"].get("url")}
    visuals = (
        say("visuals_uploads", lang, count=len(urls)) if urls else say("visuals_generated", lang)
    )
    return say(
        "describe_cuts", lang, cuts=len(video), rhythm=rhythm, visuals=visuals, titles=titles
    )


def _describe_titles(draft: dict[str, Any], lang: str) -> str:
    segments = [s for tt, sg in tracks_of(draft) if tt == schema.TITLE for s in sg]
    if len(segments) == 1:
        text = text_of(segments[0])
        return say("describe_title", lang, text=text, start=clock(whole(segments[0].get("s"))))
    return say("describe_titles", lang, count=len(segments)) if segments else ""


def clock(ms: float) -> str:
    """``m:ss``."""
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def bpm_text(bpm: float) -> str:
    """A tempo as said: whole BPM."""
    return f"{bpm:.0f}"


def _lang(language: str) -> str:
    return "zh" if is_chinese(language) else "en"

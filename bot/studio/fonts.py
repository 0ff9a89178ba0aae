"""The font titles are drawn with, and whether it can draw a given text.

ffmpeg ships no fonts, so titles use Noto Sans CJK SC from the ``mplfonts`` package: one file
with Latin and CJK glyphs. Coverage is checked honestly against the font's character map
(fontTools), so a title with, say, an emoji is caught before the render instead of coming out
as empty boxes; :func:`missing_glyphs` names what is missing so the agent can strip or warn.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path
from typing import Final

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs ship

FONT_PACKAGE: Final = "mplfonts"
FONT_FILE: Final = "NotoSansCJKsc-Regular.otf"

#: Characters that lay text out rather than draw it: no glyph needed.
_LAYOUT: Final = frozenset("\n\r\t")


@functools.cache
def title_font() -> Path | None:
    """The font file's path, or None when the package that ships it is not installed."""
    try:
        path = Path(str(importlib.resources.files(FONT_PACKAGE) / "fonts" / FONT_FILE))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


@functools.cache
def _metrics() -> tuple[dict[int, str], dict[str, int], int]:
    """The font's character map, advance widths and units per em (read once: ~1 s)."""
    path = title_font()
    if path is None:
        return {}, {}, 1
    with TTFont(str(path), lazy=True) as font:  # only these tables are read, then it closes
        cmap: dict[int, str] = font.getBestCmap()
        metrics = font["hmtx"].metrics.items()
        advances: dict[str, int] = {name: width for name, (width, _) in metrics}
        units: int = font["head"].unitsPerEm
    return cmap, advances, units


def missing_glyphs(text: str) -> str:
    """The distinct characters of ``text`` the font cannot draw, in order of appearance."""
    cmap = _metrics()[0]
    seen = dict.fromkeys(c for c in text if c not in _LAYOUT and ord(c) not in cmap)
    return "".join(seen)


def font_for(text: str) -> Path | None:
    """The font file that draws every character of ``text``; None if it cannot."""
    path = title_font()
    if path is None or missing_glyphs(text):
        return None
    return path


def width_em(text: str) -> float:
    """The widest line of ``text``, in ems of the font (what fits a title to the canvas)."""
    cmap, advances, units = _metrics()
    widest = 0
    for line in text.splitlines() or [""]:
        widths = (advances.get(cmap.get(ord(c), ""), units) for c in line)
        widest = max(widest, sum(widths))
    return widest / units

"""Text on the pictures: the font, what it can draw, and a label fitted to a width.

The font is the studio's (:func:`bot.studio.fonts.title_font`: Noto Sans CJK SC from
``mplfonts``, Latin and CJK in one file); without that package Pillow's own font stands in.
Text is laid out with Pillow's basic engine on every machine (raqm or not), so a picture looks
the same wherever it is drawn. The font has no emoji and no Hebrew or Arabic: :func:`drawable`
drops invisible format characters and replaces each run of other characters the font lacks
with one ``□``, so the reader sees that something was there (the text summary sent beside the
picture has it in full). Whether the font has a character is asked of FreeType (does it draw
the missing-glyph box?), once per character: the studio's :func:`~bot.studio.fonts.missing_glyphs`
reads the whole character map with fontTools, ~0.5 s and ~75 MB at its peak, too much for a
bot process that never renders video.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

from PIL import ImageFont

from bot.studio import fonts

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

#: Stands for a run of characters the font cannot draw.
MISSING: Final = "□"
ELLIPSIS: Final = "…"
#: Longer texts are cut before measuring: no label on the canvas shows this many characters.
MAX_CHARS: Final = 240
#: The pictures' text sizes (px). Each size is one FreeType face: the first costs ~0.3 s and
#: ~30 MB (the CJK font is 16 MB), each further one ~5 ms and ~2 MB.
HEADING_PX: Final = 30
LABEL_PX: Final = 24
SMALL_PX: Final = 22
#: A character no font maps (the last private-use code point): FreeType draws .notdef for it.
UNMAPPED: Final = "\U0010fffd"


@functools.cache
def font(size: int) -> Font:
    """The picture font at ``size`` pixels (loaded once per size)."""
    path = fonts.title_font()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def drawable(text: str) -> str:
    """``text`` on one line, shortened to :data:`MAX_CHARS`, with what the font lacks replaced.

    Missing format and control characters (bidi marks, zero-width joiners, variation
    selectors) and combining marks are dropped; each run of other missing characters (an emoji
    sequence, a word in Hebrew) becomes one :data:`MISSING`.
    """
    line = " ".join(text.split())[:MAX_CHARS]
    out: list[str] = []
    for char in line:
        if _has_glyph(char):
            out.append(char)
        elif unicodedata.category(char) not in ("Cf", "Cc", "Mn") and out[-1:] != [MISSING]:
            out.append(MISSING)
    return "".join(out).strip()


def fit(text: str, face: Font, width: float) -> str:
    """The longest start of ``text`` that fits ``width`` pixels, with ``…`` when it is cut."""
    if face.getlength(text) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits lies in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if face.getlength(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle
    head = text[:low].rstrip()
    return head + ELLIPSIS if head else ""


@functools.lru_cache(maxsize=8192)
def _has_glyph(char: str) -> bool:
    return _glyph(char) != _notdef()


@functools.cache
def _notdef() -> tuple[tuple[int, int], bytes]:
    return _glyph(UNMAPPED)


def _glyph(char: str) -> tuple[tuple[int, int], bytes]:
    """The character's bitmap at the label size (a size already open: no extra face)."""
    mask = font(LABEL_PX).getmask(char)
    return mask.size, bytes(mask)

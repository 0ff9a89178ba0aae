"""The named looks a user can ask for (``m.style`` in the draft): colours for visuals and titles.

One palette per name in :data:`bot.studio.schema.STYLES`. A missing or unknown name gets the
default look, so a draft written elsewhere still renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from bot.studio.edl import Palette
from bot.studio.schema import DEFAULT_STYLE

PALETTES: Final[Mapping[str, Palette]] = MappingProxyType(
    {
        look.name: look
        for look in (
            Palette(
                "neon",
                background="0x0B0221",
                primary="0xFF2BD6",
                accent="0x00F0FF",
                text="0xFFFFFF",
            ),
            Palette(
                "warm",
                background="0x2B1408",
                primary="0xFF9F43",
                accent="0xFFD166",
                text="0xFFF4E0",
            ),
            Palette(
                "ocean",
                background="0x021B2E",
                primary="0x1E90C8",
                accent="0x5CE1E6",
                text="0xE8F8FF",
            ),
            Palette(
                "mono",
                background="0x0A0A0A",
                primary="0xBFBFBF",
                accent="0xFFFFFF",
                text="0xFFFFFF",
                mono=True,
            ),
            Palette(
                "glitch",
                background="0x050505",
                primary="0x00FF9C",
                accent="0xFF0055",
                text="0xF2F2F2",
                glitch=True,
            ),
            Palette(
                "sunset",
                background="0x2D0B3A",
                primary="0xFF5E62",
                accent="0xFFB347",
                text="0xFFF1E6",
            ),
        )
    }
)


def palette(name: str | None) -> Palette:
    """The palette called ``name`` (any case, spaces ignored), else the default style's."""
    key = name.strip().lower() if name else DEFAULT_STYLE
    return PALETTES.get(key, PALETTES[DEFAULT_STYLE])

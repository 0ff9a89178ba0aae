"""Draft + analysis -> edit decision list (pure: no I/O, table-tested: beats in, cuts out).

(Stub: the helper that owns this module replaces the bodies; the signatures are the seam.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.studio.analysis import Analysis
from bot.studio.edl import Edl
from bot.studio.schema import Asset


def lay_cuts(draft: dict[str, Any], analysis: Analysis | None, assets: Sequence[Asset]) -> int:
    """(Re)write the draft's video track: cuts on the grid in ``draft.m``, across the visuals.

    The visuals are the image/video ``assets`` (in upload order); without any, generated
    visuals. Returns the number of cuts laid. Mutates ``draft``.
    """
    raise NotImplementedError


def plan(
    draft: Mapping[str, Any],
    analysis: Analysis | None,
    assets: Mapping[str, Asset],
    *,
    height: int = 1080,
) -> Edl:
    """The EDL for rendering ``draft`` at ``height`` (1080 or 720); ``assets`` by ``cdn_url``."""
    raise NotImplementedError

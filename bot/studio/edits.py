"""What a musician asks for, in English and 中文, as changes to the draft (pure).

(Stub: the helper that owns this module replaces the bodies; the signatures are the seam.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.studio.analysis import Analysis
from bot.studio.schema import Asset


@dataclass(frozen=True, slots=True)
class EditResult:
    """The changes made (one line each, in the reply language); empty when nothing understood."""

    changes: tuple[str, ...]
    notes: tuple[str, ...] = ()


def apply_request(
    draft: dict[str, Any],
    text: str,
    *,
    analysis: Analysis | None,
    assets: Sequence[Asset],
    language: str,
) -> EditResult:
    """Apply every change ``text`` asks for to ``draft`` (mutated)."""
    raise NotImplementedError

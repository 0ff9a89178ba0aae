"""Reading a render status in either documented shape (contract §3.8, §3.9, open question 1).

Shape A: ``{"taskId", "status", "progress", "output": {"url"}}`` at the top level.
Shape B: ``{"success": true, "data": {"id", "status", "progress", "outputUrl"}}``.
Both, a superset of both, and stray variants (``data.output.url``, ``data.url``,
``cancelled``/``canceled``, ``done``/``success``) are read; an unknown status word is treated
as still processing and logged, so a renamed stage never ends a render early. A progress
that is not a finite number (``NaN``, ``Infinity``, ``"fifty"``) counts as 0; an output URL
that cannot be fetched (no host, a bad port, unparsable) counts as no URL.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import httpx

from bot.backend.errors import ProtocolError
from bot.core.backend_results import RenderStage, RenderStatus

log = logging.getLogger(__name__)

_STAGES: dict[str, RenderStage] = {
    "pending": RenderStage.PENDING,
    "queued": RenderStage.PENDING,
    "submitted": RenderStage.PENDING,
    "processing": RenderStage.PROCESSING,
    "rendering": RenderStage.PROCESSING,
    "running": RenderStage.PROCESSING,
    "in_progress": RenderStage.PROCESSING,
    "completed": RenderStage.COMPLETED,
    "complete": RenderStage.COMPLETED,
    "done": RenderStage.COMPLETED,
    "success": RenderStage.COMPLETED,
    "succeeded": RenderStage.COMPLETED,
    "failed": RenderStage.FAILED,
    "failure": RenderStage.FAILED,
    "error": RenderStage.FAILED,
    "cancelled": RenderStage.CANCELLED,
    "canceled": RenderStage.CANCELLED,
}


def parse_render_status(
    body: Any, render_id: str, *, default_stage: str | None = None
) -> RenderStatus:
    """Interpret a render reply; ``default_stage`` applies when no status is present."""
    if not isinstance(body, dict):
        raise ProtocolError("Render status reply was not a JSON object")
    data = body.get("data")
    layers: tuple[dict[str, Any], ...] = (data, body) if isinstance(data, dict) else (body,)
    raw_status = _first(layers, "status", "state")
    if raw_status is None:
        raw_status = default_stage
    if not isinstance(raw_status, str):
        raise ProtocolError("Render status reply had no status")
    stage = _STAGES.get(raw_status.strip().lower())
    if stage is None:
        log.warning(
            "unknown render status %r for %s; treating as processing", raw_status[:40], render_id
        )
        stage = RenderStage.PROCESSING
    url = _output_url(layers)
    if stage is RenderStage.COMPLETED and not url:
        raise ProtocolError("Render completed without an output URL")
    error = _first(layers, "error", "message", "errorMessage")
    return RenderStatus(
        render_id=render_id,
        stage=stage,
        progress=_progress(_first(layers, "progress"), stage),
        output_url=url,
        error=str(error)[:300] if stage is RenderStage.FAILED and error else None,
    )


def _first(layers: tuple[dict[str, Any], ...], *keys: str) -> Any:
    for layer in layers:
        for key in keys:
            value = layer.get(key)
            if value is not None and value != "":
                return value
    return None


def _output_url(layers: tuple[dict[str, Any], ...]) -> str | None:
    for layer in layers:
        output = layer.get("output")
        candidates = [layer.get(key) for key in ("outputUrl", "output_url", "url", "downloadUrl")]
        candidates.append(output.get("url") if isinstance(output, dict) else None)
        for value in candidates:
            if _is_web_url(value):
                return str(value)
    return None


def _is_web_url(value: Any) -> bool:
    """Whether ``value`` is an ``http(s)`` URL with a host and a port that can be fetched.

    Checked here, once: a URL that only looks like one (``http://[::1``, port 99999) made every
    later fetch raise something no caller expects, and the finished video was never posted.
    """
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return False
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return bool(url.host) and (url.port is None or 0 < url.port < 65536)


def _progress(value: Any, stage: RenderStage) -> int:
    if stage is RenderStage.COMPLETED:
        return 100
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond any float
        return 0
    if not math.isfinite(number):  # JSON NaN/Infinity (and 1e400) parse, but mean nothing
        return 0
    if 0 < number <= 1 and not float(number).is_integer():
        number *= 100  # a fraction rather than a percentage
    return max(0, min(100, round(number)))

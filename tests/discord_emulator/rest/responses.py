"""JSON responses with Discord's exact ``Content-Type: application/json``.

discord.py decodes a body as JSON only when the header equals ``application/json`` exactly
(``discord/http.py``, ``json_or_text``); aiohttp's ``json_response`` would append
``; charset=utf-8`` and discord.py would hand the raw text to its callers.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A response whose body is ``data`` as JSON."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(
        body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )

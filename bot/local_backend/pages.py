"""The web pages behind the links the bot gives out, so none of them is dead (§7).

* ``/workspace/claim?ct=<claim token>``: the project's finished videos (a player and a download
  link each), server-rendered, no external assets.
* ``/register``: the local studio needs no account; the page says so.
* ``/healthz``: a liveness answer for compose.

Both are plain HTML built here with every value escaped; the fuller project page (timeline
picture, tempo) is a later step.
"""

from __future__ import annotations

import time
from html import escape

from aiohttp import web

from bot.local_backend.runtime import RUNTIME
from bot.local_backend.state import RenderJob, Session

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "background:#111;color:#eee}video{width:100%;max-height:70vh;background:#000}"
    "a{color:#7cf}li{margin:1.5rem 0}"
)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=html, content_type="text/html", status=status)


async def project(request: web.Request) -> web.Response:
    """The project a claim token opens: its finished renders."""
    runtime = request.app[RUNTIME]
    claimed = runtime.store.claim_tokens.get(request.query.get("ct", ""))
    if claimed is None or claimed[1] < time.time():
        return _page(
            "Project not found", "<p>This project link is unknown or has expired.</p>", 404
        )
    session = runtime.store.sessions.get(claimed[0])
    if session is None:
        return _page("Project not found", "<p>This project no longer exists.</p>", 404)
    renders = [
        job
        for job in runtime.store.renders.values()
        if job.session_id == session.session_id and job.status == "completed"
    ]
    return _page(_title(session), _renders_html(renders, _base(request)))


async def health(request: web.Request) -> web.Response:
    """``/healthz`` for compose's healthcheck (the control API is off outside tests)."""
    return web.json_response({"ok": True})


async def register(request: web.Request) -> web.Response:
    """The registration link of the local studio: nothing to register."""
    return _page(
        "No registration needed",
        "<p>This is Beatthread's local studio: it runs on this machine, needs no account and "
        "costs no credits.</p>",
    )


def _title(session: Session) -> str:
    title = session.draft.get("m", {}).get("title") if isinstance(session.draft, dict) else None
    return str(title) if title else "Your music video"


def _renders_html(renders: list[RenderJob], base: str) -> str:
    if not renders:
        return "<p>No finished video yet. Say <b>export</b> in the thread.</p>"
    items = []
    for job in sorted(renders, key=lambda j: j.created_at_ms, reverse=True):
        url = escape(base + job.url_path, quote=True)
        items.append(
            f'<li><video controls preload="metadata" src="{url}"></video><br>'
            f'<a href="{url}" download>Download {escape(job.render_id)}.mp4</a> '
            f"({job.duration:.1f} s, {job.size / 1_000_000:.1f} MB)</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _base(request: web.Request) -> str:
    return request.app[RUNTIME].render_base(str(request.url.origin()))

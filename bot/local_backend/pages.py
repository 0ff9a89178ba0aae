"""The web pages behind the links the bot gives out, so none of them is dead (§7).

* ``/workspace/claim?ct=<claim token>``: the project link; a valid token is answered with a
  303 to the project's page (:mod:`.project_page`), anything else with a friendly 404.
* ``/register``: the local studio needs no account; the page says so.
* ``/healthz``: a liveness answer for compose.

Pages are in the browser's language here (``Accept-Language``); a project page is in its
project's.
"""

from __future__ import annotations

import time

from aiohttp import web

from bot.local_backend import project_page
from bot.local_backend.markup import browser_language, esc, page
from bot.local_backend.page_texts import say
from bot.local_backend.runtime import RUNTIME


async def claim(request: web.Request) -> web.Response:
    """The project link: 303 to ``/projects/<task id>`` while the claim token is valid."""
    store = request.app[RUNTIME].store
    claimed = store.claim_tokens.get(request.query.get("ct", ""))
    session = None
    if claimed is not None and claimed[1] >= time.time():
        session = store.sessions.get(claimed[0])
    if session is None or session.dropped:
        return project_page.not_found(browser_language(request))
    location = project_page.project_url(request, session)
    return web.Response(
        status=303,
        headers={
            "Location": location,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


async def health(request: web.Request) -> web.Response:
    """``/healthz`` for compose's healthcheck (the control API is off outside tests)."""
    return web.json_response({"ok": True})


async def register(request: web.Request) -> web.Response:
    """The registration link of the local studio: nothing to register."""
    lang = browser_language(request)
    body = f"<p>{esc(say('register_body', lang))}</p>"
    return page(say("register_title", lang), body, lang=lang)

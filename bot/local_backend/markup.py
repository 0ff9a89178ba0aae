"""The look of the local backend's pages: one HTML shell, inline CSS, nothing from outside.

Phone first: the viewport meta, one column that widens to 48 rem, pictures and players as wide
as the screen, links as buttons at least 48 px tall. Callers build the body from :func:`esc`'d
values only. The Content-Security-Policy allows no script at all, styles only inline, and
pictures and media only from this server (and the public address its links use): a value that
slipped through unescaped still could not run or fetch anything.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from bot.core.texts import base_language

_STYLE = (
    ":root{color-scheme:dark}*{box-sizing:border-box}"
    'body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",'
    '"Noto Sans CJK SC",sans-serif;background:#17181c;color:#eceef1}'
    "main{max-width:48rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem;overflow-wrap:anywhere}"
    "h2{font-size:1.15rem;margin:1.75rem 0 .5rem;color:#a0a5ad}"
    ".facts{display:flex;flex-wrap:wrap;gap:.5rem;margin:0;padding:0;list-style:none}"
    ".facts li{background:#21232a;border-radius:.5rem;padding:.5rem .875rem}"
    ".facts b{display:block;font-size:1.25rem}"
    "img,video{display:block;width:100%;height:auto;border-radius:.5rem}"
    "video{background:#000;max-height:70vh}"
    ".renders{list-style:none;margin:0;padding:0}.renders li{margin:0 0 1.75rem}"
    ".meta{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem;margin:.625rem 0}"
    ".button{display:inline-flex;align-items:center;justify-content:center;min-height:48px;"
    "min-width:48px;padding:0 1.25rem;border-radius:.5rem;background:#4f7cff;color:#fff;"
    "font-weight:600;text-decoration:none}"
    ".note{color:#a0a5ad}"
)


def esc(value: object) -> str:
    """``value`` as HTML text or attribute content (quotes escaped too)."""
    return escape(str(value), quote=True)


def page(
    title: str, body: str, *, lang: str | None, status: int = 200, media_from: str = ""
) -> web.Response:
    """A whole page: ``title`` (plain text) as heading, ``body`` (HTML built from esc'd values).

    ``media_from`` is one more origin pictures and videos may come from (the public address).
    """
    html = (
        f'<!doctype html><html lang="{base_language(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )
    sources = f"'self' {media_from}".strip()
    policy = (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src {sources}; "
        f"media-src {sources}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return web.Response(text=html, content_type="text/html", status=status, headers=headers)


def browser_language(request: web.Request) -> str:
    """The first language the browser asks for (``Accept-Language``), e.g. ``zh-CN``."""
    first = request.headers.get("Accept-Language", "").split(",")[0]
    return first.split(";")[0].strip()

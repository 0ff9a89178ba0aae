"""User-facing texts in English and 简体中文.

:func:`text` picks the catalogue by language code: every code starting with ``zh``
(``zh``, ``zh-CN``, ``zh-TW``, ``zh_Hans``) is Chinese, everything else, including an empty or
unknown code, is English. Texts are ``str.format`` templates; both catalogues have the same
keys and the same ``{placeholders}`` (a test holds them to it). An unknown key or a missing
placeholder raises ``KeyError``: that is a programming error, not something a user can cause.

Slash commands and the words the intent router understands appear in the texts literally
(``/export``, "export"/“导出”), so a user can copy them.
"""

from __future__ import annotations

from string import Formatter
from typing import Final

from bot.core.links import is_public_url
from bot.core.media import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_BYTES,
    Attached,
    MediaCheck,
    MediaKind,
    Rejection,
)
from bot.core.texts.en import EN
from bot.core.texts.zh import ZH

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": EN, "zh": ZH}
"""The catalogues by base language; exposed for the parity test."""


def is_chinese(lang: str | None) -> bool:
    """Whether ``lang`` selects the Chinese texts (any ``zh`` code)."""
    return bool(lang) and str(lang).strip().lower().replace("_", "-").split("-")[0] == "zh"


def base_language(lang: str | None) -> str:
    """``"zh"`` or ``"en"``: the catalogue that ``lang`` selects."""
    return "zh" if is_chinese(lang) else "en"


def text(key: str, lang: str | None, **kwargs: object) -> str:
    """The text for ``key`` in the language ``lang``, with ``kwargs`` filled in."""
    return CATALOGUES[base_language(lang)][key].format(**kwargs)


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a template uses; for the parity test and for callers that check."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


def accepted_formats(lang: str | None) -> str:
    """The accepted formats as one line, e.g. ``audio MP3, WAV, M4A, AAC; video MP4, …``."""
    groups = []
    for kind in (MediaKind.AUDIO, MediaKind.VIDEO, MediaKind.IMAGE):
        names = ", ".join(f.extension.upper() for f in ACCEPTED_FORMATS.values() if f.kind is kind)
        groups.append(text(f"accepted_{kind.value}", lang, formats=names))
    return text("list_separator", lang).join(groups)


def export_ready_text(lang: str | None, url: str, project_url: str | None) -> str:
    """The finished video's words: its MP4 link, and the project link when there is one."""
    lines = [text("export_ready", lang, url=url)]
    if project_url is not None:
        lines.append(text("export_project", lang, project_url=project_url))
    return "\n".join(lines)


def export_post_text(
    lang: str | None,
    url: str,
    project_url: str | None,
    attached: Attached,
    *,
    previews: bool = True,
) -> str:
    """The finished video's post in a chat, showing only the links people there can open.

    A link that is not public (:func:`~bot.core.links.is_public_url`: the local backend on the
    admin's machine) is left out: the attached file is the delivery, and with nothing
    attached the post says the video is on the bot's host and how the admin gives it a public
    address. A public link stays beside a smaller copy, for the full quality. Without
    ``previews`` the links are written ``<url>``, which a chat shows without a preview.
    """

    def shown(link: str) -> str:
        return link if previews else f"<{link}>"

    link = url if is_public_url(url) else None
    if attached is Attached.SMALLER_COPY:
        lines = [text("export_ready_smaller", lang)]
        if link is not None:
            lines.append(text("export_full_quality", lang, url=shown(link)))
    elif link is not None:
        lines = [text("export_ready", lang, url=shown(link))]
    elif attached is Attached.ORIGINAL:
        lines = [text("export_ready_attached", lang)]
    else:
        lines = [text("export_ready_on_host", lang)]
    if project_url is not None and is_public_url(project_url):
        lines.append(text("export_project", lang, project_url=shown(project_url)))
    return "\n".join(lines)


def media_kind_name(kind: MediaKind, lang: str | None) -> str:
    """``audio`` / ``音频`` and so on."""
    return text(f"kind_{kind.value}", lang)


def rejection_text(check: MediaCheck, lang: str | None, *, max_bytes: int | None = None) -> str:
    """The friendly message for a rejected file; ``max_bytes`` is the limit that applied.

    Raises ``ValueError`` for a file that was accepted.
    """
    accepted = accepted_formats(lang)
    name = check.filename
    match check.reason:
        case Rejection.EMPTY:
            return text("upload_empty", lang, filename=name)
        case Rejection.TOO_LARGE:
            limit = max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES
            limit_mb = round(limit / (1024 * 1024))
            return text("upload_too_large", lang, filename=name, limit_mb=limit_mb)
        case Rejection.UNSUPPORTED_TYPE:
            extension = check.extension or "?"
            return text(
                "upload_unsupported", lang, filename=name, extension=extension, accepted=accepted
            )
        case Rejection.SPOOFED:
            claimed = check.extension.upper() if check.extension else text("unknown_format", lang)
            return text("upload_spoofed", lang, filename=name, claimed=claimed, accepted=accepted)
        case None:
            raise ValueError("the file was accepted; there is nothing to reject")

"""The one place where an error becomes the text a user sees (and a log line).

The text comes from the error's :attr:`~bot.core.errors.DomainError.text_key`; this module
fills in what the key needs: the register or billing link for credit and plan errors (register
when the account is anonymous, i.e. its user id starts with ``anon_``), the file name and
limits for upload errors. The error's own message is logged, never shown.
"""

from __future__ import annotations

import logging

from bot.core.errors import (
    DomainError,
    ExportPlanError,
    OutOfCreditsError,
    OversizeFileError,
    SessionGoneError,
    UnavailableError,
    UnsupportedFileError,
    UploadRefusedError,
)
from bot.core.media import extension_of
from bot.core.replies import ErrorReply
from bot.core.texts import accepted_formats, text
from bot.core.usecases.context import Deps

log = logging.getLogger(__name__)

ANONYMOUS_PREFIX = "anon_"
#: Accounts of Beatthread's own local studio (``beatthread local-backend``): free, no sign-up.
LOCAL_STUDIO_PREFIX = "local_"


async def is_local_studio(deps: Deps) -> bool:
    """Whether the backend is Beatthread's local studio (its account ids say so)."""
    identity = await deps.backend.identity()
    return identity is not None and (identity.user_id or "").startswith(LOCAL_STUDIO_PREFIX)


async def register_url(deps: Deps) -> str | None:
    """The register/bind link when our backend account is anonymous, else ``None``."""
    identity = await deps.backend.identity()
    if identity is None or not identity.user_id:
        return None
    if not identity.user_id.startswith(ANONYMOUS_PREFIX):
        return None
    return deps.backend.register_link(identity.user_id)


async def explain(
    deps: Deps, lang: str, error: DomainError, *, filename: str | None = None
) -> ErrorReply:
    """The reply for ``error``; ``filename`` names the file for upload errors."""
    log.warning("use case failed: %s: %s", type(error).__name__, error)
    return ErrorReply(type(error).__name__, await _message(deps, lang, error, filename))


def internal_error(lang: str) -> ErrorReply:
    """The reply for a bug or an infrastructure failure (the caller logs the traceback)."""
    return ErrorReply("internal", text("internal_error", lang))


async def _message(deps: Deps, lang: str, error: DomainError, filename: str | None) -> str:
    if isinstance(error, OutOfCreditsError):
        link = await register_url(deps)
        if link is not None:
            return text("out_of_credits_anonymous", lang, register_url=link)
        return text("out_of_credits_registered", lang, billing_url=deps.timings.billing_url)
    if isinstance(error, ExportPlanError):
        link = await register_url(deps)
        if link is not None:
            return text("export_refused_plan", lang, register_url=link)
        return text("export_rejected", lang)
    if isinstance(error, SessionGoneError):
        return text("session_lost", lang, reupload="")
    if isinstance(error, UploadRefusedError) or (
        filename is not None and isinstance(error, UnavailableError)
    ):
        return _upload_message(deps, lang, error, filename)
    return text(error.text_key, lang)


def _upload_message(deps: Deps, lang: str, error: DomainError, filename: str | None) -> str:
    name = filename or "?"
    if isinstance(error, UnsupportedFileError):
        extension = extension_of(name) or "?"
        return text(
            "upload_unsupported",
            lang,
            filename=name,
            extension=extension,
            accepted=accepted_formats(lang),
        )
    if isinstance(error, OversizeFileError):
        limit_mb = round(deps.timings.max_upload_bytes / (1024 * 1024))
        return text("upload_too_large", lang, filename=name, limit_mb=limit_mb)
    return text("upload_failed", lang, filename=name)

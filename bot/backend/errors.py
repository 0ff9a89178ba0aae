"""Errors of the NemoVideo adapter: one tree, mapped from every code and status in the contract.

The contract (``shared/design/nemo-api.md`` §2.3, §6) leaves open whether an application code
arrives with HTTP 200 or with a 4xx, so the mapping reads the body first and the HTTP status
second: ``{"code": 1001}`` means "token invalid" whatever the status line says.

::

    BackendError                      (base; .code, .http_status, safe str())
    ├── AuthError                     1001, 401 — token invalid or expired; re-authenticate once
    ├── ForbiddenError                403 — token lacks a scope / plan; retrying will not help
    ├── ClientIdRejectedError         400 on the anonymous-token call — make a new client id
    ├── SessionNotFoundError          1002 — the backend session is gone; create a new one
    ├── InsufficientCreditsError      2001 — register/bind (anonymous) or top up
    ├── UploadRejectedError           upload refused
    │   ├── UnsupportedFileTypeError  4001
    │   └── FileTooLargeError         4002 (also raised locally while streaming)
    ├── ExportNotAllowedError         402 — free plan / missing attribution headers
    ├── RateLimitedError              429 — .retry_after: Retry-After, else 30 s
    ├── ServerError                   5xx
    ├── BackendUnavailableError       connect/read failure or timeout before a reply
    ├── StreamInterruptedError        a chat stream broke mid-turn; never re-send the message
    ├── RenderRejectedError           render submit refused (duplicate id, empty draft, …)
    ├── RenderNotFoundError           poll/cancel of an id the backend does not know
    └── ProtocolError                 a reply we cannot understand

Every message is written by us or is a backend message passed through the log redactor, so
no error text ever contains a token.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bot.core.errors import (
    DomainError,
    ExportPlanError,
    ExportRefusedError,
    NotAuthorizedError,
    OutOfCreditsError,
    OversizeFileError,
    RateLimitError,
    SessionGoneError,
    StreamDroppedError,
    UnavailableError,
    UnsupportedFileError,
    UploadRefusedError,
)
from bot.observability import redact


class BackendError(DomainError):
    """Base of every NemoVideo adapter error."""

    default_message: ClassVar[str] = "NemoVideo request failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = redact(message or self.default_message)
        self.code = code
        self.http_status = http_status
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        return " ".join(parts)


class AuthError(BackendError, NotAuthorizedError):
    """1001 / 401: the token is invalid or expired."""

    default_message = "NemoVideo token is invalid or expired"


class ForbiddenError(BackendError, NotAuthorizedError):
    """403: the token lacks a scope or the plan does not allow the call."""

    default_message = "NemoVideo refused the request (missing scope or plan)"


class ClientIdRejectedError(BackendError, NotAuthorizedError):
    """400 on the anonymous-token call: the client id was missing or not accepted."""

    default_message = "NemoVideo did not accept the client id"


class SessionNotFoundError(BackendError, SessionGoneError):
    """1002: the backend session no longer exists."""

    default_message = "NemoVideo session not found"


class InsufficientCreditsError(BackendError, OutOfCreditsError):
    """2001: not enough credits for the operation."""

    default_message = "Not enough NemoVideo credits"


class UploadRejectedError(BackendError, UploadRefusedError):
    """The backend refused an upload."""

    default_message = "NemoVideo refused the upload"


class UnsupportedFileTypeError(UploadRejectedError, UnsupportedFileError):
    """4001: the file type is not accepted."""

    default_message = "Unsupported file type"


class FileTooLargeError(UploadRejectedError, OversizeFileError):
    """4002: the file is over the size limit."""

    default_message = "File is too large"


class ExportNotAllowedError(BackendError, ExportPlanError):
    """402: export refused on the free plan (or attribution headers missing)."""

    default_message = "Export is not available on this NemoVideo plan"


class RateLimitedError(BackendError, RateLimitError):
    """429: rate limited; ``retry_after`` (from :class:`RateLimitError`) is the wait to honour.

    ``server_wait`` is the ``Retry-After`` as sent (``None`` without one), for the client's own
    one wait, which a test may shorten when the server named none.
    """

    default_message = "NemoVideo rate limit reached"
    server_wait: float | None = None


class ServerError(BackendError, UnavailableError):
    """5xx: the backend failed."""

    default_message = "NemoVideo had a server error"


class BackendUnavailableError(BackendError, UnavailableError):
    """The backend could not be reached, or did not answer in time."""

    default_message = "NemoVideo could not be reached"


class StreamInterruptedError(BackendError, StreamDroppedError):
    """A chat stream broke mid-turn; the turn may still be applied, so it is never re-sent."""

    default_message = "The NemoVideo reply stream was interrupted"


class RenderRejectedError(BackendError, ExportRefusedError):
    """The render submission was refused (duplicate id, nothing to render, …)."""

    default_message = "NemoVideo refused the render"


class RenderNotFoundError(BackendError, ExportRefusedError):
    """The render id is unknown to the backend."""

    default_message = "NemoVideo does not know this render"


class ProtocolError(BackendError):
    """The backend answered something we cannot interpret."""

    default_message = "NemoVideo sent a reply we could not understand"


_BY_APP_CODE: dict[int, type[BackendError]] = {
    1001: AuthError,
    1010: AuthError,  # the CLI gateway's token codes (§6); harmless to understand here too
    1011: AuthError,
    1002: SessionNotFoundError,
    2001: InsufficientCreditsError,
    4001: UnsupportedFileTypeError,
    4002: FileTooLargeError,
}

_BY_HTTP_STATUS: dict[int, type[BackendError]] = {
    401: AuthError,
    402: ExportNotAllowedError,
    403: ForbiddenError,
    404: RenderNotFoundError,
    409: RenderRejectedError,
    413: FileTooLargeError,
    415: UnsupportedFileTypeError,
    429: RateLimitedError,
}


def error_for(
    http_status: int, body: Any, *, retry_after: float | None = None
) -> BackendError | None:
    """Map a reply to an error, or ``None`` when it is a success.

    ``body`` is the decoded JSON (any shape) or ``None``. Application codes win over the HTTP
    status because the contract allows either to carry them. ``retry_after`` is a 429's
    ``Retry-After`` in seconds (``None`` without one: the contract's 30 s).
    """
    error = _error(http_status, body)
    if isinstance(error, RateLimitedError) and retry_after is not None:
        error.retry_after = error.server_wait = retry_after
    return error


def _error(http_status: int, body: Any) -> BackendError | None:
    code, message = _code_and_message(body)
    if code is not None and code != 0:
        kind = _BY_APP_CODE.get(code)
        if kind is None:
            kind = _kind_for_status(http_status) or ProtocolError
            message = message or f"NemoVideo answered with unknown code {code}"
        return kind(message, code=code, http_status=http_status)
    failed_flag = isinstance(body, dict) and body.get("success") is False
    if http_status < 400 and not failed_flag:
        return None
    kind = _kind_for_status(http_status) or (RenderRejectedError if failed_flag else ProtocolError)
    return kind(message, code=None, http_status=http_status)


def _kind_for_status(status: int) -> type[BackendError] | None:
    if status >= 500:
        return ServerError
    if status == 400:
        return None  # a plain 400 means different things per endpoint; callers refine it
    return _BY_HTTP_STATUS.get(status)


def _code_and_message(body: Any) -> tuple[int | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    raw_code = body.get("code")
    code: int | None = None
    if isinstance(raw_code, int) and not isinstance(raw_code, bool):
        code = raw_code
    elif isinstance(raw_code, str) and raw_code.strip().lstrip("-").isdigit():
        code = int(raw_code)
    message = body.get("message") or body.get("error") or body.get("msg")
    if isinstance(message, dict):
        message = message.get("message")
    return code, (str(message)[:300] if message else None)

"""The domain error tree: what can go wrong, in words a user can be shown.

Adapters raise subclasses of these (``bot.backend.errors`` classes also inherit the matching
class here), so the use cases catch domain errors and never import an adapter. Each class names
the text a user sees through :attr:`DomainError.text_key` (a key of :mod:`bot.core.texts`);
:mod:`bot.core.usecases.explain` is the one place that turns an error into that text, filling
in links and file names. Error *messages* (``str(error)``) are for logs only and never shown.

::

    DomainError                  a backend problem without a better class  → backend_error
    ├── UnavailableError         unreachable, timed out, 5xx               → backend_unavailable
    │   └── RateLimitError       429; .retry_after is the wait to honour   → rate_limited_later
    ├── NotAuthorizedError       token refused even after renewing, 403    → not_authorized
    ├── SessionGoneError         1002: the backend forgot the session      → session_lost
    ├── OutOfCreditsError        2001                                      → out_of_credits_*
    ├── UploadRefusedError       the backend refused a file                → upload_failed
    │   ├── UnsupportedFileError 4001                                      → upload_unsupported
    │   └── OversizeFileError    4002                                      → upload_too_large
    ├── ExportRefusedError       render refused, unknown or failed         → export_rejected
    │   └── ExportPlanError      402: the plan does not allow export       → export_refused_plan
    ├── StreamDroppedError       a chat stream broke mid-turn (no re-send) → stream_dropped
    ├── AgentFailedError         the agent reported an error in the stream → agent_failed
    └── NothingToExportError     the timeline is empty                     → export_nothing

Handling order in a use case: ``SessionGoneError`` (recover, maybe retry once) and
``StreamDroppedError`` (recover by polling state) first, then everything else through
``explain``.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every error a use case can explain to a user."""

    text_key: ClassVar[str] = "backend_error"


class UnavailableError(DomainError):
    """NemoVideo could not be reached, timed out, or failed on its side (5xx)."""

    text_key = "backend_unavailable"


#: Contract §6: after a 429 wait this long before asking again, unless ``Retry-After`` says.
RATE_LIMIT_WAIT_SECONDS = 30.0


class RateLimitError(UnavailableError):
    """NemoVideo rate-limited us (429); ``retry_after`` is the wait to honour, in seconds.

    It is the server's ``Retry-After`` when it sent one, else the contract's 30 s.
    """

    text_key = "rate_limited_later"
    retry_after: float = RATE_LIMIT_WAIT_SECONDS


class NotAuthorizedError(DomainError):
    """NemoVideo refused our credentials (after renewing them once) or the call's scope."""

    text_key = "not_authorized"


class SessionGoneError(DomainError):
    """The backend session no longer exists (1002); a new one is needed."""

    text_key = "session_lost"


class OutOfCreditsError(DomainError):
    """Not enough credits (2001): register (anonymous) or top up."""

    text_key = "out_of_credits_registered"


class UploadRefusedError(DomainError):
    """The backend refused a file."""

    text_key = "upload_failed"


class UnsupportedFileError(UploadRefusedError):
    """The backend does not accept this file type (4001)."""

    text_key = "upload_unsupported"


class OversizeFileError(UploadRefusedError):
    """The file is over the backend's size limit (4002)."""

    text_key = "upload_too_large"


class ExportRefusedError(DomainError):
    """The render was refused, is unknown to the backend, or failed."""

    text_key = "export_rejected"


class ExportPlanError(ExportRefusedError):
    """Export is not available on this plan (402)."""

    text_key = "export_refused_plan"


class StreamDroppedError(DomainError):
    """A chat stream broke mid-turn; the turn may still be applied, so it is never re-sent."""

    text_key = "stream_dropped"


class AgentFailedError(DomainError):
    """The agent reported an error inside the stream."""

    text_key = "agent_failed"


class NothingToExportError(DomainError):
    """The timeline has no clip yet, so there is nothing to render."""

    text_key = "export_nothing"

"""Every code and status in the contract maps to its typed error, with HTTP 200 or 4xx."""

import pytest

from bot.backend import errors
from bot.backend.errors import error_for
from bot.core.errors import RateLimitError


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (200, {"code": 0, "data": {}}, None),
        (200, {"success": True, "data": {}}, None),
        (200, {"code": 1001, "message": "token expired"}, errors.AuthError),
        (401, {"code": 1001, "message": "token expired"}, errors.AuthError),
        (401, None, errors.AuthError),
        (200, {"code": 1002}, errors.SessionNotFoundError),
        (404, {"code": 1002}, errors.SessionNotFoundError),
        (200, {"code": 2001}, errors.InsufficientCreditsError),
        (402, {"code": 2001}, errors.InsufficientCreditsError),
        (200, {"code": 4001}, errors.UnsupportedFileTypeError),
        (415, {"code": "4001"}, errors.UnsupportedFileTypeError),
        (200, {"code": 4002}, errors.FileTooLargeError),
        (413, None, errors.FileTooLargeError),
        (402, {"success": False, "error": "upgrade"}, errors.ExportNotAllowedError),
        (403, {"message": "scope"}, errors.ForbiddenError),
        (429, {"message": "slow down"}, errors.RateLimitedError),
        (500, None, errors.ServerError),
        (502, "<html>bad gateway</html>", errors.ServerError),
        (503, {"code": 0}, errors.ServerError),
        (409, {"success": False, "error": "duplicate id"}, errors.RenderRejectedError),
        (200, {"success": False, "error": "nothing to render"}, errors.RenderRejectedError),
        (404, {"success": False, "error": "not found"}, errors.RenderNotFoundError),
        (200, {"code": 9999, "message": "new thing"}, errors.ProtocolError),
        (400, {"message": "bad"}, errors.ProtocolError),
    ],
)
def test_error_mapping(status, body, kind):
    """Application codes win over the status line; unknown codes are still errors."""
    error = error_for(status, body)
    assert (type(error) if error else None) is kind


def test_error_text_never_carries_a_token():
    """A backend message that echoes a token is redacted before it can reach a log."""
    error = error_for(401, {"code": 1001, "message": "bad token nmv_usr_SECRETSECRET123"})
    assert error is not None
    assert "nmv_usr_" not in str(error)
    assert "SECRETSECRET123" not in repr(error)


@pytest.mark.parametrize(("header", "wait"), [(None, 30.0), (12.0, 12.0), (0.0, 0.0)])
def test_a_429_always_says_how_long_to_wait(header, wait):
    """The domain sees one wait to honour: the server's Retry-After, else the contract's 30 s."""
    error = error_for(429, {"code": 429, "message": "slow down"}, retry_after=header)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == wait

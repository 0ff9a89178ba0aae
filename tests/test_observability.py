"""Secrets never survive into log output, whichever handler captures the record."""

import logging

import pytest

from bot.observability import RedactingFormatter, install_redaction, redact, register_secret


@pytest.mark.parametrize(
    "text",
    [
        "token nmv_usr_KGdwtlGw3hBDUpV-4_FJfEgYq",
        "Authorization: Bearer abc.def-ghi",
        "authorization: bearer zzzzzzzzzz",
        "link https://nemovideo.com/workspace/claim?ct=clm_abcdef123",
        "old link ?token=nmv_x&task=1",
        "claim clm_0123456789",
    ],
)
def test_token_shapes_are_redacted(text):
    """Every documented token form is replaced."""
    redacted = redact(text)
    assert "[redacted]" in redacted
    for secret in ("nmv_", "KGdwtl", "abc.def", "zzzzzzzzzz", "clm_"):
        assert secret not in redacted


def test_registered_secret_without_prefix_is_redacted():
    """Tokens of other shapes (a Discord token, an operator token) are redacted once known."""
    register_secret("MTIz.discord-like.token-value")
    assert "discord-like" not in redact("login with MTIz.discord-like.token-value failed")


def test_record_factory_redacts_for_every_handler(caplog):
    """Pytest's own handler sees the redacted text: redaction happens at record creation."""
    install_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("beatthread.test").info("got %s", "nmv_usr_abcdefghijkl")
    assert "nmv_usr_abcdefghijkl" not in caplog.text
    assert "[redacted]" in caplog.text


def test_formatter_redacts_tracebacks():
    """An exception message carrying a token is redacted in the formatted traceback."""
    try:
        raise RuntimeError("failed with Bearer secret-token-123")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", None, None)
        import sys

        record.exc_info = sys.exc_info()
    text = RedactingFormatter("%(message)s").format(record)
    assert "secret-token-123" not in text

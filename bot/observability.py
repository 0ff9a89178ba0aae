"""Logging set-up in one place, with redaction of secrets from every record.

Redaction happens in the log-record factory, so every handler (ours, pytest's, a library's)
sees an already-redacted message; the formatter redacts tracebacks as a second line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

REDACTED = "[redacted]"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bnmv_[A-Za-z0-9_\-]+"),  # NemoVideo API and anonymous tokens
    re.compile(r"\bclm_[A-Za-z0-9_\-]+"),  # claim tokens for browser links
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]+"),
    re.compile(r"(?i)\b(ct|token|nemo_token)=[^&\s\"']+"),  # tokens embedded in URLs
)

_known_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Make ``value`` redacted wherever it appears, even without a recognisable prefix."""
    if value and len(value) >= 8:
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every token-like value and every registered secret replaced."""
    for secret in tuple(_known_secrets):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement, text)
    return text


def _replacement(match: re.Match[str]) -> str:
    if match.lastindex:  # key=value form: keep the key so the log still makes sense
        return f"{match.group(1)}={REDACTED}"
    return REDACTED


class RedactingFormatter(logging.Formatter):
    """Formats like ``logging.Formatter`` and redacts the result, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` and redact the whole text."""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ``ts``, ``level``, ``logger``, ``message``.

    ``exc`` (the formatted traceback) and ``stack`` are added when the record has them. Every
    text is redacted; the traceback needs it most, as the record factory never sees it.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as a single line of JSON."""
        entry: dict[str, str] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        line = json.dumps(entry, ensure_ascii=False)
        # json.dumps escapes "\n" and the other ASCII control characters, but not NEL, LINE
        # SEPARATOR and PARAGRAPH SEPARATOR, on which str.splitlines() and some log shippers
        # break lines. They can only occur inside JSON strings, so escaping them keeps the
        # object valid and on one line.
        return line.translate(_UNESCAPED_LINE_BREAKS)


_UNESCAPED_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _redacting_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep its parts visible, redacted
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        return record

    factory.beatthread_redacting = True  # type: ignore[attr-defined]
    return factory


def install_redaction() -> None:
    """Install the redacting record factory (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "beatthread_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))


def setup_logging(level: str = "INFO", fmt: Literal["text", "json"] = "text") -> None:
    """Configure the root logger once: redaction, one line per event, quiet HTTP libraries.

    ``fmt`` is ``LOG_FORMAT``: ``text`` for people, ``json`` (one object per line) for log
    collectors.
    """
    install_redaction()
    formatter: logging.Formatter
    if fmt == "json":
        formatter = JsonFormatter()
    elif fmt == "text":
        formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:
        raise ValueError(f"unknown log format {fmt!r}: use 'text' or 'json'")
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic announces each of its plugins at INFO when it is imported, every start.
    quiet = ("httpx", "httpcore", "aiohttp.access", "aiosqlite", "alembic.runtime.plugins")
    for noisy in quiet:
        logging.getLogger(noisy).setLevel(logging.WARNING)

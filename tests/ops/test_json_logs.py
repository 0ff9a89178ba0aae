"""JSON logs: one valid object per line, with secrets redacted in the message and traceback."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.observability import JsonFormatter, RedactingFormatter, setup_logging

TOKEN = "nmv_abc123def456secret"


@pytest.fixture
def json_log():
    """A logger writing through JsonFormatter into a buffer, as a log shipper would read it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("beatthread.test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, buffer
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def restored_root():
    """setup_logging reconfigures the root logger; put back what pytest had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {
        name: logging.getLogger(name).level
        for name in ("httpx", "httpcore", "aiohttp.access", "aiosqlite")
    }
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


def lines_of(buffer: io.StringIO) -> list[dict]:
    text = buffer.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_each_record_is_one_json_object_with_the_fields(json_log):
    """A collector gets ts (UTC), level, logger and message from every line."""
    logger, buffer = json_log
    before = datetime.now(UTC)
    logger.info("export %s done", "render_1")
    logger.warning("slow poll")
    first, second = lines_of(buffer)
    assert first["level"] == "INFO"
    assert first["logger"] == "beatthread.test.json"
    assert first["message"] == "export render_1 done"
    assert "exc" not in first
    stamp = datetime.fromisoformat(first["ts"])
    assert stamp.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)
    assert (second["level"], second["message"]) == ("WARNING", "slow poll")


def test_line_breaks_in_a_message_stay_on_one_line(json_log):
    """Newlines and Unicode line separators cannot split an entry, and round-trip intact."""
    logger, buffer = json_log
    message = "first\nsecond\r\nthird\u2028fourth\u2029fifth\x85sixth 中文"
    logger.info(message)
    raw = buffer.getvalue()
    assert len(raw.splitlines()) == 1
    (entry,) = lines_of(buffer)
    assert entry["message"] == message


def test_token_is_redacted_in_message_and_traceback(json_log):
    """A token in the message or the exception text never reaches the output."""
    logger, buffer = json_log
    try:
        raise RuntimeError(f"backend refused Bearer {TOKEN}\nsecond line {TOKEN}")
    except RuntimeError:
        logger.exception("call with %s failed", TOKEN)
    raw = buffer.getvalue()
    assert "abc123def456" not in raw
    assert len(raw.splitlines()) == 1
    (entry,) = lines_of(buffer)
    assert entry["level"] == "ERROR"
    assert entry["message"] == "call with [redacted] failed"
    assert entry["exc"].startswith("Traceback (most recent call last):")
    assert "RuntimeError: backend refused Bearer [redacted]" in entry["exc"]
    assert "second line [redacted]" in entry["exc"]


def test_setup_logging_json_writes_json_to_stderr(restored_root, capsys):
    """LOG_FORMAT=json: the root handler writes one JSON object per line."""
    setup_logging("INFO", "json")
    logging.getLogger("beatthread.test.setup").info("hello %s", TOKEN)
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert json.loads(line)["message"] == "hello [redacted]"


def test_setup_logging_text_is_unchanged(restored_root, capsys):
    """The default stays the readable one-line text format."""
    setup_logging("INFO")
    (handler,) = restored_root.handlers
    assert type(handler.formatter) is RedactingFormatter
    logging.getLogger("beatthread.test.setup").info("hello %s", TOKEN)
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO beatthread\.test\.setup: hello \[redacted\]\n",
        err,
    )


def test_unknown_format_is_refused(restored_root):
    """A typo in LOG_FORMAT fails loudly instead of silently logging text."""
    with pytest.raises(ValueError, match="yaml"):
        setup_logging("INFO", "yaml")  # type: ignore[arg-type]

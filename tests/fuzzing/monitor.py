"""What the bot must never do, watched while the fuzz runs and checked after it.

* **Unhandled exceptions**: log records at ``ERROR`` or above that carry a traceback (from any
  logger in the process: the bot, discord.py, aiohttp, the emulator and the backend), every
  ``ERROR`` record of ``asyncio``, and every call of the event loop's exception handler
  ("Task exception was never retrieved", an exception in a callback), collected at the end
  after a garbage collection, since an unretrieved task error is reported when the task dies.
* **Pings**: every request the bot sent Discord with message content whose
  ``allowed_mentions`` is missing or lets anything through; the one exception is a finished
  export's post, which may name exactly its requester (found by the render's nonce).
* **Leaked tokens**: the Discord bot token and every NemoVideo token the backend saw, searched
  in every message (content, every edit, embeds, file names), in every request the bot sent
  Discord (path, query, body), and in the text and traceback of every log record.

:class:`Monitor` also measures how late the event loop wakes a ticker (a loop that stalls for
seconds starves every other conversation), for the report; nothing waits on it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self

from tests.discord_app.stage import Stage

TICK: Final = 0.05
"""How often the lag ticker wakes (seconds)."""

_MESSAGE_ROUTES: Final = (
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
    "POST /interactions/{webhook_id}/{webhook_token}/callback",
    "POST /webhooks/{webhook_id}/{webhook_token}",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
)


class Monitor:
    """Records log records and loop exceptions while active (``async with``)."""

    def __init__(self) -> None:
        #: Every record's message and traceback text, for the token search.
        self.texts: list[str] = []
        #: One line per unhandled exception.
        self.unhandled: list[str] = []
        #: ``ERROR`` records without a traceback (reported, not counted as unhandled).
        self.error_lines: list[str] = []
        #: The longest the event loop was late waking the ticker, in seconds.
        self.lag_max = 0.0
        self._handler = _Recorder(self)
        self._levels: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: Any = None
        self._ticker: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        """Start recording: every logger at ``INFO`` (Beatthread's at ``DEBUG``)."""
        for name, level in (("", logging.INFO), ("bot", logging.DEBUG)):
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(min(level, logger.getEffectiveLevel()))
        logging.getLogger().addHandler(self._handler)
        self._loop = asyncio.get_running_loop()
        self._previous = self._loop.get_exception_handler()
        self._loop.set_exception_handler(self._loop_exception)
        self._ticker = asyncio.create_task(self._tick(), name="fuzz-lag-ticker")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Collect what dying tasks still report, then stop recording."""
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.wait([self._ticker])
        gc.collect()  # a dead task reports its unretrieved exception as it is collected
        if self._loop is not None:
            self._loop.set_exception_handler(self._previous)
        logging.getLogger().removeHandler(self._handler)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def record(self, record: logging.LogRecord) -> None:
        """Keep ``record``'s text; count it if it is an unhandled exception."""
        message = record.getMessage()
        trace = ""
        if record.exc_info and record.exc_info[1] is not None:
            trace = "".join(traceback.format_exception(*record.exc_info))
        self.texts.append(f"{message}\n{trace}")
        if record.levelno < logging.ERROR:
            return
        line = f"{record.name}: {message[:200]}"
        if trace or record.name.startswith("asyncio"):
            error = record.exc_info[1] if record.exc_info else None
            self.unhandled.append(f"{line} [{type(error).__name__}: {str(error)[:200]}]")
        else:
            self.error_lines.append(line)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        trace = "".join(traceback.format_exception(error)) if error is not None else ""
        message = str(context.get("message", ""))
        self.texts.append(f"{message}\n{trace}")
        what = f" [{type(error).__name__}: {str(error)[:200]}]" if error is not None else ""
        self.unhandled.append(f"event loop: {message[:200]}{what}")

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(TICK)
            self.lag_max = max(self.lag_max, loop.time() - before - TICK)


class _Recorder(logging.Handler):
    def __init__(self, monitor: Monitor) -> None:
        super().__init__(logging.NOTSET)
        self._monitor = monitor

    def emit(self, record: logging.LogRecord) -> None:
        self._monitor.record(record)


def secrets_of(stage: Stage) -> set[str]:
    """The Discord bot token and every bearer token the backend was sent."""
    found = {stage.emulator.token}
    for request in stage.backend.requests:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and value:
            found.add(value)
    return found


def leaks(stage: Stage, monitor: Monitor) -> list[str]:
    """Where a token appears that it must not (see the module docstring)."""
    tokens = secrets_of(stage)
    places: list[tuple[str, str]] = []
    for message in stage.emulator.state.messages.values():
        shown = [message.content, *(edit.content for edit in message.edits)]
        shown += [json.dumps(message.embeds), *(a.filename for a in message.attachments)]
        places.append((f"message {message.id}", "\n".join(shown)))
    for request in stage.emulator.recorder.requests:
        sent = json.dumps([request.path, request.query, request.json], default=str)
        places.append((f"request {request.key}", sent))
    places += [(f"log record {n}", text) for n, text in enumerate(monitor.texts)]
    return [f"{where} carries a token" for where, text in places if _carries(text, tokens)]


def _carries(text: str, tokens: Iterable[str]) -> bool:
    return any(token in text for token in tokens)


def pings(stage: Stage, requesters: Mapping[str, tuple[int, int]]) -> list[str]:
    """Requests with content whose ``allowed_mentions`` is not "none" (but the one exception).

    ``requesters`` maps a finished export's post nonce to its thread and requester.
    """
    found = []
    for request in stage.emulator.recorder.requests:
        if request.key not in _MESSAGE_ROUTES or not isinstance(request.json, dict):
            continue
        body = request.json
        if request.route.endswith("/callback"):
            body = body.get("data") if isinstance(body.get("data"), dict) else {}
        if not isinstance(body.get("content"), str) or not body["content"]:
            continue
        allowed = body.get("allowed_mentions")
        if _mentions_nobody(allowed) or _pings_requester(request.path, body, requesters):
            continue
        found.append(f"{request.key} ({request.path}) allows {allowed!r}: {body['content'][:80]!r}")
    return found


def _mentions_nobody(allowed: Any) -> bool:
    return (
        isinstance(allowed, dict)
        and allowed.get("parse") == []
        and not allowed.get("users")
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )


def _pings_requester(
    path: str, body: dict[str, Any], requesters: Mapping[str, tuple[int, int]]
) -> bool:
    export = requesters.get(str(body.get("nonce")))
    allowed = body.get("allowed_mentions")
    if export is None or not isinstance(allowed, dict):
        return False
    thread_id, requester_id = export
    return (
        f"/channels/{thread_id}/" in path
        and allowed.get("parse") == []
        and [str(user) for user in allowed.get("users") or []] == [str(requester_id)]
        and not allowed.get("roles")
        and not allowed.get("replied_user")
    )

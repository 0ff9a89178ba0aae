"""The terminal front end: one conversation on stdin/stdout, over the same use cases as Discord.

Each input line is a user message. Commands mirror the slash commands::

    /upload PATH   attach a local file
    /status        the timeline      (also "status", "show tracks", 状态 …)
    /credits       the balance       (also "credits", "balance", 积分 …)
    /export        render the video  (also "export", "send me the video", 导出 …)
    /help          the list
    /quit          leave now (a render already submitted goes on at NemoVideo)

Any other line goes through the intent router, exactly like a Discord message. Replies print
while they stream. The conversation speaks ``language`` when one is given (``--language``),
else the language of the first message's script (mostly Chinese characters: 中文; see
:mod:`bot.core.language`), else English; it starts at the first line that needs it.
Exports are followed by the same durable export poller as in Discord (:mod:`bot.jobs`),
reporting through :class:`ConsoleNotifier`. At the end of input the console
waits for queued messages and for running exports, prints their MP4 links, and exits 0.

The console is an adapter: it depends on the core and the jobs, and gets its use cases and its
poller from the composition root. Local files are read in 1 MiB chunks off the event loop,
never whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TextIO

import httpx

from bot.core.backend_results import RenderStatus, UploadSource, file_source
from bot.core.intents import Intent, IntentKind, route
from bot.core.language import ENGLISH, reply_language
from bot.core.models import ExportJob
from bot.core.replies import ExportStarted, Notice, NoticeKind, ReplyEvent, ReplyText
from bot.core.texts import accepted_formats, export_ready_text, text
from bot.core.usecases import Attachment, ConversationRunner, IncomingMessage, NewThread, UseCases
from bot.jobs import PollerFactory, Supervisor

log = logging.getLogger(__name__)

#: Saves a finished export's video (job, MP4 URL) and returns where it went.
VideoSaver = Callable[[ExportJob, str], Awaitable[Path]]

#: The console's one user (Discord ids are positive; 0 is nobody's).
CONSOLE_USER_ID = 0

_COMMANDS = {
    "/status": IntentKind.STATE,
    "/credits": IntentKind.CREDITS,
    "/export": IntentKind.EXPORT,
}


async def run_console(
    use_cases: UseCases,
    poller: PollerFactory,
    lines: AsyncIterator[str],
    out: TextIO,
    *,
    language: str | None = None,
    initial_upload: Path | None = None,
    save: VideoSaver | None = None,
) -> int:
    """Run one conversation from ``lines`` to ``out``; return the exit code.

    ``language``: the conversation's (``None``: decided by the first message, see the module
    docstring). ``save`` keeps a copy of each finished video (the demo's links end when it
    exits).
    """
    printer = Printer(out, language or ENGLISH)
    notifier = ConsoleNotifier(printer, save)
    exports = poller(notifier)
    ids = _Ids()
    store = use_cases.deps.store

    async def show(event: ReplyEvent) -> None:
        await printer.show(event)
        if isinstance(event, ExportStarted):
            async with store.transaction() as tx:
                job = await tx.exports.get(event.render_id)
            if job is not None:
                notifier.expect(job)
                await exports.track(job)

    runners: list[ConversationRunner] = []

    async def runner_for(first_message: str | None) -> ConversationRunner:
        """The conversation's runner, started (in its language) by the first line needing it."""
        if runners:
            return runners[0]
        printer.language = reply_language(chosen=language, first_message=first_message)
        conversation = await use_cases.start_conversation(
            NewThread(
                thread_id=ids.next(),
                guild_id=0,
                parent_channel_id=0,
                owner_user_id=CONSOLE_USER_ID,
                title="console",
                language=printer.language,
            )
        )
        runners.append(use_cases.runner(conversation, show))
        return runners[0]

    printer.line(text("console_banner", printer.language))
    async with Supervisor() as tasks:
        tasks.spawn("export-poller", exports.run, stop=exports.stop, restart=True)
        try:
            if initial_upload is not None:
                await _upload(await runner_for(None), ids, printer, str(initial_upload))
            async for line in lines:
                if not await _handle(line.strip(), runner_for, ids, printer):
                    printer.line(text("console_bye", printer.language))
                    return 0
            for runner in runners:
                await runner.join()
            if notifier.waiting:
                printer.line(text("console_waiting", printer.language))
            await notifier.settled()
            return 0
        finally:
            for runner in runners:
                await runner.close()


async def _handle(
    line: str,
    runner_for: Callable[[str | None], Awaitable[ConversationRunner]],
    ids: _Ids,
    printer: Printer,
) -> bool:
    """Act on one input line; ``False`` means quit.

    ``runner_for`` gives the conversation's runner, given the line if it is a message (the
    first one decides the language).
    """
    command, _, argument = line.partition(" ")
    command = command.lower()
    if not line:
        return True
    if command in ("/quit", "/exit"):
        return False
    if command == "/help":
        printer.line(text("console_help", printer.language))
    elif command == "/upload":
        await _upload(await runner_for(None), ids, printer, argument.strip())
    elif command in _COMMANDS:
        message = IncomingMessage(ids.next(), CONSOLE_USER_ID, Intent(_COMMANDS[command], ""))
        await (await runner_for(None)).submit(message)
    elif command.startswith("/") and len(command) > 1 and " " not in command[1:]:
        printer.line(text("console_unknown_command", printer.language, command=command))
    else:
        runner = await runner_for(line)
        await runner.submit(IncomingMessage(ids.next(), CONSOLE_USER_ID, route(line)))
    return True


async def _upload(runner: ConversationRunner, ids: _Ids, printer: Printer, raw: str) -> None:
    lang = printer.language
    if not raw:
        printer.line(text("console_upload_hint", lang, accepted=accepted_formats(lang)))
        return
    source = await asyncio.to_thread(_local_file, raw)
    if source is None:
        printer.line(text("console_no_file", lang, path=raw))
        return
    attachment = Attachment(ids.next(), source, source.size or 0)
    upload = Intent(IntentKind.UPLOAD, "")
    await runner.submit(IncomingMessage(ids.next(), CONSOLE_USER_ID, upload, (attachment,)))


def _local_file(raw: str) -> UploadSource | None:
    path = Path(raw.strip("\"'")).expanduser()
    return file_source(path) if path.is_file() else None


class Printer:
    """Renders reply events as terminal lines; agent text appears as it streams."""

    def __init__(self, out: TextIO, language: str) -> None:
        self._out = out
        self.language = language
        self._mid_line = False

    async def show(self, event: ReplyEvent) -> None:
        """The conversation's reply sink."""
        if isinstance(event, ReplyText):
            self._write(event.delta)
            self._mid_line = not event.delta.endswith("\n") if event.delta else self._mid_line
            if event.done:
                self._end_line()
            return
        if isinstance(event, Notice) and event.kind is NoticeKind.UPLOAD_HINT:
            lang = self.language
            self.line(text("console_upload_hint", lang, accepted=accepted_formats(lang)))
            return
        self.line(event.text)

    def line(self, message: str) -> None:
        """Print ``message`` on lines of its own."""
        self._end_line()
        self._write(message + "\n")

    def _end_line(self) -> None:
        if self._mid_line:
            self._write("\n")
            self._mid_line = False

    def _write(self, chunk: str) -> None:
        self._out.write(chunk)
        self._out.flush()


class ConsoleNotifier:
    """Export news as terminal lines (implements :class:`bot.core.ports.Notifier`).

    It counts the renders this session started, per thread, and :meth:`settled` waits until
    each has been posted or has failed for good (a render made again after a failure replaces
    its predecessor in the same thread without finishing it, so counting render ids would
    never settle). Renders left unfinished by an earlier session on the same database are
    reported too, but not waited for.
    """

    def __init__(self, printer: Printer, save: VideoSaver | None = None) -> None:
        self._printer = printer
        self._save = save
        self._posts = itertools.count(1)
        self._running: Counter[int] = Counter()
        self._changed = asyncio.Condition()

    @property
    def waiting(self) -> bool:
        """Whether a render the console started has not been posted or failed yet."""
        return self._running.total() > 0

    def expect(self, job: ExportJob) -> None:
        """Count ``job``'s export as running until its video is posted or it fails."""
        self._running[job.thread_id] += 1

    async def settled(self) -> None:
        """Wait until no export the console started is running."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._running.total() == 0)

    def handles(self, job: ExportJob) -> bool:
        """The terminal is always there."""
        return True

    async def export_progress(self, job: ExportJob, status: RenderStatus) -> int | None:
        """One line per visible change (a terminal has no status message to name)."""
        self._printer.line(
            text("export_progress", self._printer.language, progress=status.progress)
        )
        return None

    async def export_finished(
        self, job: ExportJob, output_url: str, project_url: str | None
    ) -> int:
        """The MP4 link (and the project link); with a saver, also the path of the saved copy."""
        lang = self._printer.language
        self._printer.line(export_ready_text(lang, output_url, project_url))
        if self._save is not None:
            try:
                path = await self._save(job, output_url)
            except (OSError, httpx.HTTPError) as error:
                log.warning("saving the video of export %s failed: %r", job.render_id, error)
                self._printer.line(text("console_save_failed", lang))
            else:
                self._printer.line(text("console_saved", lang, path=str(path)))
        await self._done(job)
        return next(self._posts)

    async def find_posted(self, job: ExportJob) -> int | None:
        """A terminal cannot look back: a post interrupted by a crash is printed again."""
        return None

    async def export_failed(self, job: ExportJob, error: str) -> int | None:
        """Say the export failed for good."""
        self._printer.line(text("export_failed", self._printer.language))
        await self._done(job)
        return None

    async def export_stalled(self, job: ExportJob) -> int | None:
        """Say the render is slow (the poller keeps following it)."""
        self._printer.line(text("export_status_stalled", self._printer.language))
        return None

    async def _done(self, job: ExportJob) -> None:
        async with self._changed:
            if self._running[job.thread_id] > 0:
                self._running[job.thread_id] -= 1
            self._changed.notify_all()


class _Ids:
    """Message, attachment and thread ids: increasing, and unique across runs on one database.

    They start at the current time in microseconds (a 51-bit number, like Discord snowflakes in
    size) so a second console session never reuses the first one's ids.
    """

    def __init__(self) -> None:
        self._counter = itertools.count(time.time_ns() // 1000)

    def next(self) -> int:
        return next(self._counter)


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, read by a daemon thread so a blocked read never delays exit."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def deliver(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the console has ended
            loop.call_soon_threadsafe(queue.put_nowait, line)

    def read() -> None:
        try:
            while line := sys.stdin.readline():
                deliver(line.rstrip("\r\n"))
        finally:
            deliver(None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line

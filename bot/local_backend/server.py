"""``LocalBackend``: start, steer and stop the local NemoVideo-compatible server.

The server is real (aiohttp on a TCP socket), so clients talk to it exactly as they would to
``mega-api-prod``. Tests start one per test on port 0; ``beatthread local-backend`` runs
:func:`serve`; docker-compose runs that command and steers it through the control API.

Ownership: whoever calls :meth:`LocalBackend.start` calls :meth:`LocalBackend.stop` (or uses
``async with``). ``stop`` cancels agent turns and renders (killing ffmpeg), closes every
connection and the outbound HTTP client, and removes the media folder if it created it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import imageio_ffmpeg
from aiohttp import web

from bot.local_backend.app import build_app
from bot.local_backend.config import BackendConfig, Fault, HandledRequest, RecordedRequest
from bot.local_backend.runtime import Runtime
from bot.local_backend.state import RenderJob, Session
from bot.studio import analysis

log = logging.getLogger(__name__)

#: How long stop() lets in-flight requests finish before closing their connections.
SHUTDOWN_TIMEOUT = 2.0


class LocalBackend:
    """A NemoVideo-compatible server with its whole state in memory.

    ``config`` is live: change its fields at any time. ``requests`` records every request
    (control routes excepted), tokens included: it never leaves the process except through the
    control API, which fingerprints them.
    """

    def __init__(
        self,
        config: BackendConfig | None = None,
        *,
        media_dir: Path | None = None,
        control: bool = True,
    ) -> None:
        self.config = config if config is not None else BackendConfig()
        self._runtime = Runtime(self.config)
        self._media_dir = media_dir
        self._owns_media_dir = media_dir is None
        self._control = control
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port) and return the base URL."""
        if self._runner is not None:
            raise RuntimeError("LocalBackend is already started")
        if self._media_dir is None:
            self._media_dir = Path(tempfile.mkdtemp(prefix="beatthread-local-backend-"))
        self._media_dir.mkdir(parents=True, exist_ok=True)
        exe = await asyncio.to_thread(imageio_ffmpeg.get_ffmpeg_exe)
        self._runtime.open(self._media_dir, exe)
        app = build_app(self._runtime, self._media_dir, control_api=self._control)
        # access_log=None: the access log would be the one place request lines are written.
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT
        )
        self._runner = runner
        try:
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await self.stop()
            raise
        bound_host, bound_port = runner.addresses[0][:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self._url = f"http://{shown}:{bound_port}"
        log.info("local backend listening on %s", self._url)
        return self._url

    async def stop(self) -> None:
        """Stop serving and release everything (idempotent)."""
        await self._runtime.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._url = None
        if self._owns_media_dir and self._media_dir is not None:
            media_dir, self._media_dir = self._media_dir, None
            await asyncio.to_thread(shutil.rmtree, media_dir, True)

    async def __aenter__(self) -> LocalBackend:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- introspection ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (only while started)."""
        if self._url is None:
            raise RuntimeError("LocalBackend is not started")
        return self._url

    @property
    def media_dir(self) -> Path:
        """Where uploads and renders are stored (only while started)."""
        if self._media_dir is None:
            raise RuntimeError("LocalBackend is not started")
        return self._media_dir

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every recorded request, oldest first (the live list)."""
        return self._runtime.requests

    @property
    def handled(self) -> list[HandledRequest]:
        """When the server was busy with each request, in the order they finished (live list)."""
        return self._runtime.handled

    @property
    def sessions(self) -> Mapping[str, Session]:
        """All sessions by id (read-only view of the live objects)."""
        return MappingProxyType(self._runtime.store.sessions)

    @property
    def renders(self) -> Mapping[str, RenderJob]:
        """Every render submitted, by id, oldest first (read-only view of the live objects)."""
        return MappingProxyType(self._runtime.store.renders)

    def draft(self, session_id: str) -> dict[str, Any]:
        """A copy of the session's current draft; :class:`KeyError` if unknown."""
        return self._runtime.draft(session_id)

    def state(self, session_id: str) -> dict[str, Any]:
        """A copy of the session's §3.7 ``data`` object; :class:`KeyError` if unknown."""
        return self._runtime.session(session_id).state()

    def uploaded_digest(self, session_id: str, filename: str) -> str:
        """SHA-256 hex digest of the latest stored upload named ``filename`` in the session.

        Synchronous on purpose (a test assertion helper): hashing a 500 MB file blocks for about
        a second. :class:`KeyError` if the session or file is unknown.
        """
        session = self._runtime.session(session_id)
        for media in reversed(session.media):
            if media.filename == filename:
                digest = hashlib.sha256()
                with media.path.open("rb") as stored:
                    while block := stored.read(1 << 20):
                        digest.update(block)
                return digest.hexdigest()
        raise KeyError(filename)

    def turns_received(self, session_id: str) -> int:
        """How many ``/run_sse`` requests reached the session; :class:`KeyError` if unknown."""
        return self._runtime.session(session_id).turns_received

    async def settle(self) -> None:
        """Wait until every running agent turn has finished (even ones whose client left)."""
        await self._runtime.settle()

    # -- levers -------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Make the next ``fault.times`` requests to ``fault.route`` fail as described."""
        self._runtime.faults.inject(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self._runtime.faults.clear()

    def pending_faults(self) -> list[Fault]:
        """The injected faults no request has used up yet, oldest first."""
        return self._runtime.faults.pending()

    def expire_tokens(self) -> None:
        """Every issued token answers 1001 from now on; client ids may get new tokens."""
        self._runtime.store.expire_tokens()

    def hold_work(self, session_id: str) -> asyncio.Event:
        """Make the session's scripted tool work wait until the returned event is set."""
        gate = asyncio.Event()
        self._runtime.session(session_id).work_gate = gate
        return gate

    def drop_session(self, session_id: str) -> None:
        """The session answers 1002 from now on; :class:`KeyError` if unknown."""
        self._runtime.drop_session(session_id)

    def set_credits(self, available: int) -> None:
        """Set every account's available credits (and the grant of accounts created later)."""
        self._runtime.store.set_credits(available)


def _warm_up() -> None:
    try:
        analysis.warm_up()
    except Exception:  # a failed warm-up only means the first analysis is slower
        log.warning("studio warm-up failed", exc_info=True)


async def serve(
    host: str, port: int, config: BackendConfig | None = None, *, control: bool = False
) -> None:
    """Run a backend until cancelled, SIGINT or SIGTERM; its URL is the first stdout line.

    ``control`` serves the ``/_control`` API (tests and benchmarks steer the server with it).
    """
    backend = LocalBackend(config, control=control)
    url = await backend.start(host, port)
    if backend.config.studio:
        # numba compiles librosa's kernels on first use (seconds): pay it now, not on a turn,
        # in a daemon thread, so a stop never waits for it (asyncio.run joins its executor).
        threading.Thread(target=_warm_up, name="studio-warm-up", daemon=True).start()
    try:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stopping.set)
                installed.append(signum)
        try:
            await stopping.wait()
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)
    finally:
        await backend.stop()

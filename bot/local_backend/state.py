"""The in-memory model: accounts, tokens, sessions, uploaded media and render jobs.

Pure bookkeeping with no I/O, so every rule the contract states lives here in one place:

* §3.1 anonymous tokens: ``nmv_usr_`` + random, 7-day lifetime (``token_ttl_seconds``), one
  token per client id while the earlier one is still valid (a second request inside the window
  is refused, the caller answers HTTP 429; the contract leaves "same token or 429" open and the
  brief chose 429), optional per-IP limit. A client id is one anonymous user: after expiry the
  same ``X-Client-Id`` gets a new token for the **same** ``anon_`` user, with its sessions and
  its remaining credits (the reason the contract says to persist the client id; a fresh grant
  per renewal would be free credits). Each anonymous user owns one credit account.
* §3.2 sessions: ``task_`` + hex task ids, 19-digit numeric session ids, owned by one user; a
  session of another user is reported exactly like an unknown one (1002), so ids do not leak.
* §3.3 claim tokens: ``clm_`` + random, 7 days, reusable, no API access.
* §3.6 credits: ``total = available + frozen``; a chat turn freezes its cost at the start and
  consumes it at the end (:meth:`Account.freeze`, :meth:`Account.settle`).
* §3.8 render jobs: client-chosen ids, unique per server.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.local_backend.config import BackendConfig

FileType = Literal["video", "image", "audio"]
RenderStatus = Literal["pending", "processing", "completed", "failed"]

CLAIM_TOKEN_TTL_SECONDS = 7 * 24 * 3600
#: The canvas of a session whose draft names none (NemoVideo's default, 16:9).
DEFAULT_CANVAS = (1920, 1080)
#: User ids of the local studio: the bot reads it as "no registration needed" (never ``anon_``).
LOCAL_USER_PREFIX = "local_"


class RateLimitedError(Exception):
    """A second anonymous token for the same client id (or IP) inside the window."""


@dataclass
class Account:
    """One user's credits (§3.6)."""

    user_id: str
    available: int
    frozen: int = 0

    @property
    def total(self) -> int:
        """Available plus frozen, as the balance endpoint reports it."""
        return self.available + self.frozen

    def freeze(self, amount: int) -> None:
        """Reserve ``amount`` for an operation that has started."""
        self.available -= amount
        self.frozen += amount

    def settle(self, amount: int, *, consumed: bool) -> None:
        """Finish an operation: spend the reserved ``amount`` or give it back."""
        self.frozen -= amount
        if not consumed:
            self.available += amount


@dataclass
class TokenGrant:
    """What an issued or configured Bearer token stands for."""

    user_id: str
    expires_at: float | None  # wall-clock epoch seconds; None for operator tokens
    client_id: str | None = None
    expired: bool = False

    def valid(self, now: float) -> bool:
        """Whether the token still authenticates at wall-clock time ``now``."""
        return not self.expired and (self.expires_at is None or now < self.expires_at)


@dataclass
class MediaFile:
    """One uploaded file kept on disk and served under ``/media/uploads/``."""

    filename: str
    file_type: FileType
    path: Path
    url_path: str  # server-relative, e.g. /media/uploads/<id>/<name>
    cdn_url: str  # absolute, built from the Host the uploader used
    size: int
    duration: float = 0.0
    width: int | None = None
    height: int | None = None
    fps: float | None = None

    def info(self) -> dict[str, Any]:
        """The §3.5 ``files[]`` entry (also used for ``state.video_infos``)."""
        data: dict[str, Any] = {
            "filename": self.filename,
            "file_type": self.file_type,
            "cdn_url": self.cdn_url,
            "duration": self.duration,
            "size": self.size,
        }
        if self.width is not None and self.height is not None:
            data["width"] = self.width
            data["height"] = self.height
        if self.fps is not None:
            data["fps"] = self.fps
        return data


@dataclass
class Session:
    """A task (project) with its one session (§3.2, §5) and its state (§3.7)."""

    session_id: str
    task_id: str
    task_name: str
    language: str | None
    user_id: str
    draft: dict[str, Any] = field(default_factory=dict)
    media: list[MediaFile] = field(default_factory=list)
    video_infos: list[dict[str, Any]] = field(default_factory=list)
    generated_media: list[dict[str, Any]] = field(default_factory=list)
    dropped: bool = False
    turns_received: int = 0
    edit_turns: int = 0
    chat_turns: int = 0
    # One agent turn at a time per session: a second /run_sse waits for the first to finish,
    # the way a single ADK runner per session would serialise them.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: A lever for tests: while set to an event, a scripted tool's work lasts until the event
    #: is set instead of ``work_seconds``, so "a turn is still working" is a fact, not a race.
    work_gate: asyncio.Event | None = None

    def canvas_config(self) -> dict[str, Any]:
        """The canvas the draft asks for (``m.width``/``m.height``), else 1920x1080."""
        meta = self.draft.get("m")
        width, height = (
            (meta.get("width"), meta.get("height")) if isinstance(meta, dict) else (0, 0)
        )
        if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
            width, height = DEFAULT_CANVAS
        common = math.gcd(width, height)
        return {"width": width, "height": height, "ratio": f"{width // common}:{height // common}"}

    def state(self) -> dict[str, Any]:
        """The §3.7 ``data`` object (a deep copy, so callers cannot alter the session)."""
        return {
            "session_id": self.session_id,
            "task_id": self.task_id,
            "task_name": self.task_name,
            "user_id": self.user_id,
            "state": copy.deepcopy(
                {
                    "video_infos": self.video_infos,
                    "draft": self.draft,
                    "canvas_config": self.canvas_config(),
                    "video_analyses": {},
                    "generated_media": self.generated_media,
                }
            ),
        }


@dataclass
class RenderJob:
    """One export (§3.8-3.11)."""

    render_id: str
    user_id: str
    session_id: str
    created_at_ms: int
    started: float  # time.monotonic() at submit
    planned_seconds: float = 0.0  # render_seconds when submitted; later changes do not apply
    status: RenderStatus = "pending"
    progress: int = 0  # kept for terminal states; "processing" progress is derived from time
    error: str | None = None
    completed_at_ms: int | None = None
    path: Path | None = None
    duration: float = 0.0
    size: int = 0
    #: The request's ``output`` object as sent (format, quality, resolution), if any.
    output: dict[str, Any] | None = None
    #: The random folder of the MP4 under ``/media/renders/``: render links are unguessable.
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    #: Progress is measured (the studio's ffmpeg) rather than derived from elapsed time.
    measured: bool = False

    @property
    def url_path(self) -> str:
        """Where the finished MP4 is served, relative to the server's base URL."""
        return f"/media/renders/{self.secret}/{self.render_id}.mp4"

    def finish(self, error: str | None = None, *, progress: int | None = None) -> None:
        """End the job: completed, or failed with ``error``; a final job never changes."""
        if self.status in ("completed", "failed"):
            return
        self.progress = 100 if error is None else (self.progress if progress is None else progress)
        self.status = "failed" if error else "completed"
        self.error = error
        self.completed_at_ms = int(time.time() * 1000)

    def fail(self, error: str) -> None:
        """End the job as failed with a short, safe reason."""
        self.finish(error)


class Store:
    """Every piece of server state, keyed the way the routes look it up."""

    def __init__(self, config: BackendConfig) -> None:
        self._config = config
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, TokenGrant] = {}
        self.sessions: dict[str, Session] = {}
        self.renders: dict[str, RenderJob] = {}
        self.claim_tokens: dict[str, tuple[str, float]] = {}  # token -> (session id, expiry)
        self._client_tokens: dict[str, str] = {}  # client id -> latest anonymous token
        self._client_users: dict[str, str] = {}  # client id -> its anonymous user id
        self._ip_issued: dict[str, list[float]] = {}  # client IP -> issue times

    # -- tokens ------------------------------------------------------------------------------

    def issue_anonymous(
        self, client_id: str, ip: str, now: float
    ) -> tuple[str, TokenGrant, Account]:
        """Issue a token for ``client_id``; raise :class:`RateLimitedError` inside the window."""
        ttl = self._config.token_ttl_seconds
        earlier = self._client_tokens.get(client_id)
        if earlier is not None and self.tokens[earlier].valid(now):
            raise RateLimitedError("one anonymous token per client id per 7 days")
        limit = self._config.ip_token_limit
        recent = [t for t in self._ip_issued.get(ip, []) if now - t < ttl]
        if limit and len(recent) >= limit:
            raise RateLimitedError("too many anonymous tokens from this address")
        token = "nmv_usr_" + secrets.token_urlsafe(32)
        # The studio's users are not anonymous NemoVideo accounts: nothing to register or bind.
        prefix = LOCAL_USER_PREFIX if self._config.studio else "anon_"
        user_id = self._client_users.setdefault(client_id, prefix + secrets.token_hex(8))
        grant = TokenGrant(user_id=user_id, expires_at=now + ttl, client_id=client_id)
        account = self.accounts.setdefault(
            user_id, Account(user_id=user_id, available=self._config.anonymous_credits)
        )
        self.tokens[token] = grant
        self._client_tokens[client_id] = token
        self._ip_issued[ip] = [*recent, now]
        return token, grant, account

    def authenticate(self, token: str, now: float) -> Account | None:
        """The account behind a Bearer token, or ``None`` if unknown or expired (→ 1001)."""
        grant = self.tokens.get(token)
        if grant is None:
            credits = self._config.static_tokens.get(token)
            if credits is None:
                return None
            # Operator tokens get a stable non-anonymous id derived from the token, never the
            # token itself, so the id can be shown and logged.
            user_id = "usr_" + hashlib.sha256(token.encode()).hexdigest()[:16]
            grant = TokenGrant(user_id=user_id, expires_at=None)
            self.tokens[token] = grant
            self.accounts.setdefault(user_id, Account(user_id=user_id, available=credits))
        if not grant.valid(now):
            return None
        return self.accounts[grant.user_id]

    def expire_tokens(self) -> None:
        """Expire every issued anonymous token and forget the per-client/IP rate windows.

        Client ids keep their anonymous users: renewing gives the same user a new token.
        """
        for grant in self.tokens.values():
            if grant.client_id is not None:
                grant.expired = True
        self._client_tokens.clear()
        self._ip_issued.clear()

    def set_credits(self, available: int) -> None:
        """Set every account's available credits; accounts created later start there too."""
        for account in self.accounts.values():
            account.available = available
        self._config.anonymous_credits = available

    # -- sessions ----------------------------------------------------------------------------

    def create_session(self, user_id: str, task_name: str, language: str | None) -> Session:
        """Create a task with its session (§3.2)."""
        while True:
            # 19 digits, never a leading zero, like the documented example 5529798706024415232.
            session_id = str(10**18 + secrets.randbelow(9 * 10**18))
            if session_id not in self.sessions:
                break
        session = Session(
            session_id=session_id,
            task_id="task_" + secrets.token_hex(8),
            task_name=task_name,
            language=language,
            user_id=user_id,
        )
        self.sessions[session_id] = session
        return session

    def session_for(self, user_id: str, session_id: str) -> Session | None:
        """The caller's live session, or ``None`` (unknown, dropped, or someone else's)."""
        session = self.sessions.get(session_id)
        if session is None or session.dropped or session.user_id != user_id:
            return None
        return session

    def issue_claim_token(self, session: Session, now: float) -> str:
        """A browser-link token for ``session`` (§3.3)."""
        token = "clm_" + secrets.token_urlsafe(24)
        self.claim_tokens[token] = (session.session_id, now + CLAIM_TOKEN_TTL_SECONDS)
        return token

    # -- renders -----------------------------------------------------------------------------

    def new_render(
        self,
        render_id: str,
        user_id: str,
        session_id: str,
        output: dict[str, Any] | None = None,
    ) -> RenderJob:
        """Register a render job under its client-chosen id (the caller checked uniqueness)."""
        job = RenderJob(
            render_id=render_id,
            user_id=user_id,
            session_id=session_id,
            output=output,
            created_at_ms=int(time.time() * 1000),
            started=time.monotonic(),
            planned_seconds=self._config.render_seconds,
        )
        self.renders[render_id] = job
        return job

    def render_for(self, user_id: str, render_id: str) -> RenderJob | None:
        """The caller's render job, or ``None`` (unknown or someone else's)."""
        job = self.renders.get(render_id)
        if job is None or job.user_id != user_id:
            return None
        return job

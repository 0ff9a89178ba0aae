"""Run-time knobs of the local backend, injected faults and the request record.

``BackendConfig`` is deliberately a plain mutable dataclass: tests flip fields while the server
runs (the handlers read the live object on every request), and the control API patches it
through :func:`patch_config`, which validates with pydantic before touching the live object.

The knobs cover the open questions of the contract (``nemo-api.md`` §12): the render-status
shape (§3.9), the heartbeat form and the SSE payload style (§4), and whether application error
codes travel with HTTP 200 or with a 4xx status (§2.3, §6).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from bot.core.media import DEFAULT_MAX_BYTES

RenderShape = Literal["A", "B", "both"]
HeartbeatForm = Literal["comment", "empty_data", "type"]
SseFormat = Literal["adk", "simple"]
ErrorHttpStatus = Literal["200", "4xx"]
SilentTurns = Literal["auto", "always", "never"]

#: Route names a :class:`Fault` can target; they are also the aiohttp route names.
ROUTES: frozenset[str] = frozenset(
    {
        "anonymous_token",
        "create_session",
        "claim_token",
        "run_sse",
        "upload",
        "credits",
        "state",
        "render_submit",
        "render_poll",
        "render_cancel",
        "render_download",
        # The rendered MP4s under /media (a static route): a failing video download.
        "media",
    }
)


@dataclass
class BackendConfig:
    """Behaviour switches; mutable so tests can change them while the server runs.

    By default the backend is the **local studio** (``studio``): chat turns are understood by
    :mod:`bot.studio.edits`, renders are real beat-synced videos of the whole track with their
    true progress, turns cost nothing. ``studio=False`` is the scripted test double: keyword
    edits, timed renders (``render_seconds``) of a short preview, silent turns and GUI phrases on
    a fixed rhythm. The wire switches (render shape, heartbeat form, SSE style, error statuses,
    faults, ``silent_turns``, ``chat_reply``) apply to both.
    """

    studio: bool = True
    #: Base URL people can open for render links (``https://videos.example.org``); ``None``:
    #: the address the client used. Render paths carry a random part either way.
    public_url: str | None = None
    render_shape: RenderShape = "A"
    heartbeat_form: HeartbeatForm = "comment"
    sse_format: SseFormat = "adk"
    error_http_status: ErrorHttpStatus = "200"
    render_seconds: float = 3.0
    render_failures: int = 0
    #: Encode a real MP4 with ffmpeg for each render. Off, a render only keeps its timing and
    #: serves a tiny placeholder file: for load tests of thousands of renders (ffmpeg per render
    #: would measure ffmpeg). Read when a render is submitted.
    render_media: bool = True
    heartbeat_interval: float = 5.0
    event_delay: float = 0.02
    work_seconds: float = 0.3
    #: ``auto``: every third edit turn ends without text (the contract's "~30 %"). The studio
    #: default is ``never``; the test fixtures ask for ``auto``.
    silent_turns: SilentTurns = "never"
    #: The text of every chat turn's reply (streamed like any other), instead of the built-in
    #: one; for long replies, code blocks and the like. ``None``: the built-in reply.
    chat_reply: str | None = None
    #: The §3.7 ``video_analyses`` every state read sends (a shape the contract leaves open),
    #: instead of the studio's; ``None``: the studio's analysis of the music, once known.
    video_analyses: dict[str, Any] | None = None
    anonymous_credits: int = 100
    #: Credits a chat turn costs; the studio is free (0), the double charges like NemoVideo.
    turn_cost: int = 0
    token_ttl_seconds: float = 7 * 24 * 3600
    #: The contract's upload cap, the same figure the bot refuses files over.
    max_upload_bytes: int = DEFAULT_MAX_BYTES
    #: Operator tokens (``NEMO_TOKEN`` style) accepted besides issued ones, each mapped to the
    #: credits its account starts with. They never expire and ``expire_tokens`` spares them.
    static_tokens: dict[str, int] = field(default_factory=dict)
    #: Anonymous tokens one client IP may obtain per token window (§3.1 says 10 per 7 days);
    #: 0 switches the per-IP limit off, the default, because every test client is 127.0.0.1.
    ip_token_limit: int = 0


@dataclass
class Fault:
    """A failure injected into the next ``times`` requests of one route.

    ``http_status`` wins over ``code``: the body is then an error envelope carrying ``code``
    (or the status itself). ``drop_after_events`` aborts the TCP connection: on ``run_sse`` after
    that many agent events (heartbeats are not counted, so the cut is deterministic), on
    ``upload`` after that many body pieces (as the network delivered them) were stored, and on
    every other route before any answer. ``in_band_error`` applies to ``run_sse`` only.
    ``raw_body`` (after ``http_status`` and ``code``, which win) answers HTTP 200 with exactly
    these pieces, written one by one, instead of the route's own answer: an event stream on
    ``run_sse`` (the connection then closes, nothing runs server-side), JSON on other routes
    (a render status no real server would send, for fuzzing the client's readers).
    ``retry_after`` adds a ``Retry-After`` header (seconds) to the ``http_status`` answer.
    """

    route: str
    code: int | None = None
    http_status: int | None = None
    delay: float = 0.0
    drop_after_events: int | None = None
    in_band_error: str | None = None
    raw_body: list[bytes] | None = None
    retry_after: float | None = None
    times: int = 1

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; expected one of {sorted(ROUTES)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.http_status is not None and not 100 <= self.http_status <= 599:
            raise ValueError("http_status must be an HTTP status code")
        if self.drop_after_events is not None and self.drop_after_events < 0:
            raise ValueError("drop_after_events must not be negative")
        if self.delay < 0:
            raise ValueError("delay must not be negative")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it reached the server (control routes are not recorded)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass(frozen=True)
class HandledRequest:
    """When the server was busy with one request: from arrival until its handler returned.

    For ``/run_sse`` that is the whole stream, for an upload the body stored and probed. Times
    are wall-clock epoch seconds (``time.time()``), so another process can line them up with its
    own clock (a benchmark with the Discord emulator's timestamps). A file the handler returns
    (``/media``, the download) is still being sent at ``finished_at``. ``route`` is the route
    name (``None`` for an unknown path); ``status`` is ``None`` when the handler raised.
    """

    route: str | None
    method: str
    path: str
    status: int | None
    received_at: float
    finished_at: float


class ConfigError(ValueError):
    """A control-API patch or fault that does not fit the dataclass."""


_CONFIG_ADAPTER: TypeAdapter[BackendConfig] = TypeAdapter(BackendConfig)
_FAULT_ADAPTER: TypeAdapter[Fault] = TypeAdapter(Fault)
_CONFIG_FIELDS = frozenset(f.name for f in fields(BackendConfig))


def patch_config(config: BackendConfig, patch: dict[str, Any]) -> None:
    """Validate ``patch`` against :class:`BackendConfig` and apply it to the live object.

    All or nothing: an unknown field or a bad value raises :class:`ConfigError` and changes
    nothing, so a typo in a test never leaves the server half-configured.
    """
    unknown = sorted(set(patch) - _CONFIG_FIELDS)
    if unknown:
        raise ConfigError(f"unknown config fields: {', '.join(unknown)}")
    try:
        validated = _CONFIG_ADAPTER.validate_python({**asdict(config), **patch}, strict=False)
    except ValidationError as exc:
        raise ConfigError(_summary(exc)) from exc
    for name in patch:
        setattr(config, name, getattr(validated, name))


def fault_from_json(data: Any) -> Fault:
    """Build a :class:`Fault` from a control-API body, raising :class:`ConfigError` if invalid."""
    if not isinstance(data, dict):
        raise ConfigError("a fault must be a JSON object")
    unknown = sorted(set(data) - {f.name for f in fields(Fault)})
    if unknown:
        raise ConfigError(f"unknown fault fields: {', '.join(unknown)}")
    try:
        return _FAULT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ConfigError(_summary(exc)) from exc


def config_to_json(config: BackendConfig) -> dict[str, Any]:
    """The config as a JSON object, with static token values hidden (they are secrets)."""
    data = asdict(config)
    data["static_tokens"] = {
        f"[redacted {i}]": n for i, n in enumerate(config.static_tokens.values(), start=1)
    }
    return data


def fault_to_json(fault: Fault) -> dict[str, Any]:
    """A fault as a JSON object; ``raw_body`` pieces as text (undecodable bytes replaced)."""
    data = asdict(fault)
    if fault.raw_body is not None:
        data["raw_body"] = [piece.decode("utf-8", "replace") for piece in fault.raw_body]
    return data


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors()
    )

"""NemoClient against the local backend over real sockets: every endpoint and error path."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.backend import NemoClient, RetryPolicy
from bot.backend import errors as e
from bot.core import errors as domain
from bot.core.backend_results import (
    AgentFailure,
    AgentHeartbeat,
    AgentText,
    AgentToolCall,
    MusicAnalysis,
    RenderStage,
    UploadSource,
    file_source,
)
from bot.local_backend import Fault, LocalBackend
from tests.backend.media import is_mp4, write_tone
from tests.plugins.local_backend import ATTRIBUTION

pytestmark = pytest.mark.timeout(60)

ERROR_TRANSPORTS = ["200", "4xx"]


async def collect(nemo: NemoClient, session_id: str, text: str) -> list[object]:
    async with nemo.chat(session_id, text) as events:
        return [event async for event in events]


def text_of(events: list[object]) -> str:
    return "".join(event.text for event in events if isinstance(event, AgentText))


async def wait_for_render(nemo: NemoClient, render_id: str) -> object:
    """Poll until the render finishes; bounded by the test timeout, paced by the backend."""
    while True:
        status = await nemo.render_status(render_id)
        if status.stage.finished:
            return status
        await asyncio.sleep(0.05)  # a poll interval, not a wait for an event we could await


def anonymous_calls(backend: LocalBackend) -> int:
    return sum(1 for r in backend.requests if r.path == "/api/auth/anonymous-token")


# -- every endpoint -------------------------------------------------------------------------


async def test_full_flow_every_endpoint(nemo, local_backend, http_client, tmp_path):
    """Session, upload, chat, credits, state, claim link, render, poll: all work; the URL serves."""
    session = await nemo.create_session(language="en")
    assert session.session_id.isdigit() and session.task_id

    uploaded = await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "beat.wav")))
    assert [f.file_type for f in uploaded] == ["audio"]

    events = await collect(nemo, session.session_id, "hello, what can you do?")
    assert text_of(events)

    credits = await nemo.credits()
    assert credits.total == credits.available + credits.frozen
    assert credits.available < 100  # the turn consumed credits

    state = await nemo.state(session.session_id)
    assert any(track.get("tt") == 1 for track in state.draft.get("t", []))

    link = nemo.project_link(await nemo.claim_token(session.task_id, session.session_id))
    assert link.startswith("https://nemovideo.example/workspace/claim?ct=clm_")

    render_id = nemo.new_render_id()
    submitted = await nemo.submit_render(render_id, session.session_id, state.draft)
    assert submitted.stage in (RenderStage.PENDING, RenderStage.PROCESSING)
    done = await wait_for_render(nemo, render_id)
    assert done.stage is RenderStage.COMPLETED and done.output_url

    # The bot fetches the finished file from the status's URL (the notifier attaches it).
    video = await http_client.get(done.output_url)
    assert video.status_code == 200 and is_mp4(video.content[:12])


async def test_url_upload_lets_the_backend_fetch(nemo, local_backend, tmp_path):
    """The URL form hands the backend a link instead of bytes (used for Discord CDN files)."""
    session = await nemo.create_session()
    first = await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    assert first[0].cdn_url
    again = await nemo.upload_urls(session.session_id, [first[0].cdn_url])
    assert again and again[0].file_type == "audio"


async def test_cancel_render(nemo, local_backend, tmp_path):
    """A cancelled render ends and is reported as finished, not completed."""
    local_backend.config.render_seconds = 30
    session = await nemo.create_session()
    await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    draft = (await nemo.state(session.session_id)).draft
    render_id = nemo.new_render_id()
    await nemo.submit_render(render_id, session.session_id, draft)
    await nemo.cancel_render(render_id)
    status = await nemo.render_status(render_id)
    assert status.stage.finished and status.stage is not RenderStage.COMPLETED


async def test_every_request_carries_attribution_and_auth(nemo, local_backend, tmp_path):
    """§2.1: the three X-Skill-* headers on every call; Bearer everywhere but the token call."""
    session = await nemo.create_session()
    await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    await collect(nemo, session.session_id, "hi")
    await nemo.credits()
    draft = (await nemo.state(session.session_id)).draft
    await nemo.submit_render(nemo.new_render_id(), session.session_id, draft)
    assert len(local_backend.requests) >= 6
    for request in local_backend.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["x-skill-source"] == ATTRIBUTION.source
        assert headers["x-skill-version"] == ATTRIBUTION.version
        assert headers["x-skill-platform"] == ATTRIBUTION.platform
        if request.path == "/api/auth/anonymous-token":
            assert headers.get("x-client-id") and "authorization" not in headers
        else:
            assert headers["authorization"].startswith("Bearer nmv_")


# -- render shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["A", "B", "both"])
async def test_both_render_shapes_complete(nemo, local_backend, tmp_path, shape):
    """Whichever documented status shape the backend uses, the client finds status and URL."""
    local_backend.config.render_shape = shape
    session = await nemo.create_session()
    await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    draft = (await nemo.state(session.session_id)).draft
    render_id = nemo.new_render_id()
    await nemo.submit_render(render_id, session.session_id, draft)
    done = await wait_for_render(nemo, render_id)
    assert done.stage is RenderStage.COMPLETED
    assert done.output_url and done.output_url.endswith(".mp4")


async def test_failed_render_reports_failure(nemo, local_backend, tmp_path):
    """A failed render is reported with its error so the caller can retry with a new id."""
    local_backend.config.render_failures = 1
    session = await nemo.create_session()
    await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    draft = (await nemo.state(session.session_id)).draft
    render_id = nemo.new_render_id()
    await nemo.submit_render(render_id, session.session_id, draft)
    done = await wait_for_render(nemo, render_id)
    assert done.stage is RenderStage.FAILED


async def test_duplicate_render_id_is_rejected(nemo, local_backend, tmp_path):
    """Render ids are client-chosen and unique (§3.8)."""
    session = await nemo.create_session()
    await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    draft = (await nemo.state(session.session_id)).draft
    render_id = nemo.new_render_id()
    await nemo.submit_render(render_id, session.session_id, draft)
    with pytest.raises(e.RenderRejectedError):
        await nemo.submit_render(render_id, session.session_id, draft)


async def test_a_status_body_nested_too_deep_to_parse_is_a_protocol_error(nemo, local_backend):
    """JSON nested thousands of levels deep (found by the fuzz) is a typed error, no crash."""
    deep = b'{"status": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    local_backend.inject(Fault(route="render_poll", raw_body=[deep]))
    with pytest.raises(e.ProtocolError):
        await nemo.render_status("r1")


async def test_unknown_render_is_not_found(nemo, local_backend):
    """Polling an id the backend never saw is a typed error, not a crash."""
    await nemo.create_session()
    with pytest.raises(e.RenderNotFoundError):
        await nemo.render_status("render_unknown")


# -- SSE ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["comment", "empty_data", "type"])
async def test_no_heartbeat_form_shows_as_text(nemo, local_backend, form):
    """Each documented heartbeat form is harmless: the reply arrives and no keep-alive is text.

    Data heartbeats reach the caller as heartbeats; SSE comments are dropped by httpx-sse
    (no consumer needs them: any bytes reset the read timeout).
    """
    local_backend.config.heartbeat_form = form
    local_backend.config.silent_turns = "never"
    session = await nemo.create_session()
    events = await collect(nemo, session.session_id, "add the title Urban Dreams")
    assert text_of(events).startswith("Done!")
    assert "keep-alive" not in text_of(events)
    heartbeats = any(isinstance(event, AgentHeartbeat) for event in events)
    assert heartbeats is (form != "comment")


async def test_the_turn_ceiling_holds_while_only_comments_arrive(make_nemo_client, local_backend):
    """A turn kept alive by comment heartbeats alone still ends at the ceiling, never re-sent."""
    nemo = make_nemo_client(retry=RetryPolicy(chat_ceiling=0.3))
    local_backend.config.heartbeat_form = "comment"
    session = await nemo.create_session()
    work = local_backend.hold_work(session.session_id)
    try:
        with pytest.raises(e.StreamInterruptedError, match="15 minutes"):
            await collect(nemo, session.session_id, "add the title Urban Dreams")
    finally:
        work.set()
    assert local_backend.turns_received(session.session_id) == 1


async def test_a_two_megabyte_event_in_a_thousand_pieces_is_one_text(nemo, local_backend):
    """httpx-sse joins a long line linearly (a rescanning decoder once took minutes here)."""
    text = "b" * 2_000_000
    event = ("data: " + json.dumps({"content": {"parts": [{"text": text}]}}) + "\n\n").encode()
    step = len(event) // 1024 + 1
    pieces = [event[at : at + step] for at in range(0, len(event), step)]
    session = await nemo.create_session()
    local_backend.inject(Fault(route="run_sse", raw_body=pieces))
    assert text_of(await collect(nemo, session.session_id, "hello")) == text


@pytest.mark.parametrize("sse_format", ["adk", "simple"])
async def test_text_arrives_once_in_both_formats(nemo, local_backend, sse_format):
    """ADK partial chunks plus the final aggregate must not double the text."""
    local_backend.config.sse_format = sse_format
    session = await nemo.create_session()
    events = await collect(nemo, session.session_id, "tell me about lo-fi visuals")
    text = text_of(events)
    assert text
    half = len(text) // 2
    assert text[:half] != text[half:]  # not the same text twice
    assert sum(isinstance(event, AgentText) for event in events) >= 2  # streamed in pieces


async def test_silent_turn_changes_state_without_text(nemo, local_backend):
    """~30 % of edit turns end with tool calls only; the draft shows the change (§4)."""
    local_backend.config.silent_turns = "always"
    session = await nemo.create_session()
    before = (await nemo.state(session.session_id)).draft
    events = await collect(nemo, session.session_id, "add the title Urban Dreams")
    assert text_of(events) == ""
    assert any(isinstance(event, AgentToolCall) for event in events)
    assert (await nemo.state(session.session_id)).draft != before


async def test_dropped_stream_is_reported_and_not_resent(nemo, local_backend):
    """A stream cut mid-turn raises StreamInterruptedError and the message is sent once."""
    session = await nemo.create_session()
    local_backend.inject(Fault(route="run_sse", drop_after_events=1))
    with pytest.raises(e.StreamInterruptedError):
        await collect(nemo, session.session_id, "tell me a long story about beats")
    assert local_backend.turns_received(session.session_id) == 1


async def test_a_last_event_ended_by_a_lone_cr_is_not_lost(nemo, local_backend):
    """CR alone ends a line (WHATWG): a stream whose last blank line is one CR keeps its event."""
    session = await nemo.create_session()
    last = b'data: {"content": {"parts": [{"text": "the end"}]}}\r\r'
    local_backend.inject(Fault(route="run_sse", raw_body=[last]))
    assert text_of(await collect(nemo, session.session_id, "hello")) == "the end"


async def test_in_band_error_is_a_failure_event(nemo, local_backend):
    """``data: {"error": …}`` ends the turn as a failure the front end can explain."""
    session = await nemo.create_session()
    local_backend.inject(Fault(route="run_sse", in_band_error="model overloaded"))
    events = await collect(nemo, session.session_id, "hello")
    assert AgentFailure("model overloaded") in events


# -- error codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_expired_token_is_renewed_once(nemo, local_backend, transport):
    """1001: get a new anonymous token with the same client id and repeat the call once."""
    local_backend.config.error_http_status = transport
    await nemo.credits()
    local_backend.expire_tokens()
    await nemo.credits()
    assert anonymous_calls(local_backend) == 2
    client_ids = {
        r.headers.get("X-Client-Id")
        for r in local_backend.requests
        if r.path.endswith("anonymous-token")
    }
    assert len(client_ids) == 1


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_persistent_auth_failure_gives_up(nemo, local_backend, transport):
    """A second 1001 after renewing is final: AuthError, no loop."""
    local_backend.config.error_http_status = transport
    await nemo.credits()
    local_backend.expire_tokens()  # so the renewal itself is allowed by the backend
    local_backend.inject(Fault(route="credits", code=1001, times=5))
    with pytest.raises(e.AuthError):
        await nemo.credits()
    assert sum(1 for r in local_backend.requests if r.path.endswith("/simple")) == 3
    assert anonymous_calls(local_backend) == 2


async def test_http_401_is_treated_as_auth_failure(nemo, local_backend):
    """The CLI treats 401 as an auth failure (§6); so do we: renew once, then succeed."""
    await nemo.credits()
    local_backend.expire_tokens()
    local_backend.inject(Fault(route="credits", http_status=401))
    await nemo.credits()
    assert anonymous_calls(local_backend) == 2


async def test_static_token_rejection_is_not_renewed(make_nemo_client, local_backend):
    """An operator's NEMO_TOKEN is never swapped for an anonymous one."""
    nemo = make_nemo_client(static_token="nmv_usr_operator-token-not-issued")
    with pytest.raises(e.AuthError):
        await nemo.credits()
    assert anonymous_calls(local_backend) == 0


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_session_gone(nemo, local_backend, transport):
    """1002 surfaces as SessionNotFoundError so the use case can start a new session."""
    local_backend.config.error_http_status = transport
    session = await nemo.create_session()
    local_backend.drop_session(session.session_id)
    with pytest.raises(e.SessionNotFoundError):
        await nemo.state(session.session_id)
    with pytest.raises(e.SessionNotFoundError):
        await collect(nemo, session.session_id, "hi")


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_out_of_credits(nemo, local_backend, transport):
    """2001 before the stream: InsufficientCreditsError, and the message was not processed."""
    local_backend.config.error_http_status = transport
    session = await nemo.create_session()
    local_backend.set_credits(0)
    with pytest.raises(e.InsufficientCreditsError):
        await collect(nemo, session.session_id, "sync visuals to the beat")


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_unsupported_type(nemo, local_backend, tmp_path, transport):
    """4001 for a file type outside the contract's list."""
    local_backend.config.error_http_status = transport
    session = await nemo.create_session()
    notes = tmp_path / "notes.txt"
    notes.write_text("not media")
    with pytest.raises(e.UnsupportedFileTypeError):
        await nemo.upload(session.session_id, file_source(notes))


@pytest.mark.parametrize("transport", ERROR_TRANSPORTS)
async def test_oversize_upload_refused_by_backend(nemo, local_backend, tmp_path, transport):
    """4002 from the backend while it streams the body."""
    local_backend.config.error_http_status = transport
    local_backend.config.max_upload_bytes = 64 * 1024
    session = await nemo.create_session()
    big = tmp_path / "big.wav"
    write_tone(big, seconds=10)
    with pytest.raises(e.FileTooLargeError):
        await nemo.upload(session.session_id, file_source(big))


async def test_oversize_upload_stopped_by_client(make_nemo_client, local_backend, tmp_path):
    """A stream longer than the cap is cut by the client itself, without buffering it."""
    nemo = make_nemo_client(max_upload_bytes=100_000)
    session = await nemo.create_session()

    async def endless():
        for _ in range(1000):
            yield b"\0" * 65536

    source = UploadSource(filename="stream.wav", open=endless, size=None)
    with pytest.raises(e.FileTooLargeError):
        await nemo.upload(session.session_id, source)


async def test_402_on_export(nemo, local_backend, tmp_path):
    """402 (free plan / attribution missing) is its own error, not a credits problem."""
    session = await nemo.create_session()
    local_backend.inject(Fault(route="render_submit", http_status=402))
    with pytest.raises(e.ExportNotAllowedError):
        await nemo.submit_render(nemo.new_render_id(), session.session_id, {"t": []})


async def test_403_is_not_retried(nemo, local_backend):
    """403 (scope) cannot be fixed by retrying."""
    await nemo.credits()
    local_backend.inject(Fault(route="credits", http_status=403))
    with pytest.raises(e.ForbiddenError):
        await nemo.credits()
    assert sum(1 for r in local_backend.requests if r.path.endswith("/simple")) == 2


def credit_calls(backend: LocalBackend) -> int:
    return sum(1 for r in backend.requests if r.path.endswith("/simple"))


async def test_429_waits_and_retries_once(nemo, local_backend):
    """429: wait, then one retry that succeeds; a second 429 is final and carries its wait."""
    await nemo.credits()
    local_backend.inject(Fault(route="credits", http_status=429))
    await nemo.credits()
    assert credit_calls(local_backend) == 3
    local_backend.inject(Fault(route="credits", http_status=429, retry_after=0.02, times=2))
    with pytest.raises(e.RateLimitedError) as raised:
        await nemo.credits()
    assert credit_calls(local_backend) == 5
    assert raised.value.retry_after == 0.02


@pytest.mark.parametrize(("header", "wait"), [(7.5, 7.5), (None, 30.0)])  # 30 s: §6
async def test_429_on_a_render_poll_is_returned_at_once(
    make_nemo_client, local_backend, header, wait
):
    """The poller reschedules a rate-limited poll itself: no wait, no retry, but the wait told."""
    nemo = make_nemo_client(retry=RetryPolicy())  # the contract's waits, not the tests' short ones
    await nemo.credits()  # the token first, so only the poll is timed
    local_backend.inject(Fault(route="render_poll", http_status=429, retry_after=header))
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(domain.RateLimitError) as raised:
        await nemo.render_status("render_busy")
    assert loop.time() - started < 5.0  # far below any wait a retry would have honoured
    assert raised.value.retry_after == wait
    polls = [r for r in local_backend.requests if r.path == "/api/render/proxy/lambda/render_busy"]
    assert len(polls) == 1


async def test_429_on_anonymous_token(nemo, local_backend):
    """The documented 429 case: token issuance is rate limited; one retry after the wait."""
    local_backend.inject(Fault(route="anonymous_token", http_status=429))
    await nemo.credits()
    assert anonymous_calls(local_backend) == 2


async def test_400_on_anonymous_token_makes_a_new_client_id(nemo, local_backend, identity_store):
    """400 (client id missing/refused): create a new id, persist it, retry."""
    local_backend.inject(Fault(route="anonymous_token", http_status=400))
    await nemo.credits()
    ids = [
        r.headers.get("X-Client-Id")
        for r in local_backend.requests
        if r.path.endswith("anonymous-token")
    ]
    assert len(ids) == 2 and ids[0] != ids[1]
    stored = await identity_store.load_identity()
    assert stored is not None and stored.client_id == ids[1]


async def test_server_errors_are_retried_for_reads_only(nemo, local_backend, tmp_path):
    """5xx: idempotent reads retry with back-off; an upload is not repeated blindly."""
    session = await nemo.create_session()
    local_backend.inject(Fault(route="state", http_status=503, times=2))
    await nemo.state(session.session_id)
    local_backend.inject(Fault(route="upload", http_status=500))
    with pytest.raises(e.ServerError):
        await nemo.upload(session.session_id, file_source(write_tone(tmp_path / "a.wav")))
    assert sum(1 for r in local_backend.requests if "/upload-video/" in r.path) == 1


async def test_5xx_before_chat_stream_is_not_resent(nemo, local_backend):
    """A chat message is never repeated, even when the failure came before the stream."""
    session = await nemo.create_session()
    local_backend.inject(Fault(route="run_sse", http_status=502))
    with pytest.raises(e.ServerError):
        await collect(nemo, session.session_id, "hi")
    assert local_backend.turns_received(session.session_id) <= 1
    assert sum(1 for r in local_backend.requests if r.path == "/run_sse") == 1


async def test_network_fault_is_typed(make_nemo_client, local_backend):
    """A closed port is BackendUnavailableError after bounded retries, not an httpx error."""
    nemo = make_nemo_client(retry=RetryPolicy(transient_attempts=2, transient_wait_initial=0.01))
    await nemo.credits()
    await local_backend.stop()
    with pytest.raises(e.BackendUnavailableError):
        await nemo.credits()


# -- identity persistence and secrecy -------------------------------------------------------


async def test_restart_reuses_client_id_and_token(make_nemo_client, local_backend, identity_store):
    """A new client over the same store (a restart) reuses the token: no second issuance."""
    await make_nemo_client().credits()
    await make_nemo_client().credits()
    assert anonymous_calls(local_backend) == 1


async def test_no_token_in_logs_or_errors(nemo, local_backend, identity_store, caplog, tmp_path):
    """Tokens never appear in log lines or exception text, even on failure paths."""
    caplog.set_level(logging.DEBUG)
    session = await nemo.create_session()
    local_backend.expire_tokens()
    await nemo.credits()
    local_backend.expire_tokens()
    local_backend.inject(Fault(route="credits", code=1001, times=5))
    with pytest.raises(e.AuthError) as raised:
        await nemo.credits()
    claim = await nemo.claim_token(session.task_id, session.session_id)
    logging.getLogger("test").info("link %s", nemo.project_link(claim))
    identity = await identity_store.load_identity()
    assert identity is not None and identity.token
    for secret in (identity.token, claim):
        assert secret not in caplog.text
        assert secret not in str(raised.value) and secret not in repr(raised.value)
    assert "nmv_usr_" not in caplog.text
    assert identity.token not in repr(identity)


# -- the music's analysis in state (§3.7 video_analyses, open shape) -----------------------

MUSIC = {
    "tempo_bpm": 120.0,
    "duration_s": 16.0,
    "beats_s": [0.5, 1.0, 1.5, 2.0],
    "downbeats_s": [0.5, 2.5],
    "energy": [0.1, 0.9],
    "energy_hop_s": 0.5,
}


async def test_state_carries_the_music_analysis_when_the_backend_sends_one(
    nemo, local_backend, tmp_path
):
    """The studio's ``video_analyses.music`` becomes :class:`MusicAnalysis`, numbers intact."""
    local_backend.config.video_analyses = {"music": MUSIC, "clip-1": {"labels": ["city"]}}
    session = await nemo.create_session()
    music = (await nemo.state(session.session_id)).music
    assert music == MusicAnalysis(
        tempo_bpm=120.0,
        duration_s=16.0,
        beats_s=(0.5, 1.0, 1.5, 2.0),
        downbeats_s=(0.5, 2.5),
        energy=(0.1, 0.9),
        energy_hop_s=0.5,
    )


@pytest.mark.parametrize(
    "analyses",
    [
        {},
        {"clip-1": {"summary": "a city at night"}},
        {"music": "120 bpm"},
        {"music": {**MUSIC, "beats_s": "0.5,1.0"}},
        {"music": {**MUSIC, "tempo_bpm": -3}},
        {"music": {key: value for key, value in MUSIC.items() if key != "duration_s"}},
    ],
    ids=["empty", "video-only", "text", "beats-as-text", "negative-tempo", "no-length"],
)
async def test_state_without_a_music_analysis_we_know_has_none(
    nemo, local_backend, tmp_path, analyses
):
    """NemoVideo's analyses (or any shape we do not know) give no grid, and no error."""
    local_backend.config.video_analyses = analyses
    session = await nemo.create_session()
    state = await nemo.state(session.session_id)
    assert state.music is None
    assert isinstance(state.draft, dict)

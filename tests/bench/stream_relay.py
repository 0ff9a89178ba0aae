"""Stream relay: the delay from an SSE text event to the Discord edit carrying it.

The bot runs as its own process (``python -m bot run``) against the Discord emulator and the
local backend, which run in this process; the backend streams each chat reply in chunks of
four words, ``EVENT_DELAY`` apart. ``THREADS`` track threads chat at once, ``TURNS`` turns
each. For every text chunk the backend sends, the delay is the time until a version of the
bot's reply message (its creation or an edit, on the emulator's clock) first contains it.

Two figures, because the core shows text a sentence at a time (``core.gui.ReplyFilter`` must
see a whole sentence to translate GUI phrases), then the streamer paces edits to about one a
second per message:

* every chunk: sentence holding plus edit pacing, what a reader experiences;
* sentence-ending chunks: the moment the core releases text, so pacing and transport only
  (target ≤ 1 s + 50 ms).

Also printed: edits per reply message, and any 429 the emulator sent.

    .venv/bin/python tests/bench/stream_relay.py [THREADS] [TURNS]
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

# Run as a script from anywhere: the stage lives in the test tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401 - imported once, under the filter

from bot.core.gui import strip_trailing_noise, translate_gui
from bot.local_backend import agent
from tests.discord_app.stage import Stage, bot_process, mp3_bytes, open_stage
from tests.plugins.local_backend import fast_backend_config

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
TURNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
EVENT_DELAY = 0.15
_SENTENCE_END = re.compile(r"[.!?]\s*$")

#: session id → [(wall time, delta)] of every partial text chunk the backend streamed.
emitted: dict[str, list[tuple[float, str]]] = defaultdict(list)


def record_chunks() -> None:
    """Wrap the local agent so every streamed text chunk is timestamped as it is sent."""
    original = agent.run_turn

    async def run_turn(session: Any, text: str, config: Any, emit: Any, **kw: Any) -> bool:
        def tap(event: agent.AgentEvent) -> None:
            if isinstance(event, agent.TextChunk) and event.partial:
                emitted[session.session_id].append((time.time(), event.text))
            emit(event)

        return await original(session, text, config, tap, **kw)

    agent.run_turn = run_turn  # type: ignore[assignment]


def norm(text: str) -> str:
    return " ".join(text.split())


def chat_reply(turn: int) -> str:
    """The local agent's chat reply for a session's ``turn``-th chat turn (1-based)."""
    reply = (
        "Happy to help with your music video! I can sync the visuals to the beat, add a title, "
        "change the music volume, trim the length or add colour effects. "
        "Tell me what you would like"
    )
    return reply + (
        ", or open the Effects panel and drag a style onto your clips." if turn % 2 else "."
    )


def versions(stage: Stage, message: Any) -> list[tuple[float, str]]:
    """Every content the message had, with when it got it (creation, then each edit)."""
    created = next(
        g.data["content"]
        for g in stage.emulator.recorder.dispatched("MESSAGE_CREATE")
        if g.data["id"] == str(message.id)
    )
    return [(message.created_at, created), *((e.at, e.content) for e in message.edits)]


async def converse(stage: Stage, index: int, results: dict[str, list[float]]) -> None:
    name = f"Track {index}.mp3"
    posted = await stage.mia.post(stage.tracks, "", files=[(name, mp3_bytes())])
    thread = await stage.emulator.wait_for_thread(
        stage.tracks, lambda t: t.id == posted.id, timeout=60
    )
    await stage.ready_in(thread)
    session = next(
        s.session_id for s in stage.backend.sessions.values() if s.media[0].filename == name
    )
    seen: set[int] = set()
    for turn in range(1, TURNS + 1):
        start = len(emitted[session])
        await stage.mia.post(thread, "what can you do for my video?")
        reply = await stage.emulator.wait_for_message(
            thread,
            lambda m: m.id not in seen and m.content.startswith("Happy to help"),
            timeout=60,
        )
        seen.add(reply.id)
        final = norm(strip_trailing_noise(translate_gui(chat_reply(turn))))
        await stage.emulator.wait_until(lambda r=reply, f=final: norm(r.content) == f, timeout=60)
        shown = versions(stage, reply)
        results["edits"].append(len(reply.edits))
        cumulative = ""
        for at, delta in emitted[session][start:]:
            cumulative += delta
            wanted = norm(cumulative)
            if not final.startswith(wanted):
                continue  # GUI text, shown translated: no exact match to time
            carried = next(t for t, content in shown if norm(content).startswith(wanted))
            delay = max(0.0, carried - at) * 1000
            results["all"].append(delay)
            if _SENTENCE_END.search(cumulative):
                results["sentence"].append(delay)


def summary(label: str, values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label}: n={len(values)} p50 {statistics.median(values):.0f} ms, "
        f"p95 {p95:.0f} ms, max {max(values):.0f} ms"
    )


async def main() -> None:
    record_chunks()
    config = fast_backend_config()
    config.event_delay = EVENT_DELAY
    config.anonymous_credits = 1_000_000  # every turn costs credits
    results: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-relay-") as scratch:
        async with open_stage(Path(scratch), config) as stage, bot_process(stage):
            await asyncio.gather(*(converse(stage, n, results) for n in range(THREADS)))
            hits = len(stage.emulator.recorder.rate_limit_hits)
    print(f"{THREADS} threads x {TURNS} chat turns, chunks {EVENT_DELAY * 1000:.0f} ms apart")
    summary("SSE chunk → Discord, every chunk", results["all"])
    summary("SSE chunk → Discord, sentence-ending chunks (target ≤ 1050 ms)", results["sentence"])
    edits = results["edits"]
    print(f"edits per reply message: mean {statistics.mean(edits):.1f}, max {max(edits):.0f}")
    print(f"429s seen by the emulator: {hits}")


if __name__ == "__main__":
    asyncio.run(main())

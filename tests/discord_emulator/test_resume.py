"""Gateway resilience: forced disconnects resume with replay; invalid sessions re-identify."""

from __future__ import annotations

from collections import Counter

from .clients import RecordingClient


async def test_forced_disconnect_resumes_without_lost_or_duplicated_events(world, connect):
    """Events sent while the socket is down are replayed on RESUME exactly once, in order."""
    client = await connect(RecordingClient())
    emu = world.emulator
    before = await world.mia.post(world.channel, "before")
    await client.wait_seen("message", lambda m: m.id == before.id)
    assert await emu.drop_gateway() == 1
    during = [await world.mia.post(world.channel, f"during {i}") for i in range(3)]
    await client.wait_seen("resumed")
    after = await world.mia.post(world.channel, "after")
    await client.wait_seen("message", lambda m: m.id == after.id)
    ids = [m.id for m in client.seen["message"]]
    assert ids == [before.id, *(m.id for m in during), after.id]
    assert Counter(ids).most_common(1)[0][1] == 1
    first, second = emu.recorder.connections
    assert first.dropped
    assert second.resumed and second.path == "/gateway-resume"
    assert second.session_id == first.session_id
    replayed = [g for g in emu.recorder.gateway if g.replay]
    assert [g.data["content"] for g in replayed] == ["during 0", "during 1", "during 2"]
    assert len(emu.recorder.dispatched("READY")) == 1


async def test_close_code_4000_resumes(world, connect):
    """A 4000 close is resumable: the client resumes and keeps receiving."""
    client = await connect(RecordingClient())
    await world.emulator.drop_gateway(code=4000)
    await client.wait_seen("resumed")
    posted = await world.mia.post(world.channel, "still here")
    await client.wait_seen("message", lambda m: m.id == posted.id)


async def test_reconnect_opcode_resumes(world, connect):
    """Op 7 RECONNECT makes the client reconnect and resume."""
    client = await connect(RecordingClient())
    await world.emulator.request_reconnect()
    await client.wait_seen("resumed")
    assert world.emulator.recorder.connections[-1].resumed


class ImpatientClient(RecordingClient):
    """discord.py sleeps 5 s before every non-initial IDENTIFY; its documented hook skips it."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def test_invalid_session_makes_client_identify_again(world, connect):
    """Op 9 with d=false invalidates the session: the client identifies and gets READY again."""
    client = await connect(ImpatientClient())
    emu = world.emulator
    await emu.invalidate_sessions()
    await emu.wait_until(lambda: len(emu.recorder.dispatched("READY")) == 2)
    await client.wait_seen("ready", lambda _: len(client.seen["ready"]) == 2)
    sessions = {c.session_id for c in emu.recorder.connections}
    assert len(sessions) == 2
    posted = await world.mia.post(world.channel, "new session")
    await client.wait_seen("message", lambda m: m.id == posted.id)

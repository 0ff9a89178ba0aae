"""/history: the user's finished videos, newest first, five to an ephemeral page."""

from __future__ import annotations

import asyncio
import re

from bot.core.timeline import format_duration, parse_draft
from tests.discord_app.stage import WAIT
from tests.discord_app.test_settings import component

PAGE = "beatthread:history:"
#: An entry: number, thread, date, length, link to the video's post.
ENTRY = re.compile(
    r"^(?P<number>\d+)\. <#(?P<thread>\d+)> · <t:\d+:d> · (?P<length>\S+) · "
    r"\[Watch\]\(<https://discord\.com/channels/(?P<guild>\d+)/(?P=thread)/(?P<message>\d+)>\)$"
)


def entries(message):
    return [ENTRY.match(line) for line in message.content.splitlines()[1:]]


def result_posts(stage, thread):
    marker = f"beatthread:export:{thread.id}:"
    return [
        m for m in stage.bot_messages(thread) if any(i.startswith(marker) for i in m.custom_ids())
    ]


async def exported(make_stage, count: int):
    """A bot that posted ``count`` exports of one track; returns (the stage, the thread)."""
    stage = await make_stage()
    await stage.start_bot(max_exports_per_user=10)
    _, thread = await stage.drop_track()
    await stage.ready_in(thread)
    for _ in range(count):
        await (await stage.mia.slash("export", thread)).wait_for_original(timeout=WAIT)
    await stage.emulator.wait_until(lambda: len(result_posts(stage, thread)) == count, timeout=30)
    runner = await stage.bot.app.hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    return stage, thread


async def test_an_empty_history_says_so_kindly(stage):
    """No videos yet: how to make one, and no buttons."""
    handle = await stage.mia.slash("history", stage.tracks)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    assert answer.content.startswith("🎞️ No videos yet.")
    assert "/export" in answer.content
    assert answer.components == []


async def test_seven_exports_are_two_pages_newest_first(make_stage):
    """Page 1 lists the 5 newest (thread, date, length, the post); Next shows the other 2."""
    stage, thread = await exported(make_stage, 7)
    lena = stage.emulator.add_user("lena")
    theirs = await (await lena.slash("history", stage.tracks)).wait_for_original(timeout=WAIT)
    assert theirs.content.startswith("🎞️ No videos yet.")

    handle = await stage.mia.slash("history", stage.tracks)
    page = await handle.wait_for_original(timeout=WAIT)
    assert page.ephemeral
    assert page.content.splitlines()[0] == "🎞️ **Your videos** (page 1 of 2)"
    first = entries(page)
    assert len(first) == 5 and all(first)
    assert [int(e["number"]) for e in first] == [1, 2, 3, 4, 5]
    assert {int(e["thread"]) for e in first} == {thread.id}
    assert {int(e["guild"]) for e in first} == {stage.guild.id}
    draft = stage.backend.sessions[stage.session_of(thread)].draft
    assert {e["length"] for e in first} == {format_duration(parse_draft(draft).length_ms, "en")}
    assert page.custom_ids() == [f"{PAGE}0", f"{PAGE}2"]
    assert component(page, f"{PAGE}0").get("disabled") is True
    assert not component(page, f"{PAGE}2").get("disabled")

    click = await stage.mia.click(page, f"{PAGE}2")
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: "(page 2 of 2)" in page.content, timeout=WAIT)
    second = entries(page)
    assert [int(e["number"]) for e in second] == [6, 7]
    assert component(page, f"{PAGE}3").get("disabled") is True
    assert not component(page, f"{PAGE}1").get("disabled")

    # Every video once, newest first: the order its job was recorded in.
    listed = [int(e["message"]) for e in first + second]
    async with stage.bot.app.use_cases.deps.store.transaction() as tx:
        jobs = [
            await tx.exports.get(i.rsplit(":", 1)[1])
            for post in result_posts(stage, thread)
            for i in post.custom_ids()
            if i.startswith(f"beatthread:export:{thread.id}:")
        ]
    newest_first = sorted(jobs, key=lambda job: (job.created_at, job.render_id), reverse=True)
    assert listed == [job.posted_message_id for job in newest_first]

    back = await stage.mia.click(page, f"{PAGE}1")
    await back.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: "(page 1 of 2)" in page.content, timeout=WAIT)
    assert [int(e["message"]) for e in entries(page)] == listed[:5]


async def test_history_pages_work_after_a_restart(make_stage):
    """An old page's Next, pressed after the bot restarted, still turns the page."""
    stage, _ = await exported(make_stage, 6)
    page = await (await stage.mia.slash("history", stage.tracks)).wait_for_original(timeout=WAIT)
    await stage.stop_bot()
    await stage.start_bot()
    click = await stage.mia.click(page, f"{PAGE}2")
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: "(page 2 of 2)" in page.content, timeout=WAIT)
    assert [int(e["number"]) for e in entries(page)] == [6]

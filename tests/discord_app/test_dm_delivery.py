"""The finished video by DM (``/settings``): the card a second time, once, to the requester.

The DM is the thread post's card again (same files, same facts), with a link to the post,
without buttons or pings, under a nonce of its own. A user who takes no DMs (50007) is not
asked again; a crash between the post and the DM is repaired by the next process, and a crash
after the DM does not send it twice.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.core.models import ExportStatus
from tests.discord_app.stage import WAIT
from tests.discord_app.test_settings import DM_ON, change, open_panel
from tests.discord_app.test_video_card import (
    MESSAGES,
    QUICK_STOP,
    card_of_an_export,
    export_held_at,
    export_job,
    fields_of,
    render_id_of,
)

pytestmark = pytest.mark.timeout(240)


def dm_of(stage):
    """The DM channel between mia and the bot (the emulator makes it once)."""
    return stage.emulator.state.dm_channel(stage.mia.user)


def post_link(stage, thread, post) -> str:
    return f"https://discord.com/channels/{stage.guild.id}/{thread.id}/{post.id}"


def dm_creates(stage) -> list:
    """The bot's message creates into mia's DM channel (tried, whether stored or refused)."""
    path = f"/channels/{dm_of(stage).id}/messages"
    return [r for r in stage.emulator.recorder.requests_to("POST", MESSAGES) if r.path == path]


async def wants_dm(stage) -> None:
    await stage.bot.app.use_cases.change_settings(stage.mia.id, dm_video=True)


async def test_the_requester_who_asked_gets_the_card_by_dm_too(stage):
    """Switched on in the panel: the thread post, then a DM with the same card and files."""
    panel = await open_panel(stage)
    await change(stage, panel, DM_ON)
    thread, post = await card_of_an_export(stage)
    (dm,) = await stage.emulator.wait_until(lambda: stage.emulator.messages_in(dm_of(stage)))
    assert post_link(stage, thread, post) in dm.content
    assert "Your video is ready" in dm.content
    assert fields_of(dm) == fields_of(post)
    assert dm.embeds[0]["thumbnail"]["url"] == "attachment://thumb.jpg"
    assert [a.content_type for a in dm.attachments] == ["video/mp4", "image/jpeg"]
    assert [a.size for a in dm.attachments] == [a.size for a in post.attachments]
    assert dm.custom_ids() == []  # the card's buttons act in the thread
    assert dm.mention_ids == [] and "<@" not in dm.content
    (create,) = dm_creates(stage)
    assert create.json["allowed_mentions"]["parse"] == []
    assert dm.nonce.startswith("bd") and dm.nonce != post.nonce and len(dm.nonce) <= 25
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    job = await export_job(stage, render_id_of(post, thread))
    assert job.status is ExportStatus.POSTED and job.posted_message_id == post.id


async def test_no_dm_unless_asked(stage):
    """The default: the video goes to its thread only."""
    thread, post = await card_of_an_export(stage)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    job = await export_job(stage, render_id_of(post, thread))
    assert job.status is ExportStatus.POSTED
    assert dm_creates(stage) == []


async def test_a_user_who_takes_no_dms_is_asked_once_and_the_post_stands(stage, caplog):
    """50007: logged, not tried again (not with fewer files either); the post is recorded."""
    await wants_dm(stage)
    stage.mia.user.accepts_dms = False
    caplog.set_level(logging.INFO, logger="bot.discord_app.video_post")
    thread, post = await card_of_an_export(stage)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    job = await export_job(stage, render_id_of(post, thread))
    assert job.status is ExportStatus.POSTED and job.posted_message_id == post.id
    assert len(dm_creates(stage)) == 1
    assert stage.emulator.messages_in(dm_of(stage)) == []
    assert "takes no DMs" in caplog.text


async def test_a_crash_between_the_post_and_its_dm_is_repaired_once(make_stage):
    """The post landed unrecorded, no DM yet: the next process records it and sends the DM."""
    stage = await make_stage()
    thread, held = await export_held_at(stage, "bt", first=wants_dm)
    post = held.message
    await stage.stop_bot()
    held.release()
    assert dm_creates(stage) == []
    await stage.start_bot(polling=QUICK_STOP)
    (dm,) = await stage.emulator.wait_until(
        lambda: stage.emulator.messages_in(dm_of(stage)), timeout=WAIT
    )
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    job = await export_job(stage, render_id_of(post, thread))
    assert job.status is ExportStatus.POSTED and job.posted_message_id == post.id
    assert post_link(stage, thread, post) in dm.content
    assert [a.content_type for a in dm.attachments] == ["video/mp4", "image/jpeg"]
    assert len(dm_creates(stage)) == 1


async def test_a_crash_after_the_dm_does_not_send_it_twice(make_stage):
    """The DM landed, its answer never came: the next process finds it in the DM channel."""
    stage = await make_stage()
    thread, held = await export_held_at(stage, "bd", first=wants_dm)
    dm = held.message
    post = await stage.result_post(thread)
    await stage.stop_bot()  # gives up on the DM's answer: the job stays `posting`
    held.release()
    await stage.start_bot(polling=QUICK_STOP)
    status = stage.emulator.state.messages[
        (await export_job(stage, render_id_of(post, thread))).status_message_id
    ]
    await stage.emulator.wait_until(lambda: "Your video is ready" in status.content, timeout=WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)
    job = await export_job(stage, render_id_of(post, thread))
    assert job.status is ExportStatus.POSTED and job.posted_message_id == post.id
    assert stage.emulator.messages_in(dm_of(stage)) == [dm]
    assert len(dm_creates(stage)) == 1
    assert stage.emulator.recorder.nonce_replays == []


async def test_a_video_too_big_for_a_dm_leaves_the_dm_its_card_and_frame(stage):
    """A boosted server took the MP4; a DM (no boosts there) gets the card, frame and link."""
    await wants_dm(stage)
    stage.guild.upload_limit = 64 * 1024 * 1024
    thread, post = await card_of_an_export(stage)
    (video,) = [a for a in post.attachments if a.content_type == "video/mp4"]
    (first,) = await stage.emulator.wait_until(
        lambda: stage.emulator.messages_in(dm_of(stage)), timeout=WAIT
    )
    assert [a.content_type for a in first.attachments] == ["video/mp4", "image/jpeg"]
    stage.emulator.config.upload_limit = video.size - 1  # what a DM takes here: less
    stage.bot.app.notifier.video.dm_upload_limit = video.size - 1
    stage.emulator.state.channel_messages[dm_of(stage).id].clear()
    await stage.mia.click(post, f"beatthread:again:{thread.id}:720p")
    again = await stage.emulator.wait_for_message(
        thread, lambda m: m.id != post.id and m.embeds and m.attachments, timeout=WAIT
    )
    dms = await stage.emulator.wait_until(
        lambda: stage.emulator.messages_in(dm_of(stage)), timeout=WAIT
    )
    (dm,) = dms
    assert [a.content_type for a in dm.attachments] == ["image/jpeg"]
    assert post_link(stage, thread, again) in dm.content
    assert fields_of(dm) == fields_of(again)
    assert [r.status for r in dm_creates(stage)] == [200, 200]  # no refused upload first

# ruff: noqa: RUF001 - the Chinese summary starts with full-width brackets.
"""The timeline picture beside the text: /status, the Show timeline button and "show tracks".

Each way posts the summary with ``timeline.png`` attached; the PNG is checked from its pixels
against a drawing of the same draft (its size, and the title's colour where the title is).
"""

from __future__ import annotations

import copy
import io

from PIL import Image

from bot.core.timeline import parse_draft
from bot.pictures import Picture, draw_timeline
from bot.pictures import timeline as picture
from tests.discord_app.stage import WAIT, mp3_bytes
from tests.pictures.test_timeline_picture import DRAFT

WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
MESSAGES = "/channels/{channel_id}/messages"
TITLE_LANE = 2
TITLE_MS = (2000, 5000)
#: The local studio's ``video_analyses.music`` (§3.7): 120 BPM over the draft's 10 s.
MUSIC = {
    "tempo_bpm": 120.0,
    "duration_s": 10.0,
    "beats_s": [i * 0.5 for i in range(20)],
    "downbeats_s": [i * 2.0 for i in range(5)],
}


async def thread_with_draft(stage):
    """A track thread whose timeline is :data:`DRAFT` (a video, the music, a title at 2-5 s)."""
    _, thread = await stage.drop_track()
    ready = await stage.ready_in(thread)
    use_draft(stage, thread)
    return thread, ready


def use_draft(stage, thread) -> None:
    """The backend's draft of ``thread`` becomes :data:`DRAFT`."""
    draft = stage.backend.sessions[stage.session_of(thread)].draft
    draft.clear()
    draft.update(copy.deepcopy(DRAFT))


def x_of(drawn: Picture, ms: int) -> int:
    left, right = drawn.plot
    return left + round(ms * (right - left) / drawn.span_ms)


def assert_timeline_picture(message, lang: str = "en") -> None:
    """One ``timeline.png`` of the draft's size, with the title bar over the title's span only."""
    (attachment,) = message.attachments
    assert attachment.filename == "timeline.png"
    image = Image.open(io.BytesIO(attachment.read_bytes()))
    assert image.format == "PNG"
    image = image.convert("RGB")
    expected = draw_timeline(parse_draft(DRAFT), lang=lang)
    assert image.size == (expected.width, expected.height)
    top, _ = expected.lanes[TITLE_LANE]
    y = top + picture.BAR_INSET + 2
    start, end = (x_of(expected, ms) for ms in TITLE_MS)
    inside = {image.getpixel((x, y)) for x in range(start + 1, end - 2)}
    assert inside == {picture.TITLE_COLOUR}
    left, right = expected.plot
    outside = [image.getpixel((x, y)) for x in [*range(left, start - 1), *range(end + 1, right)]]
    assert picture.TITLE_COLOUR not in outside
    assert message.mention_ids == []


async def test_status_sends_the_timeline_picture_beside_the_text(stage):
    """/status answers the asker with the text summary and the timeline drawn as a PNG."""
    thread, _ = await thread_with_draft(stage)
    handle = await stage.mia.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    assert answer.content.startswith("Timeline (3 tracks):")
    assert_timeline_picture(answer)


async def test_status_draws_the_beat_grid_the_backend_knows(stage):
    """With the studio's analysis in state, the picture has the beat lane at the music's beats."""
    thread, _ = await thread_with_draft(stage)
    stage.backend.config.video_analyses = {"music": MUSIC}
    handle = await stage.mia.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    (attachment,) = answer.attachments
    image = Image.open(io.BytesIO(attachment.read_bytes())).convert("RGB")
    plain = draw_timeline(parse_draft(DRAFT), lang="en")
    assert image.height > plain.height  # the beat lane
    expected = draw_timeline(
        parse_draft(DRAFT),
        lang="en",
        beats_s=MUSIC["beats_s"],
        downbeats_s=MUSIC["downbeats_s"],
        length_ms=10_000,
    )
    assert expected.beat_lane is not None
    top, end = expected.beat_lane
    for downbeat in MUSIC["downbeats_s"]:
        x = x_of(expected, round(downbeat * 1000))
        assert image.getpixel((x, (top + end) // 2)) == picture.BAR_TICK, downbeat


async def test_a_changed_timeline_gets_a_new_picture(stage):
    """Pictures are kept per timeline: after an edit, /status draws the new one, not the old."""
    thread, _ = await thread_with_draft(stage)
    first = await (await stage.mia.slash("status", thread)).wait_for_original(timeout=WAIT)
    draft = stage.backend.sessions[stage.session_of(thread)].draft
    draft["t"][2]["sg"][0]["m"]["text"] = "Night Drive"
    second = await (await stage.mia.slash("status", thread)).wait_for_original(timeout=WAIT)
    pngs = [message.attachments[0].read_bytes() for message in (first, second)]
    assert pngs[0] == draw_timeline(parse_draft(DRAFT), lang="en").png
    assert pngs[1] == draw_timeline(parse_draft(draft), lang="en").png != pngs[0]


async def test_show_timeline_button_sends_the_picture(stage):
    """The Show timeline button on "Ready" answers with the same text and picture."""
    thread, ready = await thread_with_draft(stage)
    shown = await stage.mia.click(ready, f"beatthread:timeline:{thread.id}")
    answer = await shown.wait_for_original(timeout=WAIT)
    assert answer.ephemeral
    assert answer.content.startswith("Timeline (3 tracks):")
    assert_timeline_picture(answer)


async def test_show_tracks_in_chat_posts_the_picture_with_the_export_button(stage):
    """Writing "show tracks" posts the summary with its picture and the Export button."""
    thread, _ = await thread_with_draft(stage)
    asked = await stage.mia.post(thread, "show tracks")
    reply = await stage.emulator.wait_for_message(
        thread, lambda m: m.id > asked.id and m.content.startswith("Timeline"), timeout=WAIT
    )
    assert reply.content.startswith("Timeline (3 tracks):")
    assert f"beatthread:export:{thread.id}" in reply.custom_ids()
    assert_timeline_picture(reply)


async def test_a_thread_in_chinese_gets_the_picture_in_chinese(stage):
    """The picture's labels follow the thread's language, like its text."""
    li = stage.emulator.add_user("li", locale="zh-CN")
    await li.slash("track", stage.tracks, options={"file": ("夜曲.mp3", mp3_bytes())})
    thread = await stage.emulator.wait_for_thread(stage.tracks, lambda t: t.name == "夜曲")
    await stage.ready_in(thread)
    use_draft(stage, thread)
    handle = await li.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.content.startswith("时间线（3 条轨道）")
    (attachment,) = answer.attachments
    zh = draw_timeline(parse_draft(DRAFT), lang="zh").png
    assert zh != draw_timeline(parse_draft(DRAFT), lang="en").png
    assert attachment.read_bytes() == zh


def multipart(body: dict) -> bool:
    """A message body with a file (the emulator's faults see a multipart body as ``{}``)."""
    return body == {}


async def test_a_refused_picture_in_chat_still_posts_the_text_once(stage, caplog):
    """Without Attach Files in the thread, "show tracks" still gets its summary, text only."""
    thread, _ = await thread_with_draft(stage)
    stage.emulator.faults.fail("POST", MESSAGES, status=403, code=50013, match=multipart)
    asked = await stage.mia.post(thread, "show tracks")
    reply = await stage.emulator.wait_for_message(
        thread, lambda m: m.id > asked.id and m.content.startswith("Timeline"), timeout=WAIT
    )
    assert reply.attachments == []
    assert f"beatthread:export:{thread.id}" in reply.custom_ids()
    summaries = [m for m in stage.bot_messages(thread) if m.content.startswith("Timeline")]
    assert summaries == [reply]
    assert "picture refused" in caplog.text


async def test_a_refused_picture_on_status_still_answers_with_the_text(stage):
    """/status whose file Discord refuses still shows the asker the summary."""
    thread, _ = await thread_with_draft(stage)
    stage.emulator.faults.fail("POST", WEBHOOK, status=403, code=50013, match=multipart)
    handle = await stage.mia.slash("status", thread)
    answer = await handle.wait_for_original(timeout=WAIT)
    assert answer.content.startswith("Timeline (3 tracks):")
    assert answer.attachments == []

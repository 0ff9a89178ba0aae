# ruff: noqa: RUF001 - Chinese replies use full-width punctuation on purpose.
"""A thread's language: the owner's /settings choice, their locale, the server's, their words.

Each case posts a track and reads the thread's "Ready" message, which is in the language the
thread speaks; the backend session is created in it too.
"""

from __future__ import annotations

from tests.discord_app.stage import WAIT, mp3_bytes

ENGLISH_READY = "🎵 Got your track"
CHINESE_READY = "🎵 收到你的曲子"


async def post_track(stage, user, words="new track", name="Night Drive.mp3"):
    """``user`` posts a track with ``words``; the thread's Ready message."""
    posted = await user.post(stage.tracks, words, files=[(name, mp3_bytes())])
    thread = await stage.emulator.wait_for_thread(
        stage.tracks, lambda t: t.id == posted.id, timeout=WAIT
    )
    return thread, await stage.ready_in(thread)


async def choose_language(stage, user, value):
    """``user`` picks a reply language in /settings and waits for the panel to confirm."""
    handle = await user.slash("settings", stage.tracks)
    panel = await handle.wait_for_original(timeout=WAIT)
    click = await user.click(panel, "beatthread:settings:language", values=[value])
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: panel.content.startswith("✅"), timeout=WAIT)


def session_language(stage):
    return list(stage.backend.sessions.values())[-1].language


async def test_an_english_post_in_a_server_that_chose_nothing_is_answered_in_english(stage):
    """The baseline: en-US everywhere (Discord's default server locale), English words."""
    _, ready = await post_track(stage, stage.mia)
    assert ready.content.startswith(ENGLISH_READY)


async def test_a_post_follows_the_locale_its_author_showed_in_an_interaction(stage):
    """Li used a command with a zh-CN client: her later post is answered in 中文."""
    li = stage.emulator.add_user("li", locale="zh-CN")
    handle = await li.slash("help", stage.tracks)
    await handle.wait_for_original(timeout=WAIT)
    _, ready = await post_track(stage, li, "new track")
    assert ready.content.startswith(CHINESE_READY)
    assert session_language(stage) == "zh-CN"


async def test_the_interaction_locale_comes_before_the_servers_and_the_words(make_stage):
    """An en-US user, seen in an interaction, in a 中文 server, writing 中文: English."""
    stage = await make_stage()
    stage.guild.locale = "zh-CN"
    await stage.start_bot()
    handle = await stage.mia.slash("help", stage.tracks)
    await handle.wait_for_original(timeout=WAIT)
    _, ready = await post_track(stage, stage.mia, "给我做一个霓虹城市风格的视频")
    assert ready.content.startswith(ENGLISH_READY)


async def test_a_server_that_chose_a_locale_is_answered_in_it(make_stage):
    """Nothing known of the author: the server's chosen 中文 wins over English words."""
    stage = await make_stage()
    stage.guild.locale = "zh-CN"
    await stage.start_bot()
    _, ready = await post_track(stage, stage.mia, "new track")
    assert ready.content.startswith(CHINESE_READY)
    assert session_language(stage) == "zh-CN"


async def test_a_first_message_in_chinese_script_gets_chinese_replies(stage):
    """Nothing known of the author, a server on Discord's default: the words decide."""
    _, ready = await post_track(stage, stage.mia, "给我做一个霓虹城市风格的视频，踩点剪辑")
    assert ready.content.startswith(CHINESE_READY)
    assert session_language(stage) == "zh-CN"
    _, english = await post_track(stage, stage.mia, "neon city, cut to the beat", "Two.mp3")
    assert english.content.startswith(ENGLISH_READY)


async def test_the_settings_language_overrides_everything_and_reaches_open_threads(make_stage):
    """Mia (en-US, English words, en-US server) picks 中文: new and existing threads speak it.

    Back to automatic, new threads follow her locale again; the ones she has keep 中文.
    """
    stage = await make_stage()
    await stage.start_bot()
    old_thread, ready = await post_track(stage, stage.mia, "new track", "Old.mp3")
    assert ready.content.startswith(ENGLISH_READY)

    await choose_language(stage, stage.mia, "zh-CN")
    _, ready = await post_track(stage, stage.mia, "neon city at night", "New.mp3")
    assert ready.content.startswith(CHINESE_READY)
    assert session_language(stage) == "zh-CN"
    status = await stage.mia.slash("status", old_thread)  # the answer to her, and the thread's
    timeline = await status.wait_for_original(timeout=WAIT)
    assert timeline.content.startswith("时间线（1 条轨道）")
    await stage.mia.post(old_thread, "credits")
    credits = await stage.emulator.wait_for_message(
        old_thread, lambda m: bool(m.embeds), timeout=WAIT
    )
    assert credits.embeds[0]["title"] == "💳 积分"

    await stage.stop_bot()  # the stored threads speak it too, not only the open runners
    await stage.start_bot()
    await stage.mia.post(old_thread, "credits")
    await stage.emulator.wait_until(
        lambda: sum(1 for m in stage.bot_messages(old_thread) if m.embeds) == 2, timeout=WAIT
    )
    assert [m for m in stage.bot_messages(old_thread) if m.embeds][-1].embeds[0]["title"] == (
        "💳 积分"
    )

    await choose_language(stage, stage.mia, "auto")
    _, ready = await post_track(stage, stage.mia, "neon city at night", "Newer.mp3")
    assert ready.content.startswith(ENGLISH_READY)

# ruff: noqa: RUF001 - Chinese replies use full-width punctuation on purpose.
"""/settings: an ephemeral panel whose every change is stored at once and survives a restart.

The default resolution is checked where it matters: in the render request the backend got.
"""

from __future__ import annotations

import asyncio

from bot.core.models import UserSettings
from bot.core.usecases.settings import user_settings
from tests.discord_app.stage import WAIT

RESOLUTION = "beatthread:settings:resolution"
LANGUAGE = "beatthread:settings:language"
DM_ON = "beatthread:settings:dm:on"
DM_OFF = "beatthread:settings:dm:off"


def component(message, custom_id):
    """The component ``custom_id`` of ``message``, as Discord holds it."""
    for row in message.components:
        for item in row.get("components", []):
            if item.get("custom_id") == custom_id:
                return item
    raise LookupError(custom_id)


def selected(message, custom_id):
    """The values a select menu of ``message`` shows as chosen."""
    return [o["value"] for o in component(message, custom_id)["options"] if o.get("default")]


async def open_panel(stage, user=None, where=None):
    handle = await (user or stage.mia).slash("settings", where or stage.tracks)
    return await handle.wait_for_original(timeout=WAIT)


async def change(stage, panel, custom_id, values=None):
    """Use a component of the panel and wait until the panel says what was saved."""
    before = len(panel.edits)
    click = await stage.mia.click(panel, custom_id, values=values)
    await click.wait_for_response(timeout=WAIT)
    await stage.emulator.wait_until(lambda: len(panel.edits) > before, timeout=WAIT)
    return panel


async def test_settings_shows_the_defaults_in_an_ephemeral_panel(stage):
    """A user who never chose: 1080p, no DM, automatic language; two menus and the switch."""
    panel = await open_panel(stage)
    assert panel.ephemeral
    assert panel.content.splitlines() == [
        "⚙️ **Your settings**",
        "Default resolution: **1080p** (for exports that name none)",
        "DM me the finished video: **off**",
        "Reply language: **Automatic**",
    ]
    assert panel.custom_ids() == [RESOLUTION, LANGUAGE, DM_ON]
    assert selected(panel, RESOLUTION) == ["1080p"]
    assert selected(panel, LANGUAGE) == ["auto"]
    assert [o["value"] for o in component(panel, LANGUAGE)["options"]] == ["auto", "en", "zh-CN"]


async def test_every_change_is_stored_at_once_confirmed_and_kept_after_a_restart(stage):
    """Each menu or click saves and says so in the panel; a new bot process finds it all."""
    panel = await open_panel(stage)
    await change(stage, panel, RESOLUTION, ["720p"])
    assert panel.content.startswith(
        "✅ Saved: exports that name no resolution render at 720p.\n\n⚙️ **Your settings**"
    )
    assert "Default resolution: **720p**" in panel.content
    assert selected(panel, RESOLUTION) == ["720p"]
    deps = stage.bot.app.use_cases.deps
    assert (await user_settings(deps, stage.mia.id)).resolution == "720p"

    await change(stage, panel, DM_ON)
    assert panel.content.startswith("✅ Saved: I'll also DM you each finished video.")
    assert "DM me the finished video: **on**" in panel.content
    assert panel.custom_ids()[-1] == DM_OFF  # the switch now turns it off
    assert (await user_settings(deps, stage.mia.id)).dm_video is True

    await change(stage, panel, LANGUAGE, ["zh-CN"])
    assert panel.content.startswith("✅ 已保存：我会用中文回复")  # already in the new language
    assert "回复语言：**中文**" in panel.content

    await stage.stop_bot()
    await stage.start_bot()
    deps = stage.bot.app.use_cases.deps
    stored = UserSettings(resolution="720p", dm_video=True, language="zh-CN")
    assert await user_settings(deps, stage.mia.id) == stored
    again = await open_panel(stage)
    assert "默认分辨率：**720p**" in again.content
    assert "完成的视频也私信发给我：**开**" in again.content
    assert selected(again, LANGUAGE) == ["zh-CN"]
    # The panel from before the restart still works.
    await change(stage, panel, LANGUAGE, ["auto"])
    assert panel.content.startswith("✅ Saved: new threads reply in your Discord language")
    assert (await user_settings(deps, stage.mia.id)).language is None


async def test_settings_are_each_users_own(stage):
    """Lena's panel shows her defaults after Mia changed hers."""
    panel = await open_panel(stage)
    await change(stage, panel, RESOLUTION, ["720p"])
    lena = stage.emulator.add_user("lena")
    theirs = await open_panel(stage, lena)
    assert "Default resolution: **1080p**" in theirs.content


def render_outputs(stage):
    return [job.output for job in stage.backend.renders.values()]


async def idle(stage, thread) -> None:
    runner = await stage.bot.app.hub.get(thread.id)
    await asyncio.wait_for(runner.join(), WAIT)
    await asyncio.wait_for(stage.bot.exports.settle(), WAIT)


async def test_the_default_resolution_applies_to_exports_that_name_none(stage):
    """/export alone, the Export button and "export" in words render at the chosen 720p."""
    _, thread = await stage.drop_track()
    ready = await stage.ready_in(thread)
    panel = await open_panel(stage)
    await change(stage, panel, RESOLUTION, ["720p"])

    handle = await stage.mia.slash("export", thread)
    confirmation = await handle.wait_for_original(timeout=WAIT)
    assert confirmation.content.startswith("🎬 Export requested: MP4 · 720p")
    await stage.result_post(thread)
    await idle(stage, thread)

    click = await stage.mia.click(ready, f"beatthread:export:{thread.id}")
    confirmation = await click.wait_for_original(timeout=WAIT)
    assert confirmation.content.startswith("🎬 Export requested: MP4 · 720p")
    await stage.emulator.wait_until(lambda: len(stage.backend.renders) == 2, timeout=WAIT)
    await idle(stage, thread)

    await stage.mia.post(thread, "export")
    await stage.emulator.wait_until(lambda: len(stage.backend.renders) == 3, timeout=WAIT)
    await idle(stage, thread)

    named = await stage.mia.slash("export", thread, options={"resolution": "1080p"})
    await named.wait_for_original(timeout=WAIT)
    await stage.emulator.wait_until(lambda: len(stage.backend.renders) == 4, timeout=WAIT)
    await idle(stage, thread)
    resolutions = [output["resolution"] for output in render_outputs(stage)]
    assert resolutions == ["720p", "720p", "720p", "1080p"]  # a named resolution still wins

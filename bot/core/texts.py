# ruff: noqa: RUF001 - Chinese texts use full-width punctuation on purpose.
"""User-facing texts in English and 简体中文.

:func:`text` picks the catalogue by language code: every code starting with ``zh``
(``zh``, ``zh-CN``, ``zh-TW``, ``zh_Hans``) is Chinese, everything else, including an empty or
unknown code, is English. Texts are ``str.format`` templates; both catalogues have the same
keys and the same ``{placeholders}`` (a test holds them to it). An unknown key or a missing
placeholder raises ``KeyError``: that is a programming error, not something a user can cause.

Slash commands and the words the intent router understands appear in the texts literally
(``/export``, "export"/“导出”), so a user can copy them.
"""

from __future__ import annotations

from string import Formatter
from typing import Final

from bot.core.links import is_public_url
from bot.core.media import (
    ACCEPTED_FORMATS,
    DEFAULT_MAX_BYTES,
    Attached,
    MediaCheck,
    MediaKind,
    Rejection,
)

_EN: Final[dict[str, str]] = {
    # --- conversation flow -------------------------------------------------------------
    "ready": (
        "🎵 Got your track **{filename}**. Tell me what kind of video you want "
        '(e.g. "neon city at night, cut to the beat").'
    ),
    "still_working": "⏳ Still working…",
    "queued": "🕒 Got it, I'll get to that after the current reply ({position} waiting).",
    "nothing_changed": "I finished, but nothing visible changed on the timeline.",
    "what_changed_header": "What changed:",
    "interrupted_nothing_changed": "The timeline shows no change from that message.",
    "restarting": "🔄 I'm restarting right now. Please send that again in a minute.",
    "reply_truncated": "⚠️ Part of the reply was too long for Discord and was cut.",
    "upload_hint": (
        "📎 Attach your file to a message in this thread and I'll add it. Accepted: {accepted}."
    ),
    "uploaded": "📎 Added **{filename}** ({kind}).",
    # --- credits and export ------------------------------------------------------------
    "credits_balance": "💳 Credits: {available} available ({frozen} reserved by running work).",
    "out_of_credits_anonymous": (
        "💳 You're out of credits. Register (free) to get more and keep this project: "
        "{register_url}"
    ),
    "out_of_credits_registered": "💳 You're out of credits. Top up here: {billing_url}",
    "export_nothing": (
        "There's nothing to export yet: the timeline is empty. Describe the video you want first."
    ),
    "export_started": "🎬 Rendering your video… I'll post the MP4 here when it's done.",
    "export_ready": "✅ Your video is ready: {url}",
    "export_ready_attached": "✅ Your video is ready (attached).",
    "export_ready_smaller": (
        "✅ Your video is ready. The attached video is a smaller copy sized for Discord."
    ),
    "export_full_quality": "Full quality: {url}",
    "export_ready_on_host": (
        "✅ Your video is ready, but only on the bot's host: it couldn't be attached here, and "
        "its link is a local address that people on Discord can't open. The bot's admin can "
        "give renders a public address (`LOCAL_BACKEND_PUBLIC_URL` on the local backend)."
    ),
    "export_project": "Open the project: {project_url}",
    "export_failed": "❌ The render failed twice. Please try `/export` again later.",
    "export_refused_plan": (
        "🔒 Export needs a registered NemoVideo account. Register here, then try again: "
        "{register_url}"
    ),
    # --- failures ------------------------------------------------------------------------
    "session_lost": (
        "⚠️ The video session expired on NemoVideo's side, so the old timeline is gone. "
        "I started a fresh one{reupload}."
    ),
    "session_lost_reupload": " and re-uploaded your track",
    "backend_unavailable": "⚠️ NemoVideo isn't responding right now. Please try again in a minute.",
    "backend_error": "⚠️ NemoVideo reported a problem with that request. Please try again.",
    "stream_dropped": (
        "⚠️ The connection dropped mid-reply. I won't send your message twice; "
        "checking whether the edit went through…"
    ),
    "stream_recovered": "✅ The edit went through after all.",
    "stream_failed": (
        "❌ I couldn't confirm that the edit went through. Send your message again to retry."
    ),
    "busy_timeline_unknown": "I couldn't read the timeline just now. Try `/status` in a moment.",
    "not_authorized": (
        "⚠️ NemoVideo didn't accept Beatthread's credentials. "
        "The bot's owner needs to check its NemoVideo token."
    ),
    "rate_limited_later": (
        "⏳ NemoVideo is busy right now (rate limit). Please try again in a minute."
    ),
    "agent_failed": (
        "⚠️ NemoVideo couldn't finish that request. Please try again, maybe in other words."
    ),
    "export_rejected": "❌ NemoVideo refused the export. Please try `/export` again later.",
    "export_progress": "🎬 Rendering… {progress}%",
    "internal_error": "⚠️ Something went wrong on my side. Please try again.",
    # --- terminal front end (bot/console.py) -------------------------------------------
    "console_banner": (
        "🎬 Beatthread console: one conversation with NemoVideo. Type a message, or "
        "/upload PATH, /status, /credits, /export, /help, /quit."
    ),
    "console_help": (
        "Commands: /upload PATH (add a file), /status (timeline), /credits, /export (render "
        'the video), /quit. Anything else goes to the video agent, e.g. "sync visuals to '
        'the beat" or "add a title: Neon Nights".'
    ),
    "console_upload_hint": "📎 Type /upload PATH to add a file. Accepted: {accepted}.",
    "console_no_file": "⚠️ There is no file at {path}.",
    "console_unknown_command": "Unknown command {command}. Type /help for the list.",
    "console_waiting": "⏳ Waiting for the render to finish…",
    "console_bye": "👋 Bye.",
    "console_saved": "💾 Saved the video to {path}",
    "console_save_failed": "⚠️ I couldn't save a copy of the video; the link above still works.",
    "credits_register": (
        "Register (free) to get more credits and keep your projects: {register_url}"
    ),
    "credits_local_studio": (
        "No registration needed: this is Beatthread's local studio, free and on this machine."
    ),
    # --- Discord front end (bot/discord_app) ------------------------------------------
    "ready_next": (
        'Try: "sync visuals to the beat", "add the title Urban Dreams", then `/export`. '
        "`/status` shows the timeline."
    ),
    "button_export": "Export",
    "button_timeline": "Show timeline",
    "button_cancel": "Cancel",
    "button_retry": "Retry",
    "export_stage_pending": "waiting to start",
    "export_stage_processing": "rendering",
    "export_status": "🎬 **Rendering your video** · {stage} · {progress}%\nReady {eta}",
    "export_status_done": "✅ **Your video is ready**: see below.",
    "export_status_stalled": (
        "⏳ **The render hasn't moved for a while.** It may still finish and I'll post it if it "
        "does; you can also cancel it, or render again."
    ),
    "export_status_failed": (
        "❌ **The render failed.** Exporting is free, so no credits were spent. "
        "Press Retry to render again."
    ),
    "export_status_cancelled": "⏹️ **Export cancelled** by {name}.",
    "export_requested": (
        "🎬 Export requested: {format} · {resolution}. The progress shows in this thread."
    ),
    "export_already_finished": "That export has already finished.",
    "export_limit": (
        "⏳ You already have {limit} exports rendering. Wait for one to finish (or cancel it) "
        "and try again."
    ),
    "queue_limit": (
        "🕒 You have {limit} messages waiting already. Send more once I've caught up with those."
    ),
    "not_a_track_thread": (
        "That works inside a Beatthread track thread. Post a track (or use `/track`) to start one."
    ),
    "not_your_thread": (
        "Only the person who started this thread, or someone who can manage threads, "
        "can use this button."
    ),
    "track_no_file": (
        "That message has no file. Attach an audio or video file and try again. Accepted: "
        "{accepted}."
    ),
    "track_opened": "🎵 Opened {thread} for **{title}**.",
    "track_needs_channel": "Use this in a server text channel where I can open threads.",
    "track_existing": "🎵 This message already has a thread: {thread}. Carry on there.",
    "turn_interrupted": (
        "⚠️ I restarted while I was working on a message here. I didn't send it again (that "
        "could charge twice). Here is what NemoVideo has now; send the message again if its "
        "change is not there."
    ),
    "credits_title": "💳 Credits",
    "credits_available": "Available",
    "credits_frozen": "Reserved",
    "credits_total": "Total",
    "help_title": "🎬 Beatthread",
    "help_body": (
        "Post a track (MP3, WAV, MP4 …) in a watched channel, use `/track`, or pick "
        "**Make music video** from a message's Apps menu. I open a thread for it; "
        'talk to me there, no @mention needed, for example "sync visuals to the beat" '
        'or "add the title Urban Dreams".\n'
        "`/status` shows the timeline, `/export` renders the MP4, `/credits` shows your balance."
    ),
    "discord_forbidden": (
        "⚠️ I'm missing a Discord permission for that here. Ask an admin to check my role."
    ),
    "discord_failed": "⚠️ Discord didn't accept that just now. Please try again.",
    "command_gone": (
        "This command is no longer available. Use /help to see the current commands, or "
        "just write in your track thread."
    ),
    "selfcheck_missing": (
        "⚠️ Beatthread is missing permissions in this channel: {missing}. "
        "Ask an admin to grant them to the bot's role, or tracks posted here can't be handled."
    ),
    "cmd_track_name": "track",
    "cmd_track_description": "Open a music-video thread for an audio or video file",
    "cmd_track_file_name": "file",
    "cmd_track_file_description": "The track (MP3, WAV, M4A, AAC, MP4, MOV …)",
    "cmd_make_video_name": "Make music video",
    "cmd_credits_name": "credits",
    "cmd_credits_description": "Show your NemoVideo credit balance",
    "cmd_export_name": "export",
    "cmd_export_description": "Render this thread's video as an MP4",
    "cmd_export_resolution_name": "resolution",
    "cmd_export_resolution_description": "Video resolution (default 1080p)",
    "cmd_status_name": "status",
    "cmd_status_description": "Show this thread's timeline",
    "cmd_help_name": "help",
    "cmd_help_description": "How to use Beatthread",
    # --- upload rejections --------------------------------------------------------------
    "upload_empty": "⚠️ **{filename}** is empty.",
    "upload_too_large": (
        "⚠️ **{filename}** is too large (the limit is {limit_mb} MB). "
        "Try compressing it or trimming it."
    ),
    "upload_unsupported": (
        "⚠️ I can't use **{filename}**: .{extension} files aren't supported. Accepted: {accepted}."
    ),
    "upload_spoofed": (
        "⚠️ **{filename}** doesn't look like a real {claimed} file. "
        "Please export it again from your app. Accepted: {accepted}."
    ),
    "upload_failed": "⚠️ Uploading **{filename}** failed. Please try again.",
    # --- building blocks ---------------------------------------------------------------
    "accepted_audio": "audio {formats}",
    "accepted_video": "video {formats}",
    "accepted_image": "image {formats}",
    "kind_audio": "audio",
    "kind_video": "video",
    "kind_image": "image",
    "list_separator": "; ",
    "unknown_format": "media",
    # --- timeline summary (timeline.py) ------------------------------------------------
    "timeline_header_one": "Timeline (1 track):",
    "timeline_header_many": "Timeline ({count} tracks):",
    "timeline_empty": "Timeline (0 tracks): nothing on it yet.",
    "track_video": "Video",
    "track_bgm": "BGM",
    "track_title": "Title",
    "track_other": "Track",
    "track_labelled": "{kind}: {label}",
    "with_details": "{head} ({details})",
    "track_more_labels": "+{count} more",
    "seconds": "{value}s",
    "details_separator": ", ",
    "quoted": '"{text}"',
    # --- timeline diff (timeline.py) ---------------------------------------------------
    "diff_added": "Added {track}: {summary}",
    "diff_removed": "Removed {track}: {summary}",
    "diff_title_text": "{track} text: {old} → {new}",
    "diff_label": "{track}: {old} → {new}",
    "diff_volume": "{track} volume: {old} → {new}",
    "diff_duration": "{track} length: {old} → {new}",
    "diff_moved": "{track} moved: {old} → {new}",
    "diff_segments": "{track} clips: {old} → {new}",
    "diff_total_duration": "Total length: {old} → {new}",
    "diff_track_name": "{kind} track",
    "diff_track_name_numbered": "{kind} track {number}",
    "diff_track_other": "Track",
    "diff_track_other_numbered": "Track {number}",
    "diff_none": "(none)",
}

_ZH: Final[dict[str, str]] = {
    "ready": (
        "🎵 收到你的曲子 **{filename}**。"
        "说说你想要什么样的视频（例如：“夜晚的霓虹城市，踩点剪辑”）。"
    ),
    "still_working": "⏳ 还在处理中…",
    "queued": "🕒 收到，当前回复完成后再处理这条（前面还有 {position} 条）。",
    "nothing_changed": "处理完成，但时间线上没有可见的变化。",
    "what_changed_header": "变化：",
    "interrupted_nothing_changed": "时间线上没有那条消息带来的变化。",
    "restarting": "🔄 我正在重启，请一分钟后再发一次。",
    "reply_truncated": "⚠️ 回复太长，超出 Discord 限制的部分已被截断。",
    "upload_hint": "📎 在这个帖子里发一条带附件的消息，我就会添加它。支持：{accepted}。",
    "uploaded": "📎 已添加 **{filename}**（{kind}）。",
    "credits_balance": "💳 积分：可用 {available}（进行中的任务冻结 {frozen}）。",
    "out_of_credits_anonymous": (
        "💳 积分已用完。免费注册即可获得更多积分并保留这个项目：{register_url}"
    ),
    "out_of_credits_registered": "💳 积分已用完。请在这里充值：{billing_url}",
    "export_nothing": "还没有可以导出的内容：时间线是空的。请先描述你想要的视频。",
    "export_started": "🎬 正在渲染视频…完成后我会把 MP4 发到这里。",
    "export_ready": "✅ 视频已完成：{url}",
    "export_ready_attached": "✅ 视频已完成（见附件）。",
    "export_ready_smaller": "✅ 视频已完成。附件是为 Discord 压缩的较小版本。",
    "export_full_quality": "原画质：{url}",
    "export_ready_on_host": (
        "✅ 视频已完成，但只在机器人所在的主机上：它无法作为附件发到这里，而它的链接是本地地址，"
        "Discord 上的人打不开。机器人管理员可以为渲染结果设置公开地址"
        "（本地后端的 `LOCAL_BACKEND_PUBLIC_URL`）。"
    ),
    "export_project": "打开项目：{project_url}",
    "export_failed": "❌ 渲染连续失败两次。请稍后再试 `/export`。",
    "export_refused_plan": "🔒 导出需要注册 NemoVideo 账号。请先注册再重试：{register_url}",
    "session_lost": "⚠️ NemoVideo 那边的会话已过期，之前的时间线没有了。我已新建会话{reupload}。",
    "session_lost_reupload": "并重新上传了你的曲子",
    "backend_unavailable": "⚠️ NemoVideo 暂时没有响应，请过一分钟再试。",
    "backend_error": "⚠️ NemoVideo 处理这条请求时出了问题，请再试一次。",
    "stream_dropped": "⚠️ 回复中途连接断开了。我不会重复发送你的消息，正在确认修改是否已完成…",
    "stream_recovered": "✅ 修改其实已经完成了。",
    "stream_failed": "❌ 无法确认修改是否完成。如需重试，请再发一次你的消息。",
    "busy_timeline_unknown": "暂时读取不到时间线，请稍后试试 `/status`。",
    "not_authorized": "⚠️ NemoVideo 拒绝了 Beatthread 的凭据，需要机器人管理员检查 NemoVideo 令牌。",
    "rate_limited_later": "⏳ NemoVideo 现在比较忙（限流），请过一分钟再试。",
    "agent_failed": "⚠️ NemoVideo 没能完成这个请求。请再试一次，或者换个说法。",
    "export_rejected": "❌ NemoVideo 拒绝了这次导出。请稍后再试 `/export`。",
    "export_progress": "🎬 渲染中…{progress}%",
    "internal_error": "⚠️ 我这边出了点问题，请再试一次。",
    "console_banner": (
        "🎬 Beatthread 终端：与 NemoVideo 的一段对话。直接输入消息，或使用 "
        "/upload 路径、/status、/credits、/export、/help、/quit。"
    ),
    "console_help": (
        "命令：/upload 路径（添加文件）、/status（时间线）、/credits（积分）、/export（渲染视频）、"
        "/quit。其他内容会发给视频助手，例如“画面踩点同步”或“添加标题：霓虹之夜”。"
    ),
    "console_upload_hint": "📎 输入 /upload 路径 来添加文件。支持：{accepted}。",
    "console_no_file": "⚠️ {path} 不存在。",
    "console_unknown_command": "未知命令 {command}。输入 /help 查看命令列表。",
    "console_waiting": "⏳ 正在等待渲染完成…",
    "console_bye": "👋 再见。",
    "console_saved": "💾 视频已保存到 {path}",
    "console_save_failed": "⚠️ 没能保存视频副本；上面的链接仍然可用。",
    "credits_register": "免费注册即可获得更多积分并保留你的项目：{register_url}",
    "credits_local_studio": "无需注册：这是 Beatthread 的本地工作室，免费，运行在本机。",
    "ready_next": (
        "试试：“画面踩点同步”、“添加标题：霓虹之夜”，然后用 `/export` 导出。`/status` 查看时间线。"
    ),
    "button_export": "导出",
    "button_timeline": "查看时间线",
    "button_cancel": "取消",
    "button_retry": "重试",
    "export_stage_pending": "等待开始",
    "export_stage_processing": "渲染中",
    "export_status": "🎬 **正在渲染视频** · {stage} · {progress}%\n预计完成 {eta}",
    "export_status_done": "✅ **视频已完成**：见下方。",
    "export_status_stalled": (
        "⏳ **渲染已经有一阵子没有进展了。** 它仍可能完成，完成后我会发出来；"
        "你也可以取消，或重新渲染。"
    ),
    "export_status_failed": "❌ **渲染失败。** 导出是免费的，没有扣除积分。点“重试”重新渲染。",
    "export_status_cancelled": "⏹️ **导出已取消**（{name}）。",
    "export_requested": "🎬 已提交导出：{format} · {resolution}。进度会显示在这个帖子里。",
    "export_already_finished": "这次导出已经结束了。",
    "export_limit": "⏳ 你已经有 {limit} 个导出正在渲染。请等其中一个完成（或取消）后再试。",
    "queue_limit": "🕒 你已经有 {limit} 条消息在排队了。等我处理完这些再发吧。",
    "not_a_track_thread": (
        "这个功能要在 Beatthread 的曲目帖子里使用。先发一首曲子（或用 `/track`）开始。"
    ),
    "not_your_thread": "只有发起这个帖子的人，或有“管理帖子”权限的成员，才能使用这个按钮。",
    "track_no_file": "这条消息没有附件。请附上音频或视频文件后再试。支持：{accepted}。",
    "track_opened": "🎵 已为 **{title}** 开启 {thread}。",
    "track_needs_channel": "请在服务器中我能开帖子的文字频道里使用。",
    "track_existing": "🎵 这条消息已经有帖子了：{thread}。请在那里继续。",
    "turn_interrupted": (
        "⚠️ 处理这里的一条消息时我重启了。为避免重复扣费，我没有重发。下面是 NemoVideo 现在的内容；"
        "如果没有看到那条消息的修改，请再发一次。"
    ),
    "credits_title": "💳 积分",
    "credits_available": "可用",
    "credits_frozen": "冻结",
    "credits_total": "总计",
    "help_title": "🎬 Beatthread",
    "help_body": (
        "在关注的频道发一首曲子（MP3、WAV、MP4 等），或使用 `/track`，或在消息的“应用”菜单里选"
        "**制作音乐视频**。我会为它开一个帖子，在帖子里直接和我说话即可，不用 @我，"
        "例如“画面踩点同步”或“添加标题：霓虹之夜”。\n"
        "`/status` 查看时间线，`/export` 渲染 MP4，`/credits` 查看积分。"
    ),
    "discord_forbidden": "⚠️ 我在这里缺少相应的 Discord 权限。请管理员检查我的角色权限。",
    "discord_failed": "⚠️ Discord 暂时没有接受这个请求，请再试一次。",
    "command_gone": "这个命令已不再可用。请用 /help 查看现有命令，或直接在曲目帖子里留言。",
    "selfcheck_missing": (
        "⚠️ Beatthread 在这个频道缺少权限：{missing}。请管理员为机器人的角色授予这些权限，"
        "否则无法处理在这里发布的曲子。"
    ),
    "cmd_track_name": "曲目",
    "cmd_track_description": "为音频或视频文件开一个音乐视频帖子",
    "cmd_track_file_name": "文件",
    "cmd_track_file_description": "曲目文件（MP3、WAV、M4A、AAC、MP4、MOV 等）",
    "cmd_make_video_name": "制作音乐视频",
    "cmd_credits_name": "积分",
    "cmd_credits_description": "查看 NemoVideo 积分余额",
    "cmd_export_name": "导出",
    "cmd_export_description": "把这个帖子的视频渲染成 MP4",
    "cmd_export_resolution_name": "分辨率",
    "cmd_export_resolution_description": "视频分辨率（默认 1080p）",
    "cmd_status_name": "状态",
    "cmd_status_description": "查看这个帖子的时间线",
    "cmd_help_name": "帮助",
    "cmd_help_description": "Beatthread 使用说明",
    "upload_empty": "⚠️ **{filename}** 是空文件。",
    "upload_too_large": "⚠️ **{filename}** 太大了（上限 {limit_mb} MB）。请压缩或剪短后再试。",
    "upload_unsupported": "⚠️ 无法使用 **{filename}**：不支持 .{extension} 文件。支持：{accepted}。",
    "upload_spoofed": (
        "⚠️ **{filename}** 看起来不是真正的 {claimed} 文件。请从你的软件重新导出。支持：{accepted}。"
    ),
    "upload_failed": "⚠️ 上传 **{filename}** 失败，请重试。",
    "accepted_audio": "音频 {formats}",
    "accepted_video": "视频 {formats}",
    "accepted_image": "图片 {formats}",
    "kind_audio": "音频",
    "kind_video": "视频",
    "kind_image": "图片",
    "list_separator": "；",
    "unknown_format": "媒体",
    "timeline_header_one": "时间线（1 条轨道）：",
    "timeline_header_many": "时间线（{count} 条轨道）：",
    "timeline_empty": "时间线（0 条轨道）：还是空的。",
    "track_video": "视频",
    "track_bgm": "背景音乐",
    "track_title": "标题",
    "track_other": "轨道",
    "track_labelled": "{kind}：{label}",
    "with_details": "{head}（{details}）",
    "track_more_labels": "另有 {count} 个",
    "seconds": "{value}秒",
    "details_separator": "，",
    "quoted": "“{text}”",
    "diff_added": "新增{track}：{summary}",
    "diff_removed": "移除{track}：{summary}",
    "diff_title_text": "{track}的文字：{old} → {new}",
    "diff_label": "{track}：{old} → {new}",
    "diff_volume": "{track}的音量：{old} → {new}",
    "diff_duration": "{track}的时长：{old} → {new}",
    "diff_moved": "{track}的位置：{old} → {new}",
    "diff_segments": "{track}的片段数：{old} → {new}",
    "diff_total_duration": "总时长：{old} → {new}",
    "diff_track_name": "{kind}轨道",
    "diff_track_name_numbered": "第 {number} 条{kind}轨道",
    "diff_track_other": "轨道",
    "diff_track_other_numbered": "第 {number} 条轨道",
    "diff_none": "（无）",
}

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": _EN, "zh": _ZH}
"""The catalogues by base language; exposed for the parity test."""


def is_chinese(lang: str | None) -> bool:
    """Whether ``lang`` selects the Chinese texts (any ``zh`` code)."""
    return bool(lang) and str(lang).strip().lower().replace("_", "-").split("-")[0] == "zh"


def base_language(lang: str | None) -> str:
    """``"zh"`` or ``"en"``: the catalogue that ``lang`` selects."""
    return "zh" if is_chinese(lang) else "en"


def text(key: str, lang: str | None, **kwargs: object) -> str:
    """The text for ``key`` in the language ``lang``, with ``kwargs`` filled in."""
    return CATALOGUES[base_language(lang)][key].format(**kwargs)


def placeholders(template: str) -> frozenset[str]:
    """The ``{names}`` a template uses; for the parity test and for callers that check."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


def accepted_formats(lang: str | None) -> str:
    """The accepted formats as one line, e.g. ``audio MP3, WAV, M4A, AAC; video MP4, …``."""
    groups = []
    for kind in (MediaKind.AUDIO, MediaKind.VIDEO, MediaKind.IMAGE):
        names = ", ".join(f.extension.upper() for f in ACCEPTED_FORMATS.values() if f.kind is kind)
        groups.append(text(f"accepted_{kind.value}", lang, formats=names))
    return text("list_separator", lang).join(groups)


def export_ready_text(lang: str | None, url: str, project_url: str | None) -> str:
    """The finished video's words: its MP4 link, and the project link when there is one."""
    lines = [text("export_ready", lang, url=url)]
    if project_url is not None:
        lines.append(text("export_project", lang, project_url=project_url))
    return "\n".join(lines)


def export_post_text(
    lang: str | None, url: str, project_url: str | None, attached: Attached
) -> str:
    """The finished video's post in a chat, showing only the links people there can open.

    A link that is not public (:func:`~bot.core.links.is_public_url`: the local backend on the
    admin's machine) is left out: the attached file is the delivery, and with nothing
    attached the post says the video is on the bot's host and how the admin gives it a public
    address. A public link stays beside a smaller copy, for the full quality.
    """
    link = url if is_public_url(url) else None
    if attached is Attached.SMALLER_COPY:
        lines = [text("export_ready_smaller", lang)]
        if link is not None:
            lines.append(text("export_full_quality", lang, url=link))
    elif link is not None:
        lines = [text("export_ready", lang, url=link)]
    elif attached is Attached.ORIGINAL:
        lines = [text("export_ready_attached", lang)]
    else:
        lines = [text("export_ready_on_host", lang)]
    if project_url is not None and is_public_url(project_url):
        lines.append(text("export_project", lang, project_url=project_url))
    return "\n".join(lines)


def media_kind_name(kind: MediaKind, lang: str | None) -> str:
    """``audio`` / ``音频`` and so on."""
    return text(f"kind_{kind.value}", lang)


def rejection_text(check: MediaCheck, lang: str | None, *, max_bytes: int | None = None) -> str:
    """The friendly message for a rejected file; ``max_bytes`` is the limit that applied.

    Raises ``ValueError`` for a file that was accepted.
    """
    accepted = accepted_formats(lang)
    name = check.filename
    match check.reason:
        case Rejection.EMPTY:
            return text("upload_empty", lang, filename=name)
        case Rejection.TOO_LARGE:
            limit = max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES
            limit_mb = round(limit / (1024 * 1024))
            return text("upload_too_large", lang, filename=name, limit_mb=limit_mb)
        case Rejection.UNSUPPORTED_TYPE:
            extension = check.extension or "?"
            return text(
                "upload_unsupported", lang, filename=name, extension=extension, accepted=accepted
            )
        case Rejection.SPOOFED:
            claimed = check.extension.upper() if check.extension else text("unknown_format", lang)
            return text("upload_spoofed", lang, filename=name, claimed=claimed, accepted=accepted)
        case None:
            raise ValueError("the file was accepted; there is nothing to reject")

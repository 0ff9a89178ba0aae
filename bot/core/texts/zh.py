# ruff: noqa: RUF001 - Chinese texts use full-width punctuation on purpose.
"""The 简体中文 catalogue (keys and placeholders as in :mod:`.en`)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
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
    "export_dm_thread": "帖子里也有：{link}",
    "edit_not_rendered": "⚠️ 这次编辑没有改变时间线，所以我没有渲染。",
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
    "button_export_720p": "再导出 · 720p",
    "button_export_1080p": "再导出 · 1080p",
    "button_vertical": "竖屏 9:16",
    "button_square": "方形 1:1",
    "card_title": "你的视频",
    "card_length": "时长",
    "card_resolution": "分辨率",
    "card_aspect": "画面比例",
    "card_size": "文件大小",
    "shape_vertical": "竖屏 9:16",
    "shape_square": "方形 1:1",
    "reshape_words_vertical": "改成竖屏 9:16",
    "reshape_words_square": "改成方形 1:1",
    "reshape_requested": "🎬 正在改成{shape}，然后导出。进度会显示在这个帖子里。",
    "reshape_unavailable": (
        "这个按钮只适用于 Beatthread 的本地工作室：请直接用文字说明想要的画面比例。"
    ),
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
        "`/status` 查看时间线，`/export` 渲染 MP4，`/credits` 查看积分，"
        "`/history` 列出你的视频，`/settings` 是你的个人设置。"
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
    "cmd_export_resolution_description": "视频分辨率（默认：你在 /settings 里选的）",
    "cmd_status_name": "状态",
    "cmd_status_description": "查看这个帖子的时间线",
    "cmd_help_name": "帮助",
    "cmd_help_description": "Beatthread 使用说明",
    "cmd_settings_name": "设置",
    "cmd_settings_description": "你的个人设置：默认分辨率、私信发送视频、回复语言",
    "cmd_history_name": "历史",
    "cmd_history_description": "你最近导出的视频",
    "settings_title": "⚙️ **你的设置**",
    "settings_resolution": "默认分辨率：**{resolution}**（导出未指定分辨率时使用）",
    "settings_dm": "完成的视频也私信发给我：**{state}**",
    "settings_language": "回复语言：**{language}**",
    "settings_on": "开",
    "settings_off": "关",
    "settings_language_auto": "自动",
    "settings_language_en": "English",
    "settings_language_zh": "中文",
    "settings_language_auto_description": "跟随你的 Discord 语言，否则跟随服务器",
    "settings_resolution_placeholder": "默认分辨率",
    "settings_language_placeholder": "回复语言",
    "settings_dm_button": "私信发送视频：{state}",
    "settings_saved_resolution": "✅ 已保存：未指定分辨率的导出将按 {resolution} 渲染。",
    "settings_saved_dm_on": "✅ 已保存：每个完成的视频也会私信发给你。",
    "settings_saved_dm_off": "✅ 已保存：完成的视频只发在它的帖子里。",
    "settings_saved_language": "✅ 已保存：我会用{language}回复，你已有的帖子也一样。",
    "settings_saved_language_auto": (
        "✅ 已保存：新帖子将跟随你的 Discord 语言（已有的帖子保持原样）。"
    ),
    "history_title": "🎞️ **你的视频**（第 {page}/{pages} 页）",
    "history_entry": "{number}. {thread} · {date} · {length} · {link}",
    "history_link": "[观看](<{url}>)",
    "history_length_unknown": "时长未知",
    "history_empty": (
        "🎞️ 还没有视频。先发一首曲子（或用 `/track`），在帖子里编辑好，再用 `/export`："
        "你的视频会列在这里。"
    ),
    "history_previous": "◀ 上一页",
    "history_next": "下一页 ▶",
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

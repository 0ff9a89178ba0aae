"""The English catalogue (keys and placeholders as in :mod:`.zh`)."""

from __future__ import annotations

from typing import Final

EN: Final[dict[str, str]] = {
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
    "export_dm_thread": "It's in its thread too: {link}",
    "edit_not_rendered": "⚠️ That edit left the timeline as it was, so I rendered nothing.",
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
    "button_export_720p": "Export again · 720p",
    "button_export_1080p": "Export again · 1080p",
    "button_vertical": "Vertical 9:16",
    "button_square": "Square 1:1",
    "card_title": "Your video",
    "card_length": "Length",
    "card_resolution": "Resolution",
    "card_aspect": "Aspect",
    "card_size": "File size",
    "shape_vertical": "vertical 9:16",
    "shape_square": "square 1:1",
    # The words a card's Vertical / Square button sends to the local studio as a chat turn.
    "reshape_words_vertical": "make it vertical 9:16",
    "reshape_words_square": "make it square 1:1",
    "reshape_requested": "🎬 Making it {shape}, then exporting. The progress shows in this thread.",
    "reshape_unavailable": (
        "That button works with Beatthread's local studio only: ask for the shape in your own "
        "words instead."
    ),
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
        "`/status` shows the timeline, `/export` renders the MP4, `/credits` shows your balance, "
        "`/history` lists your videos and `/settings` holds your own choices."
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
    "cmd_export_resolution_description": "Video resolution (default: yours in /settings)",
    "cmd_status_name": "status",
    "cmd_status_description": "Show this thread's timeline",
    "cmd_help_name": "help",
    "cmd_help_description": "How to use Beatthread",
    "cmd_settings_name": "settings",
    "cmd_settings_description": "Your own settings: default resolution, video by DM, language",
    "cmd_history_name": "history",
    "cmd_history_description": "Your last exported videos",
    # --- /settings ----------------------------------------------------------------------
    "settings_title": "⚙️ **Your settings**",
    "settings_resolution": "Default resolution: **{resolution}** (for exports that name none)",
    "settings_dm": "DM me the finished video: **{state}**",
    "settings_language": "Reply language: **{language}**",
    "settings_on": "on",
    "settings_off": "off",
    "settings_language_auto": "Automatic",
    "settings_language_en": "English",
    "settings_language_zh": "中文",
    "settings_language_auto_description": "Your Discord language, else the server's",
    "settings_resolution_placeholder": "Default resolution",
    "settings_language_placeholder": "Reply language",
    "settings_dm_button": "DM me the video: {state}",
    "settings_saved_resolution": (
        "✅ Saved: exports that name no resolution render at {resolution}."
    ),
    "settings_saved_dm_on": "✅ Saved: I'll also DM you each finished video.",
    "settings_saved_dm_off": "✅ Saved: finished videos go to their thread only.",
    "settings_saved_language": "✅ Saved: I'll reply in {language}, in your threads too.",
    "settings_saved_language_auto": (
        "✅ Saved: new threads reply in your Discord language (threads you have keep theirs)."
    ),
    # --- /history -----------------------------------------------------------------------
    "history_title": "🎞️ **Your videos** (page {page} of {pages})",
    "history_entry": "{number}. {thread} · {date} · {length} · {link}",
    "history_link": "[Watch](<{url}>)",
    "history_length_unknown": "length unknown",
    "history_empty": (
        "🎞️ No videos yet. Post a track (or use `/track`), shape it in its thread, then "
        "`/export`: your videos will be listed here."
    ),
    "history_previous": "◀ Previous",
    "history_next": "Next ▶",
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
    # --- timeline summary (timeline/summary.py) ----------------------------------------
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
    # --- timeline diff (timeline/changes.py) --------------------------------------------
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

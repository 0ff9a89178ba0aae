# ruff: noqa: RUF001 - Chinese texts use full-width punctuation on purpose.
"""The studio agent's replies (EN, 中文): ``str.format`` templates keyed like :mod:`bot.core.texts`.

Both catalogues have the same keys and the same ``{placeholders}`` (a test holds them to it).
"""

from __future__ import annotations

from typing import Final

_EN: Final[dict[str, str]] = {
    # --- one line per change ---------------------------------------------------------------
    "done": "Done: {changes}.",
    "separator": "; ",
    "cuts_energy": "synced to the beat: {cuts} cuts at {bpm} BPM, more in the loud parts",
    "cuts_grid": "cut on {grid}: {cuts} cuts at {bpm} BPM",
    "grid_beat_one": "every beat",
    "grid_beat_many": "every {every} beats",
    "grid_bar_one": "every bar",
    "grid_bar_many": "every {every} bars",
    "tempo": "counting the beat at {bpm} BPM ({how})",
    "tempo_half": "half time",
    "tempo_double": "double time",
    "tempo_detected": "as detected",
    "title_set": 'title "{text}" at {start}–{end}',
    "title_added": 'added another title "{text}" at {start}–{end}',
    "title_moved": 'moved the title "{text}" to {start}–{end}',
    "title_removed": "removed the title",
    "titles_removed": "removed {count} titles",
    "canvas": "{aspect} canvas, {width}x{height}",
    "aspect_9:16": "vertical 9:16",
    "aspect_1:1": "square 1:1",
    "aspect_16:9": "widescreen 16:9",
    "style": "{style} style",
    "style_neon": "neon",
    "style_warm": "warm",
    "style_ocean": "ocean blue",
    "style_mono": "black and white",
    "style_glitch": "glitch",
    "style_sunset": "sunset",
    "fade_in": "fade in over {seconds} s",
    "fade_out": "fade out over {seconds} s",
    "fade_both": "fade in and out over {seconds} s",
    "fades_removed": "no fades",
    "fade_in_removed": "no fade in",
    "fade_out_removed": "no fade out",
    "span": "using {start}–{end} of the track ({length})",
    "span_whole": "using the whole track ({length})",
    "visuals": "cutting across your {what}",
    "photos_one": "1 photo",
    "photos_many": "{count} photos",
    "clips_one": "1 clip",
    "clips_many": "{count} clips",
    "and": " and ",
    "volume": "music volume {percent}%",
    # --- honest caveats --------------------------------------------------------------------
    "steady": "I couldn't find a beat in this track, so cuts follow a steady {bpm} BPM grid",
    "no_analysis": (
        "this track has no beat analysis (yet), so cuts follow a steady {bpm} BPM grid"
    ),
    "fastest": "cuts are already on every beat, the fastest grid I cut on",
    "slowest": "cuts are already every 4 bars, the slowest grid I cut on",
    "grid_capped": "{asked} is more than I cut on, so I used {used}",
    "tempo_unchecked": (
        "I have no beat analysis of this track, so I couldn't check it against {stated} BPM"
    ),
    "tempo_far": (
        "you said {stated} BPM; the beat I found is {heard} BPM, and the nearest half or double "
        "of it is {used} BPM"
    ),
    "title_cut": "a title of {length} characters was shortened to {limit}",
    "title_late": "the video is only {length} long, so the title starts at {start}",
    "no_title": "there is no title yet",
    "no_drop_title": "I couldn't tell where the drop is in this track, so I used {time}",
    "no_drop_start": "I couldn't tell where the drop is in this track, so the start stays",
    "no_track": (
        "there is no track to cut yet: attach your song to a message in this thread (in the "
        "console: /upload PATH)"
    ),
    "no_intro": "I couldn't tell where the intro ends in this track, so the start stays at 0:00",
    "span_past_end": "the track is only {length} long, so I couldn't start at {start}",
    "span_clamped": "the track is only {length} long, so the video runs to its end",
    "span_empty": "that would leave nothing of the track, so the span stays as it was",
    "length_unknown": "I don't know how long the track is, so the length stays as it was",
    "no_visuals": (
        "your project has no photos or clips yet: attach images or clips to a message in this "
        "thread (in the console: /upload PATH), then ask again"
    ),
    "no_music": "there is no music track yet, so there is no volume to change",
    "volume_limit": "the music is already at {percent}%",
    "no_footage": (
        "I can't generate footage here (that is NemoVideo's Seedance, in the cloud): the local "
        "studio draws audio-reactive visuals ({styles}) or cuts your own photos and clips"
    ),
    "no_stock": "I can't add stock footage: the studio uses generated visuals or your uploads",
    "no_lyrics": (
        "I can't transcribe lyrics or add subtitles: the text I can add is titles at set times"
    ),
    # --- what the studio can do, and what the video looks like ---------------------------
    "capabilities": (
        "Here's what I can do with your track: sync the cuts to the beat (every beat, every 2 "
        "beats, every bar or every few bars, faster or slower, half or double time), add, move "
        "or remove titles at set times, make it vertical 9:16, square 1:1 or widescreen 16:9, "
        "pick a style ({styles}), fade in and out, trim it or choose where it starts, cut your "
        "uploaded photos and clips to the beat, and set the music volume. I can't generate "
        "footage, add stock footage or transcribe lyrics: I draw audio-reactive visuals instead."
    ),
    "describe_canvas": "A {size} {aspect} video, {length} long, in the {style} style.",
    "describe_cuts": "{cuts} cuts {rhythm} over {visuals}{titles}.",
    "describe_no_cuts": "Nothing is cut yet: ask me to sync it to the beat{titles}.",
    "rhythm_energy": "following the energy at {bpm} BPM",
    "rhythm_grid": "on {grid} at {bpm} BPM",
    "visuals_generated": "generated visuals",
    "visuals_uploads": "{count} of your photos and clips",
    "describe_title": ', with the title "{text}" at {start}',
    "describe_titles": ", with {count} titles",
}

_ZH: Final[dict[str, str]] = {
    "done": "好了：{changes}。",
    "separator": "；",
    "cuts_energy": "已卡点：{cuts} 个剪辑点，{bpm} BPM，激烈的段落切得更密",
    "cuts_grid": "{grid}切一次：{cuts} 个剪辑点，{bpm} BPM",
    "grid_beat_one": "每拍",
    "grid_beat_many": "每 {every} 拍",
    "grid_bar_one": "每小节",
    "grid_bar_many": "每 {every} 小节",
    "tempo": "按 {bpm} BPM 数拍（{how}）",
    "tempo_half": "半速",
    "tempo_double": "双倍速",
    "tempo_detected": "按检测到的速度",
    "title_set": "标题“{text}”，{start}–{end}",
    "title_added": "又加了一个标题“{text}”，{start}–{end}",
    "title_moved": "标题“{text}”移到了 {start}–{end}",
    "title_removed": "删除了标题",
    "titles_removed": "删除了 {count} 个标题",
    "canvas": "{aspect}画面，{width}x{height}",
    "aspect_9:16": "竖屏 9:16 ",
    "aspect_1:1": "方形 1:1 ",
    "aspect_16:9": "横屏 16:9 ",
    "style": "{style}风格",
    "style_neon": "霓虹",
    "style_warm": "暖色",
    "style_ocean": "海洋蓝",
    "style_mono": "黑白",
    "style_glitch": "故障",
    "style_sunset": "日落",
    "fade_in": "淡入 {seconds} 秒",
    "fade_out": "淡出 {seconds} 秒",
    "fade_both": "淡入淡出各 {seconds} 秒",
    "fades_removed": "去掉了淡入淡出",
    "fade_in_removed": "去掉了淡入",
    "fade_out_removed": "去掉了淡出",
    "span": "使用音轨的 {start}–{end}（时长 {length}）",
    "span_whole": "使用整首音轨（{length}）",
    "visuals": "用你的{what}剪辑",
    "photos_one": " 1 张照片",
    "photos_many": " {count} 张照片",
    "clips_one": " 1 段视频",
    "clips_many": " {count} 段视频",
    "and": "和",
    "volume": "音乐音量 {percent}%",
    "steady": "这首曲子里找不到明显的节拍，所以剪辑点按固定的 {bpm} BPM 排列",
    "no_analysis": "这首曲子（还）没有节拍分析，所以剪辑点按固定的 {bpm} BPM 排列",
    "fastest": "现在已经是每拍切一次，这是最快的节奏",
    "slowest": "现在已经是每 4 小节切一次，这是最慢的节奏",
    "grid_capped": "{asked}太长了，我改成了{used}",
    "tempo_unchecked": "这首曲子没有节拍分析，所以我没法对照 {stated} BPM 校正",
    "tempo_far": ("你说是 {stated} BPM；我检测到的是 {heard} BPM，最接近的减半或加倍是 {used} BPM"),
    "title_cut": "标题有 {length} 个字符，已缩短到 {limit} 个",
    "title_late": "视频只有 {length} 长，所以标题从 {start} 开始",
    "no_title": "现在还没有标题",
    "no_drop_title": "我没找到这首曲子的高潮，所以用了 {time}",
    "no_drop_start": "我没找到这首曲子的高潮，所以开始位置不变",
    "no_track": "还没有可以剪辑的曲子：在这个帖子里发消息附上你的歌（控制台里用 /upload PATH）",
    "no_intro": "我没找到前奏在哪里结束，所以还是从 0:00 开始",
    "span_past_end": "音轨只有 {length} 长，没法从 {start} 开始",
    "span_clamped": "音轨只有 {length} 长，所以视频一直到结尾",
    "span_empty": "这样音轨就什么都不剩了，所以范围保持不变",
    "length_unknown": "我不知道音轨有多长，所以长度保持不变",
    "no_visuals": (
        "项目里还没有照片或视频：在这个帖子里发消息附上图片或视频（控制台里用 /upload PATH），"
        "然后再说一次"
    ),
    "no_music": "还没有音乐轨道，所以没有音量可以调",
    "volume_limit": "音乐音量已经是 {percent}%",
    "no_footage": (
        "我在这里没法生成视频素材（那是 NemoVideo 云端的 Seedance）：本地工作室画的是随音乐"
        "变化的视觉效果（{styles}），或者剪辑你自己的照片和视频"
    ),
    "no_stock": "我没法添加素材库视频：工作室用生成的视觉效果或你上传的素材",
    "no_lyrics": "我没法识别歌词或加字幕：我能加的文字是定时出现的标题",
    "capabilities": (
        "我可以这样处理你的曲子：按节拍卡点（每拍、每两拍、每小节或每几小节，切得更快或更慢，"
        "半速或双倍速），在指定时间添加、移动或删除标题，改成竖屏 9:16、方形 1:1 或横屏 16:9，"
        "选择风格（{styles}），淡入淡出，剪短或选择从哪里开始，把你上传的照片和视频按节拍剪辑，"
        "以及调整音乐音量。我没法生成视频素材、添加素材库视频或识别歌词：我画的是随音乐变化的"
        "视觉效果。"
    ),
    "describe_canvas": "{size} {aspect}视频，时长 {length}，{style}风格。",
    "describe_cuts": "{cuts} 个剪辑点，{rhythm}，画面用{visuals}{titles}。",
    "describe_no_cuts": "还没有剪辑点：让我按节拍卡点就行{titles}。",
    "rhythm_energy": "随能量变化，{bpm} BPM",
    "rhythm_grid": "{grid}一切，{bpm} BPM",
    "visuals_generated": "生成的视觉效果",
    "visuals_uploads": "你的 {count} 个照片和视频",
    "describe_title": "，标题“{text}”在 {start}",
    "describe_titles": "，共 {count} 个标题",
}

CATALOGUES: Final = {"en": _EN, "zh": _ZH}


def say(key: str, language: str, **values: object) -> str:
    """The text for ``key`` in ``language`` (``"en"`` or ``"zh"``), with ``values`` filled in."""
    return CATALOGUES[language][key].format(**values)

# ruff: noqa: RUF001 - CJK punctuation is the point of some cases.
"""Stream chunker: Discord-sized, display-ready messages that add up to the streamed text."""

import random
import re

import pytest

from bot.core.streaming import (
    DISCORD_MESSAGE_LIMIT,
    MessageChunker,
    is_grapheme_boundary,
    truncate,
)

LANGUAGE_TAG = re.compile(r"([A-Za-z0-9_+\-.#]{1,20})?\n")


def run(text: str, limit: int, step: int) -> list[str]:
    """Feed ``text`` in ``step``-sized deltas; check the live message on the way."""
    chunker = MessageChunker(limit)
    pieces: list[str] = []
    for start in range(0, len(text), step):
        chunker.feed(text[start : start + step])
        pieces += chunker.pop_complete()
        assert len(chunker.current()) <= limit
    return pieces + chunker.finish()


def without_fences(*texts: str) -> str:
    """The texts joined, with fences and newlines removed: what chunking must preserve.

    Splitting inside a code block adds a closing fence (after a newline if needed) and reopens
    the block in the next message; modulo those, the messages must spell out the input. Each
    text is read on its own, as Discord reads each message: every triple backtick toggles a
    block and an opening one may carry a language tag.
    """
    return "".join(_strip_fences(text) for text in texts)


def _strip_fences(text: str) -> str:
    kept: list[str] = []
    position, is_open = 0, False
    while (fence := text.find("```", position)) != -1:
        kept.append(text[position:fence])
        position = fence + 3
        if not is_open and (tag := LANGUAGE_TAG.match(text, position)):
            position = tag.end()
        is_open = not is_open
    kept.append(text[position:])
    return "".join(kept).replace("\n", "")


PROSE = " ".join(
    f"Sentence {i} explains the edit." + ("\n\n" if i % 7 == 0 else "") for i in range(300)
)
LINES = "\n".join(f"- line {i}: keep the neon look" for i in range(300))
ONE_WORD_RUN = "x" * 5000
CJK = ("这是一个很长的中文句子，用来测试没有空格的切分。" * 200)[:5000]
CJK_NO_PUNCT = "没有标点符号的中文" * 500
EMOJI = "🎵 " + "👨‍👩‍👧‍👦🏳️‍🌈🇯🇵👍🏽é̃1️⃣" * 400
MIXED = PROSE[:1500] + "\n\n```python\n" + "print('hi')\n" * 30 + "```\n\n" + CJK[:800]

PLAIN_TEXTS = [PROSE, LINES, ONE_WORD_RUN, CJK, CJK_NO_PUNCT, EMOJI, MIXED, "", "short"]


@pytest.mark.parametrize("text", PLAIN_TEXTS)
@pytest.mark.parametrize("limit", [DISCORD_MESSAGE_LIMIT, 200, 50])
@pytest.mark.parametrize("step", [1, 13, 400, 100_000])
def test_plain_text_round_trips(text: str, limit: int, step: int) -> None:
    """No character is lost or added, and no message exceeds the limit."""
    pieces = run(text, limit, step)
    assert all(len(piece) <= limit for piece in pieces)
    if "```" not in text:
        assert "".join(pieces) == text
    assert without_fences(*pieces) == without_fences(text)
    assert all(piece.strip() for piece in pieces)


@pytest.mark.parametrize("step", [1, 7, 100_000])
def test_splits_prefer_paragraphs(step: int) -> None:
    """A paragraph break in the second half of the window is where a message ends."""
    text = ("a" * 80 + "\n\n") * 3 + ("b " * 100)
    pieces = run(text, 200, step)
    assert pieces[0] == "a" * 80 + "\n\n" + "a" * 80 + "\n\n"


def test_splits_prefer_lines_over_sentences() -> None:
    """Without paragraphs, a line break wins over a sentence end."""
    text = "One. Two. Three.\n" * 20
    pieces = run(text, 100, 100_000)
    assert all(piece.endswith("\n") for piece in pieces[:-1])


def test_splits_prefer_sentences_over_words() -> None:
    """Without line breaks, a sentence end wins over a space."""
    text = "This is a sentence that goes on. " * 20
    pieces = run(text, 100, 100_000)
    assert all(piece.endswith(". ") for piece in pieces[:-1])


def test_cjk_splits_after_sentence_punctuation() -> None:
    """Chinese sentences end at 。 without a space, and that is where the split goes."""
    text = "今天我们把标题改成霓虹风格。" * 30
    pieces = run(text, 100, 100_000)
    assert all(piece.endswith("。") for piece in pieces)
    assert "".join(pieces) == text


def test_far_back_paragraph_is_not_used() -> None:
    """A paragraph break early in the window does not make a tiny message."""
    text = "tiny\n\n" + "word " * 100
    pieces = run(text, 200, 100_000)
    assert len(pieces[0]) > 100


def test_code_block_moves_to_the_next_message_when_it_fits() -> None:
    """A code block that fits in a message is never split."""
    code = "```python\n" + "x = 1\n" * 20 + "```\n"
    text = "Intro sentence. " * 8 + "\n" + code + "After."
    pieces = run(text, 200, 5)
    assert any(piece.startswith(code) for piece in pieces)
    assert all(piece.count("```") % 2 == 0 for piece in pieces)
    assert "".join(pieces) == text


@pytest.mark.parametrize("step", [1, 11, 100_000])
def test_long_code_block_is_closed_and_reopened(step: int) -> None:
    """A block longer than a message keeps rendering as code in every piece, same language."""
    body = "".join(f"value_{i} = compute({i})\n" for i in range(60))
    text = "Here is the script:\n```python\n" + body + "```\nThat's all."
    pieces = run(text, 200, step)
    assert all(len(piece) <= 200 for piece in pieces)
    code_pieces = [piece for piece in pieces if "value_" in piece]
    assert len(code_pieces) > 3
    for piece in code_pieces[1:]:
        assert piece.startswith("```python\n")
    for piece in code_pieces[:-1]:
        assert piece.endswith("\n```")
    assert all(piece.count("```") % 2 == 0 for piece in pieces)
    # Every code line arrives whole, exactly once, in order.
    lines = [line for piece in pieces for line in piece.splitlines() if line.startswith("value_")]
    assert lines == body.splitlines()


def test_code_block_with_one_huge_line_is_hard_cut_inside_fences() -> None:
    """Even a single line longer than a message is cut, fenced on both sides."""
    text = "```\n" + "y" * 500 + "\n```"
    pieces = run(text, 100, 100_000)
    assert all(len(piece) <= 100 for piece in pieces)
    assert all(piece.startswith("```") and piece.endswith("```") for piece in pieces)
    assert "".join(p.removeprefix("```\n").removesuffix("\n```") for p in pieces) == "y" * 500


def test_current_message_closes_an_open_fence() -> None:
    """The live message renders as code while the block streams in."""
    chunker = MessageChunker(100)
    chunker.feed("Look:\n```js\nconst a = 1;")
    assert chunker.current() == "Look:\n```js\nconst a = 1;\n```"
    chunker.feed("\n")
    assert chunker.current() == "Look:\n```js\nconst a = 1;\n```"
    chunker.feed("```\nDone.")
    assert chunker.current() == "Look:\n```js\nconst a = 1;\n```\nDone."


def test_unclosed_fence_is_closed_at_finish() -> None:
    """A stream that ends inside a code block still ends with valid markdown."""
    chunker = MessageChunker()
    chunker.feed("```\nunfinished")
    assert chunker.finish() == ["```\nunfinished\n```"]


@pytest.mark.parametrize(
    "text",
    [
        "👨‍👩‍👧‍👦" * 60,  # ZWJ family sequences
        "🏳️‍🌈" * 60,  # flag with variation selector and ZWJ
        "🇯🇵🇫🇷" * 60,  # regional-indicator pairs
        "👍🏽" * 100,  # skin-tone modifiers
        "é̃" * 100,  # combining marks
        "1️⃣" * 100,  # keycaps
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿" * 20,  # tag sequence (Scotland)
    ],
)
def test_hard_cuts_keep_graphemes_whole(text: str) -> None:
    """An emoji or accented letter is never split between two messages."""
    pieces = run(text, 50, 100_000)
    assert "".join(pieces) == text
    offset = 0
    for piece in pieces[:-1]:
        offset += len(piece)
        assert is_grapheme_boundary(text, offset)


@pytest.mark.parametrize(
    ("text", "index", "boundary"),
    [
        ("ab", 1, True),
        ("e\u0301", 1, False),
        ("👨\u200d👩", 1, False),
        ("👨\u200d👩", 2, False),
        ("👍🏽", 1, False),
        ("🇯🇵🇫🇷", 1, False),
        ("🇯🇵🇫🇷", 2, True),
        ("🇯🇵🇫🇷", 3, False),
        ("\r\n", 1, False),
        ("a", 0, True),
        ("a", 1, True),
    ],
)
def test_is_grapheme_boundary(text: str, index: int, boundary: bool) -> None:
    """The boundary rule covers the sequences Discord users actually send."""
    assert is_grapheme_boundary(text, index) is boundary


def test_random_streams_round_trip() -> None:
    """Random mixes of prose, code, CJK and emoji, in random deltas, keep every property."""
    rng = random.Random(7)
    parts = [
        "Word ",
        "sentence ends. ",
        "\n",
        "\n\n",
        "中文句子。",
        "👨‍👩‍👧",
        "é̃",
        "\n```py\n",
        "\n```\n",
        "```js\n",
        "```",
        "code_line()\n",
        "x" * 120,
    ]
    for _ in range(300):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 120)))
        limit = rng.choice([50, 80, 200, 2000])
        chunker = MessageChunker(limit)
        pieces: list[str] = []
        position = 0
        while position < len(text):
            size = rng.randint(1, 300)
            chunker.feed(text[position : position + size])
            position += size
            pieces += chunker.pop_complete()
            assert len(chunker.current()) <= limit
        pieces += chunker.finish()
        assert all(len(piece) <= limit for piece in pieces)
        assert all(piece.strip() for piece in pieces)
        if "```" not in text:
            assert "".join(pieces) == text
        assert without_fences(*pieces) == without_fences(text)


def test_pop_complete_hands_out_each_message_once() -> None:
    """The front end posts each finished message exactly once."""
    chunker = MessageChunker(100)
    chunker.feed("a " * 120)
    first = chunker.pop_complete()
    assert first
    assert chunker.pop_complete() == []


def test_finish_resets_the_chunker() -> None:
    """After finish the chunker is empty and can be reused for the next reply."""
    chunker = MessageChunker()
    chunker.feed("hello")
    assert chunker.finish() == ["hello"]
    assert chunker.current() == ""
    assert chunker.finish() == []


def test_whitespace_only_stream_yields_nothing() -> None:
    """Discord refuses blank messages, so none are produced."""
    chunker = MessageChunker(50)
    chunker.feed(" \n " * 100)
    assert all(piece.strip() for piece in chunker.pop_complete() + chunker.finish())


def test_limit_must_leave_room_for_fences() -> None:
    """A limit too small for a reopened fence is a configuration error."""
    with pytest.raises(ValueError, match="at least"):
        MessageChunker(10)


NOTICE = "⚠️ cut"
LINES = "\n".join(f"{n}. Video: clip number {n} (0-2s)" for n in range(1, 200))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("x" * DISCORD_MESSAGE_LIMIT, "x" * DISCORD_MESSAGE_LIMIT),  # exactly fits: untouched
    ],
)
def test_truncate_leaves_what_fits(text: str, expected: str) -> None:
    """A message within the limit is sent as it is, with no notice."""
    assert truncate(text, NOTICE) == expected


@pytest.mark.parametrize(
    "text",
    [LINES, "y" * 5000, "```\n" + "code line\n" * 400 + "```", "👩‍👩‍👧" * 900],
)
def test_truncate_keeps_the_start_and_ends_with_the_notice(text: str) -> None:
    """Over the limit: the first message, cut as the chunker cuts, then the notice, all fitting."""
    cut = truncate(text, NOTICE)
    assert len(cut) <= DISCORD_MESSAGE_LIMIT
    assert cut.endswith("\n" + NOTICE)
    kept = cut.removesuffix("\n" + NOTICE)
    assert text.startswith(kept.removesuffix("```").rstrip())
    assert kept.count("```") % 2 == 0
    assert len(kept) > DISCORD_MESSAGE_LIMIT // 2


def test_truncate_cuts_a_list_at_a_line_break() -> None:
    """A long timeline keeps whole lines: the last one shown is complete."""
    kept = truncate(LINES, NOTICE).removesuffix("\n" + NOTICE)
    assert LINES.startswith(kept + "\n")

"""deliver: the last way a message reaches the user never exceeds Discord's limit silently."""

from __future__ import annotations

from bot.core.streaming import DISCORD_MESSAGE_LIMIT
from bot.core.texts import text
from bot.discord_app.errors import deliver


async def test_text_over_the_limit_is_cut_with_a_visible_notice():
    """A 3,000-character fallback text arrives cut at a line, saying it was cut (in 中文 too)."""
    sent: list[str] = []

    async def send(*, content: str) -> None:
        sent.append(content)

    long = "\n".join(f"line {n:04d} " + "x" * 40 for n in range(60))
    assert await deliver(send, "testing", long, lang="zh")
    (content,) = sent
    assert len(content) <= DISCORD_MESSAGE_LIMIT
    assert content.endswith(text("reply_truncated", "zh"))
    assert content.startswith("line 0000 ") and "line 0059" not in content


async def test_text_within_the_limit_is_sent_whole():
    sent: list[str] = []

    async def send(*, content: str) -> None:
        sent.append(content)

    assert await deliver(send, "testing", "short")
    assert sent == ["short"]

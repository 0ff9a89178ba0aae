"""Read-only use cases: the credit balance and the timeline summary.

* Credits: the balance; for an anonymous account also the register/bind link (contract §7),
  because registering is how it gets more credits and keeps its projects; on the local studio
  a line saying no registration is needed.
* State: the timeline summary (core.timeline) of the current draft. The draft read becomes the
  new snapshot: the user has now seen it, so the next "what changed" starts from here. A lost
  session is replaced first (the user is told), and the new, empty timeline is shown.
  The summary carries the parsed timeline too, so a front end can draw it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.core.errors import DomainError
from bot.core.replies import CreditsReply, ReplyEvent, TimelineSummary
from bot.core.texts import text
from bot.core.timeline import parse_draft, summarize
from bot.core.usecases.context import Conversation, Deps
from bot.core.usecases.explain import explain, is_local_studio, register_url
from bot.core.usecases.sessions import current_state, save_snapshot


async def credits(deps: Deps, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
    """The balance, with the register link for anonymous accounts."""
    lang = conversation.language
    try:
        balance = await deps.backend.credits()
    except DomainError as error:
        yield await explain(deps, lang, error)
        return
    link = await register_url(deps)
    lines = [text("credits_balance", lang, available=balance.available, frozen=balance.frozen)]
    if link is not None:
        lines.append(text("credits_register", lang, register_url=link))
    elif await is_local_studio(deps):
        lines.append(text("credits_local_studio", lang))
    yield CreditsReply(balance.available, balance.frozen, link, "\n".join(lines))


async def timeline(deps: Deps, conversation: Conversation) -> AsyncIterator[ReplyEvent]:
    """The timeline summary (the ``/status`` command)."""
    lang = conversation.language
    try:
        _, state, notice = await current_state(deps, conversation)
    except DomainError as error:
        yield await explain(deps, lang, error)
        return
    if notice is not None:
        yield notice
    await save_snapshot(deps, conversation, state.draft)
    parsed = parse_draft(state.draft)
    yield TimelineSummary(summarize(parsed, lang), parsed.is_exportable, parsed, state.music)

"""Fixtures of the use-case tests: the use cases over the real local backend and store."""

from __future__ import annotations

import itertools

import pytest

from bot.core.usecases import Conversation, UseCases
from tests.core.usecases_support import FAST, new_thread

#: Thread ids unique within a test run, whichever file asks.
_thread_ids = itertools.count(900_000)
#: The user who owns the fixture's conversation.
OWNER = 7


@pytest.fixture
def use_cases(nemo, store) -> UseCases:
    return UseCases(nemo, store, timings=FAST)


@pytest.fixture
async def conversation(use_cases) -> Conversation:
    return await use_cases.start_conversation(
        new_thread(next(_thread_ids), owner_user_id=OWNER, language="en")
    )

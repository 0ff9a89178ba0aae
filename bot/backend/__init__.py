"""NemoVideo adapter: the HTTP + SSE client, its auth lifecycle and its error tree."""

from bot.backend.auth import Authenticator
from bot.backend.client import Attribution, NemoClient, RetryPolicy
from bot.backend.uploads import file_source

__all__ = ["Attribution", "Authenticator", "NemoClient", "RetryPolicy", "file_source"]

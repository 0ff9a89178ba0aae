"""NemoVideo adapter: the endpoint client over its transport, the auth lifecycle, the errors."""

from bot.backend.auth import Authenticator
from bot.backend.client import NemoClient
from bot.backend.transport import Attribution, RetryPolicy

__all__ = ["Attribution", "Authenticator", "NemoClient", "RetryPolicy"]

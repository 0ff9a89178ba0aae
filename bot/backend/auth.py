"""Who we are to NemoVideo: the client id and token lifecycle (contract §1, §3.1, §6).

Order of preference: ``NEMO_TOKEN`` (an operator's token; never replaced) → the stored
anonymous token while it is valid → a new anonymous token requested with the persisted client
id. The client id is stored *before* the token is requested, so a crash in between still
reuses it (the backend allows one anonymous token per client id per 7 days).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.backend.errors import AuthError, ClientIdRejectedError
from bot.core.models import BackendIdentity
from bot.core.ports import IdentityStore
from bot.observability import register_secret

log = logging.getLogger(__name__)

#: A token this close to its expiry is renewed before use rather than failing mid-call.
EXPIRY_MARGIN = timedelta(minutes=5)

IssueToken = Callable[[str], Awaitable[BackendIdentity]]


class Authenticator:
    """Hands out the current Bearer token and renews it at most once per failure."""

    def __init__(
        self,
        store: IdentityStore,
        *,
        static_token: str | None = None,
        configured_client_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._static_token = static_token
        self._configured_client_id = configured_client_id
        self._clock = clock
        self._identity: BackendIdentity | None = None
        self._loaded = False
        self._lock = asyncio.Lock()
        self._issue: IssueToken | None = None
        register_secret(static_token)

    def bind(self, issue: IssueToken) -> None:
        """Attach the call that obtains an anonymous token (the client provides it)."""
        self._issue = issue

    async def identity(self) -> BackendIdentity | None:
        """The stored identity (for the register/bind link), loading it once."""
        async with self._lock:
            await self._load()
            return self._identity

    async def token(self) -> str:
        """Return a usable token, obtaining an anonymous one if needed."""
        if self._static_token is not None:
            return self._static_token
        async with self._lock:
            await self._load()
            identity = self._identity
            if identity is not None and identity.token and not self._expiring(identity):
                return identity.token
            return await self._obtain()

    async def renew(self, rejected: str) -> str:
        """The backend rejected ``rejected`` (1001): get a new token unless one already was."""
        if self._static_token is not None:
            raise AuthError("NEMO_TOKEN was rejected by NemoVideo; check or replace it", code=1001)
        async with self._lock:
            await self._load()
            current = self._identity
            if current is not None and current.token and current.token != rejected:
                return current.token  # another task renewed it meanwhile
            return await self._obtain()

    async def _load(self) -> None:
        if not self._loaded:
            self._identity = await self._store.load_identity()
            self._loaded = True
            if self._identity is not None:
                register_secret(self._identity.token)

    def _expiring(self, identity: BackendIdentity) -> bool:
        expires = identity.token_expires_at
        if expires is None:
            return False
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return expires - EXPIRY_MARGIN <= self._clock()

    async def _obtain(self) -> str:
        if self._issue is None:
            raise RuntimeError("Authenticator.bind() was not called")
        client_id = await self._client_id()
        try:
            fresh = await self._issue(client_id)
        except ClientIdRejectedError:
            log.warning("NemoVideo rejected the client id; creating a new one")
            client_id = await self._client_id(replace_id=True)
            fresh = await self._issue(client_id)
        assert fresh.token is not None  # noqa: S101 — the issuer validated the reply
        register_secret(fresh.token)
        self._identity = fresh
        await self._store.save_identity(fresh)
        log.info("obtained an anonymous NemoVideo token (expires %s)", fresh.token_expires_at)
        return fresh.token

    async def _client_id(self, *, replace_id: bool = False) -> str:
        current = self._identity
        if not replace_id:
            if self._configured_client_id:
                client_id = self._configured_client_id
            elif current is not None:
                return current.client_id
            else:
                client_id = str(uuid.uuid4())
        else:
            client_id = str(uuid.uuid4())
        if current is None or current.client_id != client_id:
            self._identity = (
                BackendIdentity(client_id=client_id)
                if current is None
                else replace(current, client_id=client_id, token=None, token_expires_at=None)
            )
            await self._store.save_identity(self._identity)
        return client_id

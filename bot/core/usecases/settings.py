"""A musician's own settings (``/settings``): read, change, and what they decide.

Rules:

* A user who never changed a setting has :class:`~bot.core.models.UserSettings`' defaults;
  every change is stored at once, and only the settings it names change. Reads are
  remembered (:mod:`.remembered`): a change applies at once in the process that made it, in
  other processes within :data:`~.remembered.SETTINGS_KEPT_S`.
* **Resolution.** An export that names no resolution (``/export`` without one, the Export
  button, "export" in words) renders at the requester's default (:func:`export_options`).
* **Finished video by DM.** Stored here; the front end that posts a finished video asks
  :func:`user_settings` (``.dm_video``) for the job's requester.
* **Reply language.** New threads of the user speak it (:mod:`bot.core.language`, first in
  the order); choosing ``en`` or ``zh-CN`` also switches every thread they own already, so
  the thread's messages (export news included) follow. Back to automatic, threads keep the
  language they speak. A backend session keeps the language it was created with.
"""

from __future__ import annotations

from typing import Unpack

from bot.core.language import REPLY_LANGUAGES
from bot.core.models import EXPORT_RESOLUTIONS, ExportOptions, UserSettings, UserSettingsChanges
from bot.core.usecases.context import Deps

__all__ = ["change_settings", "export_options", "user_settings"]


async def user_settings(deps: Deps, user_id: int) -> UserSettings:
    """The user's settings: stored ones, else the defaults (remembered for a while)."""
    now = deps.clock.monotonic()
    known = deps.remembered_settings.get(user_id, now)
    if known is not None:
        return known

    async def read() -> UserSettings:
        async with deps.store.transaction() as tx:
            stored = await tx.user_settings.get(user_id)
        return stored or UserSettings()

    return await deps.remembered_settings.read_once(user_id, read, now)


async def change_settings(
    deps: Deps, user_id: int, **changes: Unpack[UserSettingsChanges]
) -> UserSettings:
    """Store ``changes`` (checked first) in one transaction; return the settings now.

    A chosen reply language is applied to the user's threads in the same transaction.
    ``ValueError`` for a resolution or language that is not offered.
    """
    resolution = changes.get("resolution")
    if resolution is not None and resolution not in EXPORT_RESOLUTIONS:
        raise ValueError(f"not an export resolution: {resolution!r}")
    language = changes.get("language")
    if language is not None and language not in REPLY_LANGUAGES:
        raise ValueError(f"not a reply language: {language!r}")
    now = deps.clock.now()
    async with deps.store.transaction() as tx:
        settings = await tx.user_settings.change(user_id, now=now, **changes)
        if language is not None:
            await tx.threads.set_owner_language(user_id, language, now=now)
    deps.remembered_settings.put(user_id, settings, deps.clock.monotonic())
    return settings


async def export_options(
    deps: Deps, requester_id: int, resolution: str | None = None
) -> ExportOptions:
    """What an export renders: MP4 at ``resolution``, else at the requester's default."""
    if resolution is None:
        resolution = (await user_settings(deps, requester_id)).resolution
    return ExportOptions(resolution=resolution)

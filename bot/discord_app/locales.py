"""Which language each user speaks, as their interactions reveal it.

Discord tells a bot a user's locale only in interactions (``interaction.locale``); a plain
message carries none. So the locale of every interaction is remembered (the most recent
``capacity`` users), and a track posted as a message is answered in its author's remembered
locale, else in the server's preferred locale.
"""

from __future__ import annotations

from collections import OrderedDict


class Locales:
    """Users' most recent Discord locales, least recently seen forgotten first."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._known: OrderedDict[int, str] = OrderedDict()

    def learn(self, user_id: int, locale: str) -> None:
        """Remember that ``user_id`` uses ``locale``."""
        self._known[user_id] = locale
        self._known.move_to_end(user_id)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def of(self, user_id: int, fallback: str) -> str:
        """The user's locale, or ``fallback`` if they have not used an interaction yet."""
        return self._known.get(user_id, fallback)

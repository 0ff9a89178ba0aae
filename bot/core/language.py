"""Which language a conversation replies in: the one order of fallbacks, for every front end.

A thread speaks, in this order (:func:`reply_language`):

1. the language its owner chose in ``/settings``;
2. the owner's locale as their client reports it (a Discord interaction's ``locale``);
3. the server's preferred locale (one the server chose: Discord's default is the front
   end's to leave out);
4. the script of the first message: mostly Chinese characters → 中文 (:func:`script_language`);
5. the front end's fallback (English unless it knows better).

Codes are the ones the rest of the bot passes around (``en``, ``zh-CN``, ``en-US``…);
:func:`bot.core.texts.text` picks the catalogue from any of them.
"""

from __future__ import annotations

from typing import Final

#: The reply languages a user may choose in ``/settings`` (``None`` there means automatic).
ENGLISH: Final = "en"
CHINESE: Final = "zh-CN"
REPLY_LANGUAGES: Final = (ENGLISH, CHINESE)

#: The CJK ideograph blocks (unified, extensions A to I, compatibility): the letters of 中文.
_IDEOGRAPHS: Final = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x323AF),
)


def is_ideograph(character: str) -> bool:
    """Whether ``character`` is a CJK ideograph (汉字), in any of the Unicode blocks."""
    point = ord(character)
    return any(low <= point <= high for low, high in _IDEOGRAPHS)


def script_language(message: str | None) -> str | None:
    """The language a message's script suggests: ``zh-CN`` when most letters are ideographs.

    Letters are what :meth:`str.isalpha` calls letters (ideographs, kana, Latin…); digits,
    punctuation, emoji and links' slashes do not count. With letters, mostly others: ``en``.
    With no letters at all (an empty post, "🔥🔥", "120 bpm?"): ``None``, the script says
    nothing.
    """
    letters = [character for character in message or "" if character.isalpha()]
    if not letters:
        return None
    ideographs = sum(1 for character in letters if is_ideograph(character))
    return CHINESE if 2 * ideographs > len(letters) else ENGLISH


def reply_language(
    *,
    chosen: str | None = None,
    locale: str | None = None,
    guild_locale: str | None = None,
    first_message: str | None = None,
    fallback: str = ENGLISH,
) -> str:
    """The language to reply in (the order in the module docstring).

    The first of ``chosen``, ``locale``, ``guild_locale``, the script of ``first_message``, and
    ``fallback``; a blank code counts as missing.
    """
    for candidate in (chosen, locale, guild_locale, script_language(first_message)):
        if candidate is not None and candidate.strip():
            return candidate
    return fallback

"""Text that shows what it says: the length limits on every field, and no hidden characters.

Control characters, bidirectional embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069, U+061C), zero-width characters and marks (U+200B-U+200F, U+FEFF) and every other
Unicode format character change how the text around them is shown, or are not shown at all:
"Volunteer With Us \u202eeerf\u202c" reads as "...free". They are removed from every field; long
text keeps its tabs and line breaks, a one-line field gets a space instead.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from urllib.parse import urlsplit

import validators

# The limits every form, the JSON API and the importers apply (the same schemas serve all three).
SHORT_TEXT = 500  # a name, an address line, a phone number: any one-line field not given its own limit
LONG_TEXT = 10_000  # a description, eligibility, referral instructions, travel notes

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_NOT_IN_ADDRESS = re.compile(r"[\s\"'<>`\\^{}|]")


@cache
def _hidden() -> re.Pattern:
    """Every control (Cc), format (Cf) and lone surrogate (Cs) character, as one character class."""
    hidden = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs")]
    return re.compile("[" + "".join(re.escape(char) for char in hidden) + "]")


def clean_line(text: str) -> str:
    """One-line text: line breaks and tabs become spaces, hidden characters go, ends trimmed."""
    if not text.isprintable():
        text = _hidden().sub("", _WHITESPACE_CONTROLS.sub(" ", text))
    return text.strip()


def clean_block(text: str) -> str:
    """Long text: line breaks become \\n, tabs stay, other hidden characters go, ends trimmed."""
    if not text.isprintable():
        text = _LINE_BREAKS.sub("\n", text)
        text = _hidden().sub(lambda found: found[0] if found[0] in "\t\n" else "", text)
    return text.strip()


def shown(text: str) -> str:
    """Text for a page: hidden characters removed, tabs and line breaks kept as they are."""
    if text.isprintable():
        return text
    return _hidden().sub(lambda found: found[0] if found[0] in "\t\n\r" else "", text)


def web_address_problem(address: str) -> str | None:
    """Why this is not a web address a browser or another directory can safely follow, or None."""
    if _NOT_IN_ADDRESS.search(address) or not address.isprintable():
        why = "it may not hold spaces, quotes, angle brackets or control characters"
    elif urlsplit(address).scheme.lower() not in ("http", "https"):
        why = "it must start with https:// or http://"
    elif not validators.url(address):
        why = "give one like https://www.example.org, with a real domain name or IP address"
    else:
        return None
    quoted = address if len(address) <= 60 else address[:57] + "..."
    return f"'{quoted}' is not a web address: {why}."


def safe_web_address(address: str | None) -> str | None:
    """The address when it passes web_address_problem, else None (for records stored before the check)."""
    return address if address and web_address_problem(address) is None else None

"""Turn whatever a person typed into safe search units, expanded with synonyms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from directory.config import DATA_DIR

SYNONYMS_FILE = DATA_DIR / "synonyms.txt"
MAX_CHARS = 500
MAX_UNITS = 12
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+(?:'\w+)?")


@dataclass(frozen=True)
class Unit:
    """One thing the results must match: any of its alternatives, each a word or a phrase."""

    alternatives: tuple[tuple[str, ...], ...]
    typed: str  # what the person typed for this unit, for "did you mean"
    is_word: bool  # a single typed word (spelling suggestions apply)


def words(text: str) -> list[str]:
    """Lowercase words of text; punctuation, operators and query syntax are just separators."""
    return [w.casefold()[:40] for w in _WORD.findall(text.replace("_", " "))]


@lru_cache(maxsize=8)
def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Map each synonym (as a word tuple) to its whole group."""
    groups: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        terms = tuple(dict.fromkeys(tuple(words(t)) for t in line.split(",") if words(t)))
        for term in terms:
            groups[term] = terms
    return groups


def parse_keywords(text: str, synonyms: dict | None = None) -> list[Unit]:
    """Units for the text: quoted phrases (when quotes balance), synonym groups, single words."""
    synonyms = load_synonyms() if synonyms is None else synonyms
    text = (text or "")[:MAX_CHARS]
    units: list[Unit] = []
    for phrase in _PHRASE.findall(text):
        tokens = tuple(words(phrase))
        if tokens:
            units.append(Unit((tokens,), phrase.strip(), is_word=False))
    tokens = words(_PHRASE.sub(" ", text))
    longest = max((len(k) for k in synonyms), default=1)
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            if key in synonyms:
                units.append(Unit(synonyms[key], " ".join(key), is_word=False))
                i += size
                break
        else:
            units.append(Unit(((tokens[i],),), tokens[i], is_word=True))
            i += 1
    return units[:MAX_UNITS]

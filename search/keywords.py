"""Turn whatever a person typed into safe search units, with synonyms resolved to groups.

Synonyms are resolved at index time as well as query time: a document mentioning any term of a
group carries the group's id, so "food bank" is one term lookup, not an OR of phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from whoosh.lang.porter import stem

from directory.config import DATA_DIR

SYNONYMS_FILE = DATA_DIR / "synonyms.txt"
MAX_CHARS = 500
MAX_UNITS = 12
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+(?:'\w+)?")


@dataclass(frozen=True)
class Unit:
    """One thing the results must match: a word, a quoted phrase, or a synonym group."""

    words: tuple[str, ...]  # what the person typed for this unit, lowercased
    group: str | None = None  # the synonym group's id, when the words are a synonym
    is_phrase: bool = False

    @property
    def typed(self) -> str:
        return " ".join(self.words)


def words(text: str) -> list[str]:
    """Lowercase words of text; punctuation, operators and query syntax are just separators."""
    return [w.casefold()[:40] for w in _WORD.findall(text.replace("_", " "))]


def stems(tokens: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Porter stems, so that "food banks" and "food bank" are the same synonym."""
    return tuple(map(_stem, tokens))


@lru_cache(maxsize=50_000)
def _stem(token: str) -> str:
    return stem(token.replace("'", ""))


@dataclass(frozen=True)
class Synonyms:
    """Each synonym's stemmed words -> its group id (the group's first term, as a token)."""

    groups: dict[tuple[str, ...], str]
    longest: int

    def groups_in(self, text: str) -> set[str]:
        """Ids of every synonym group mentioned anywhere in text."""
        tokens = stems(words(text))
        found = set()
        for i in range(len(tokens)):
            for size in range(1, min(self.longest, len(tokens) - i) + 1):
                group = self.groups.get(tokens[i : i + size])
                if group:
                    found.add(group)
        return found


@lru_cache(maxsize=8)
def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    """Read the synonyms file: one group per line, terms separated by commas, # comments."""
    groups: dict[tuple[str, ...], str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        terms = [tuple(words(t)) for t in line.split("#", 1)[0].split(",")]
        terms = [t for t in terms if t]
        if not terms:
            continue
        group_id = "syn_" + "_".join(stems(terms[0]))
        for term in terms:
            groups[stems(term)] = group_id
    return Synonyms(groups, max((len(k) for k in groups), default=1))


def parse_keywords(text: str, synonyms: Synonyms | None = None) -> list[Unit]:
    """Units for the text: quoted phrases (when quotes balance), synonym groups, single words."""
    synonyms = load_synonyms() if synonyms is None else synonyms
    text = (text or "")[:MAX_CHARS]
    units: list[Unit] = []
    for phrase in _PHRASE.findall(text):
        tokens = tuple(words(phrase))
        if tokens:
            units.append(Unit(tokens, is_phrase=len(tokens) > 1))
    tokens = words(_PHRASE.sub(" ", text))
    stemmed = stems(tokens)
    i = 0
    while i < len(tokens):
        for size in range(min(synonyms.longest, len(tokens) - i), 0, -1):
            group = synonyms.groups.get(stemmed[i : i + size])
            if group:
                units.append(Unit(tuple(tokens[i : i + size]), group=group))
                i += size
                break
        else:
            units.append(Unit((tokens[i],)))
            i += 1
    return units[:MAX_UNITS]

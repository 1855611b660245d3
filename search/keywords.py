"""Turn whatever a person typed into safe search units, with synonyms and related needs resolved.

Synonyms are resolved at index time as well as query time: a document mentioning any term of a
group carries the group's id, so "food bank" is one term lookup, not an OR of phrases. A term of
several words matches only those words together. Related needs (data/related_needs.txt) are
resolved at query time only: categories and words that serve a need, at a lower weight. Filler
words (data/filler_words.txt) are left out of what a listing must match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

from directory.config import DATA_DIR

SYNONYMS_FILE = DATA_DIR / "synonyms.txt"
RELATED_FILE = DATA_DIR / "related_needs.txt"
FILLER_FILE = DATA_DIR / "filler_words.txt"
MAX_CHARS = 500
MAX_UNITS = 12
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+(?:'\w+)?")
_OR = re.compile(r"\bOR\b")  # only in capitals: "or" in a sentence is a filler word


@dataclass(frozen=True)
class Related:
    """What serves a need: words looked for in a service's name, organisation or categories, and categories."""

    terms: tuple[tuple[str, ...], ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """One thing the results must match: a word, a quoted phrase, or a synonym group."""

    words: tuple[str, ...]  # what the person typed for this unit, lowercased
    group: str | None = None  # the synonym group's id, when the words are a synonym
    is_phrase: bool = False
    related: Related | None = None  # what else serves this need, at a lower weight
    either: bool = False  # typed after OR: this unit or the one before will do

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

    def best_sections(self, texts: tuple[str, ...]) -> dict[str, int]:
        """Each group mentioned in these texts (most important first) -> the first text mentioning it."""
        best: dict[str, int] = {}
        for position, text in enumerate(texts):
            for group in self.groups_in(text):
                best.setdefault(group, position)
        return best


def typed_tokens(unit: Unit) -> list[str]:
    """The unit's words exactly as typed, as the backends index them unchanged: letters and digits,
    two or more long, without the analyser's stop words."""
    tokens = re.findall(r"[^\W_]+", " ".join(unit.words))
    return [t for t in tokens if len(t) >= 2 and t not in STOP_WORDS]


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


@dataclass(frozen=True)
class Needs:
    """Each need's stemmed wording -> what serves it; a synonym group's id -> the same."""

    wordings: dict[tuple[str, ...], Related]
    groups: dict[str, Related]
    longest: int


@lru_cache(maxsize=8)
def load_related(path: Path = RELATED_FILE, synonyms_path: Path = SYNONYMS_FILE) -> Needs:
    """Read the related needs file: "wording, wording = term, term, @category" per line, # comments."""
    synonyms = load_synonyms(synonyms_path)
    wordings: dict[tuple[str, ...], Related] = {}
    groups: dict[str, Related] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        if "=" not in line:
            continue
        left, right = line.split("=", 1)
        serves = [part.strip() for part in right.split(",") if part.strip()]
        related = Related(
            terms=tuple(tuple(words(p)) for p in serves if not p.startswith("@") and words(p)),
            categories=tuple(p[1:].strip() for p in serves if p.startswith("@")),
        )
        for wording in left.split(","):
            key = stems(words(wording))
            if key:
                wordings[key] = related
                if key in synonyms.groups:  # the whole synonym group serves the same need
                    groups[synonyms.groups[key]] = related
    return Needs(wordings, groups, max((len(k) for k in wordings), default=1))


@lru_cache(maxsize=8)
def load_fillers(path: Path = FILLER_FILE) -> frozenset[str]:
    """Words that say how someone asks ("my client", "looking for"), one a line, # comments."""
    return frozenset(w for line in path.read_text(encoding="utf-8").splitlines() for w in words(line.split("#", 1)[0]))


@dataclass(frozen=True)
class Parsed:
    """The units to match, and the filler words left out."""

    units: list[Unit]
    ignored: tuple[str, ...] = ()


def parse_keywords(text: str, synonyms: Synonyms | None = None) -> list[Unit]:
    """Units for the text: quoted phrases (when quotes balance), synonym groups, needs, single words."""
    return parse(text, synonyms).units


def parse(
    text: str, synonyms: Synonyms | None = None, needs: Needs | None = None, fillers: frozenset[str] | None = None
) -> Parsed:
    """parse_keywords() with the filler words it left out.

    Synonyms and needs of several words are found first (the longest at each point), so "older
    people" and "on my own" survive even though "people", "my" and "own" might be fillers. Filler
    words are then dropped, unless nothing else was typed.
    """
    synonyms = load_synonyms() if synonyms is None else synonyms
    needs = load_related() if needs is None else needs
    fillers = load_fillers() if fillers is None else fillers
    text = (text or "")[:MAX_CHARS]
    units: list[Unit] = []
    for phrase in _PHRASE.findall(text):
        tokens = tuple(words(phrase))
        if tokens:
            units.append(Unit(tokens, is_phrase=len(tokens) > 1))
    loose: list[Unit] = []
    kept: list[Unit] = []
    ignored: tuple[str, ...] = ()
    for number, segment in enumerate(_OR.split(_PHRASE.sub(" ", text))):
        found = _loose_units(words(segment), synonyms, needs)
        wanted = [u for u in found if u.group or u.related or u.words[0] not in fillers]
        if wanted and number and (kept or units):  # an alternative to what came before
            wanted[0] = replace(wanted[0], either=True)
        loose += found
        kept += wanted
        ignored += tuple(u.words[0] for u in found if not (u.group or u.related) and u.words[0] in fillers)
    if not kept and not units:
        kept, ignored = loose, ()  # only filler words: search for them after all
    return Parsed((units + kept)[:MAX_UNITS], ignored)


def _loose_units(tokens: list[str], synonyms: Synonyms, needs: Needs) -> list[Unit]:
    """Units for unquoted words: the longest synonym or need at each point, else the single word."""
    stemmed = stems(tokens)
    loose: list[Unit] = []
    i = 0
    longest = max(synonyms.longest, needs.longest)
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            span = stemmed[i : i + size]
            group = synonyms.groups.get(span)
            related = needs.wordings.get(span) or (needs.groups.get(group) if group else None)
            if group or related:
                loose.append(Unit(tuple(tokens[i : i + size]), group=group, related=related))
                i += size
                break
        else:
            loose.append(Unit((tokens[i],)))
            i += 1
    return loose


def clauses(units: list[Unit]) -> list[list[Unit]]:
    """The units as clauses that must all match, each satisfied by any of its units ("food OR debt")."""
    out: list[list[Unit]] = []
    for unit in units:
        if unit.either and out:
            out[-1].append(unit)
        else:
            out.append([unit])
    return out


@lru_cache(maxsize=8)
def known_words(synonyms_path: Path = SYNONYMS_FILE, related_path: Path = RELATED_FILE) -> frozenset[str]:
    """Every word of the synonyms and the related needs: words Signpost understands even where no listing uses them."""
    found = set()
    for path in (synonyms_path, related_path):
        for line in path.read_text(encoding="utf-8").splitlines():
            found.update(w for w in words(line.split("#", 1)[0].replace("@", " @")) if w.isalpha())
    return frozenset(found)


def keywords_text(units: list[Unit]) -> str:
    """Text that parses back to these units: quoted phrases in quotes, the rest as typed."""
    text = [
        ("OR " if u.either and i else "") + (f'"{u.typed}"' if u.is_phrase else u.typed) for i, u in enumerate(units)
    ]
    return " ".join(text)

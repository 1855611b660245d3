"""What the words typed ask for: words naming a filter read as that filter, filler words left out,
misspellings corrected, and, when all the words together find nothing, the most of them that find
something together."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations, islice

from .backend import SearchBackend, SearchHits, SearchQuery
from .keywords import Unit, keywords_text, parse, typed_tokens
from .spelling import Spelling, check_spelling
from .understanding import NOTHING_FOUND, WordFilter, read_filters

MOST_TRIES = 16  # searches spent looking for the most words that find something together (then one a size)
PER_SIZE = 3  # of them, at most this many for each number of words


@dataclass
class Reading:
    """The hits, and what was searched for instead of what was typed, and why."""

    hits: SearchHits
    keywords: str  # the words searched for
    corrected: dict[str, str] = field(default_factory=dict)  # typed word -> word searched
    not_found: list[str] = field(default_factory=list)  # words typed that found nothing with the rest
    ignored: list[str] = field(default_factory=list)  # filler words left out
    suggestion: str | None = None  # a correction not clear enough to apply, that finds something
    from_words: list[WordFilter] = field(default_factory=list)  # filters read from the words typed
    query: SearchQuery | None = None  # what was searched: the words' filters applied, those words left out


def read_and_search(query: SearchQuery, backend: SearchBackend) -> Reading:
    """Search for what the words ask for (see the module's docstring)."""
    read, from_words = read_filters(query)
    reading = _read_words(read, backend)
    if from_words and reading.hits.total == 0:
        # Nothing has all the filters the words named: search for the words as typed instead.
        as_typed = _read_words(query, backend)
        if as_typed.hits.total:
            as_typed.from_words = [replace(f, applied=False, why_not=f.why_not or NOTHING_FOUND) for f in from_words]
            as_typed.query = query
            return as_typed
    reading.from_words, reading.query = from_words, read
    return reading


def _read_words(query: SearchQuery, backend: SearchBackend) -> Reading:
    parsed = parse(query.keywords)
    units = parsed.units
    ignored = list(parsed.ignored)
    spelling = Spelling() if query.literal else check_spelling(units, backend)
    if spelling.corrected:
        fixed = [_spelled(u, spelling.corrected) for u in units]
        text = keywords_text(fixed)
        hits = backend.query(replace(query, keywords=text))
        if hits.total:
            return Reading(hits, text, spelling.corrected, ignored=ignored)
        reading = _most_words(query, parse(text).units, backend)
        if reading is not None:
            reading.corrected, reading.ignored = spelling.corrected, ignored
            return reading
    text = keywords_text(units)
    hits = backend.query(replace(query, keywords=text))
    reading = Reading(hits, text, ignored=ignored)
    if hits.total == 0 and len(units) > 1:
        reading = _most_words(query, units, backend) or reading
        reading.ignored = ignored
    if spelling.suggested and reading.hits.total < 3:
        suggested = keywords_text([_spelled(u, spelling.suggested) for u in units])
        if backend.query(replace(query, keywords=suggested, offset=0, limit=1)).total:
            reading.suggestion = suggested
    return reading


def _spelled(unit: Unit, corrections: dict[str, str]) -> Unit:
    return replace(unit, words=tuple(corrections.get(w, w) for w in unit.words))


def _most_words(query: SearchQuery, units: list[Unit], backend: SearchBackend) -> Reading | None:
    """The largest set of the units that finds something together. Words naming a need (a synonym
    or related needs) are kept first, then the rarest, most telling words: "lost his wife last
    year and hardly leaves the house" keeps "lost wife" before "year" and "house"."""
    probe = replace(query, offset=0, limit=1)
    searchable = [u for u in units if u.group or u.related or typed_tokens(u)]  # not a lone stop word or digit
    found = {u: backend.query(replace(probe, keywords=keywords_text([u]))).total for u in searchable}
    finding = sorted((u for u in searchable if found[u]), key=lambda u: (not (u.group or u.related), found[u]))
    tries = 0
    for size in range(len(finding), 0, -1):
        # The few most telling sets of this size; once the searches are spent, only the most telling
        # (a single word always finds something, so a long sentence always gets an answer).
        for chosen in islice(combinations(finding, size), PER_SIZE if tries < MOST_TRIES else 1):
            tries += 1
            kept = [u for u in units if u in chosen]  # as typed, so words typed together still rank so
            hits = backend.query(replace(query, keywords=keywords_text(kept)))
            if hits.total:
                return Reading(hits, keywords_text(kept), not_found=[u.typed for u in units if u not in chosen])
    return None

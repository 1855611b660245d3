"""Words that name a filter ("free", "over 60s", "on Tuesdays", "in Polish", "by phone") become that
filter, and are no longer looked for as keywords. What is recognised is data/query_filters.txt.

Filters chosen in the form always win: a word naming a filter the form already sets is left out of
the keywords but not applied. Words describing the person ("a woman", "a man") leave out services
only for other groups; when nothing else was typed, they ask for services for that group instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import STOP_WORDS

from directory.config import DATA_DIR

from .backend import SearchQuery
from .keywords import MAX_CHARS, Synonyms, load_fillers, load_related, load_synonyms, stems, words

FILTERS_FILE = DATA_DIR / "query_filters.txt"
NUMBER = "#n"  # a wording's N: any number typed
YES_NO = ("free", "self_referral", "wheelchair")
VALUED = {"how": "how", "group": "group", "person": "person", "language": "language", "day": "days", "part": "part"}
FORM_WINS = "form"  # the form sets the same filter, and the form wins
NOTHING_FOUND = "nothing"  # no listing has it as well as the rest, so the words were searched for instead
AGE_GROUPS = {"older_people": lambda age: age >= 60, "young_people": lambda age: age <= 25}
_PHRASE = re.compile(r'"[^"]*"')
_TOKEN = re.compile(r"\w+(?:'\w+)?")
_NUMBER = re.compile(r"(\d{1,3})s?")


class QueryFiltersError(ValueError):
    """A line of the query filters file that cannot be used, saying which and why."""


@dataclass(frozen=True)
class FilterWords:
    """Each wording's stemmed words (a number as NUMBER) -> the filters it names, as (name, value)."""

    wordings: dict[tuple[str, ...], tuple[tuple[str, str], ...]]
    longest: int


@dataclass(frozen=True)
class WordFilter:
    """Words typed that were read as filters: (search argument, value) pairs, e.g. ("days", "TU")."""

    words: str  # as typed, e.g. "on Tuesdays"
    filters: tuple[tuple[str, str], ...]
    applied: bool = True
    why_not: str = ""  # when not applied: FORM_WINS, or NOTHING_FOUND (then the words were searched for as typed)


def _spec(text: str, number: int) -> tuple[str, str]:
    parts = text.split()
    name = parts[0] if parts else ""
    if name in YES_NO and len(parts) == 1:
        return name, "1"
    if name in VALUED and len(parts) == 2:
        return VALUED[name], parts[1]
    if name == "age" and (parts[1:] in (["N"], ["under", "N"]) or (len(parts) == 2 and parts[1].isdigit())):
        return "age", " ".join(parts[1:])
    raise QueryFiltersError(f"data/query_filters.txt line {number}: {text.strip()!r} is not a filter this file knows.")


@lru_cache(maxsize=8)
def load_query_filters(path: Path = FILTERS_FILE) -> FilterWords:
    """Read the query filters file: "filter; filter = wording, wording" per line, # comments."""
    wordings: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        if "=" not in line:
            raise QueryFiltersError(f'data/query_filters.txt line {number}: expected "filter = wording, wording".')
        left, right = line.split("=", 1)
        filters = tuple(_spec(part, number) for part in left.split(";"))
        for wording in right.split(","):
            key = tuple(NUMBER if w == "n" else s for w, s in zip(words(wording), stems(words(wording)), strict=False))
            if key:
                wordings[key] = filters
    return FilterWords(wordings, max((len(k) for k in wordings), default=1))


def _value(filters: tuple[tuple[str, str], ...], number: int | None) -> tuple[tuple[str, str], ...] | None:
    """The filters with the number typed put in; None for an age that cannot be."""
    out = []
    for name, value in filters:
        if name == "age" and not value.isdigit():
            age = (number or 0) - (1 if value.startswith("under") else 0)
            if number is None or not 0 <= age <= 120:
                return None
            value = str(age)
        out.append((name, value))
    return tuple(out)


def _given(query: SearchQuery, name: str) -> bool:
    """Whether the form already sets this filter."""
    return {
        "free": query.free,
        "self_referral": query.self_referral,
        "wheelchair": query.wheelchair,
        "how": query.modes,
        "group": query.groups,
        "person": query.for_person,
        "language": query.language,
        "days": query.weekdays or query.runs_on or query.this_week,
        "part": query.parts_of_day,
        "age": query.age is not None,
    }[name]


def find_filters(
    text: str, plain: tuple[str, ...] = (), filter_words: FilterWords | None = None, synonyms: Synonyms | None = None
) -> tuple[str, list[tuple[str, tuple[tuple[str, str], ...]]]]:
    """The text without its filter wordings, and each wording found with the filters it names.

    Quoted phrases, words next to OR, wordings in `plain` and wordings inside a longer synonym or
    need stay as they are.
    """
    filter_words = filter_words or load_query_filters()
    synonyms = synonyms or load_synonyms()
    needs = load_related()
    text = (text or "")[:MAX_CHARS]
    masked = _PHRASE.sub(lambda m: " " * len(m.group()), text)
    found = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(masked.replace("_", " "))]
    tokens = [t.casefold()[:40] for _, _, t in found]
    keys = [NUMBER if _NUMBER.fullmatch(t) else s for t, s in zip(tokens, stems(tokens), strict=False)]
    stemmed = stems(tokens)
    plain_set = {" ".join(words(p)) for p in plain}
    longest_words = max(synonyms.longest, needs.longest)
    spans, cuts = [], []
    i = 0
    while i < len(tokens):
        words_span = 0
        for size in range(min(longest_words, len(tokens) - i), 1, -1):
            span = stemmed[i : i + size]
            if span in synonyms.groups or span in needs.wordings:
                words_span = size
                break
        match, rejected = None, 0
        for size in range(min(filter_words.longest, len(tokens) - i), 0, -1):
            filters = filter_words.wordings.get(tuple(keys[i : i + size]))
            if filters is None or "OR" in [t for _, _, t in found[i : i + size]]:
                continue
            number = next(
                (int(_NUMBER.fullmatch(tokens[j]).group(1)) for j in range(i, i + size) if keys[j] == NUMBER), None
            )
            valued = _value(filters, number)
            typed = text[found[i][0] : found[i + size - 1][1]]
            beside_or = (i > 0 and found[i - 1][2] == "OR") or (i + size < len(found) and found[i + size][2] == "OR")
            if valued and not beside_or and " ".join(tokens[i : i + size]) not in plain_set:
                match = (size, typed, valued)
            else:
                rejected = size  # kept as words, and no shorter wording inside it is read either
            break
        if match and match[0] >= words_span:
            size, typed, valued = match
            spans.append((typed, valued))
            cuts.append((found[i][0], found[i + size - 1][1]))
            i += size
        else:
            i += max(words_span, rejected, 1)
    rest, last = [], 0
    for start, end in cuts:
        rest.append(text[last:start])
        last = end
    rest.append(text[last:])
    return " ".join("".join(rest).split()), spans


def _nothing_asked(text: str) -> bool:
    """True when the text has no word but filler words and stop words (quoted phrases are words)."""
    if '"' in text and _PHRASE.search(text):
        return False
    fillers = load_fillers()
    return all(w in fillers or w in STOP_WORDS or w == "or" for w in words(text))


def read_filters(query: SearchQuery) -> tuple[SearchQuery, list[WordFilter]]:
    """The query with the filters its words name applied and those words left out (see the module's docstring)."""
    if not query.keywords:
        return query, []
    rest, spans = find_filters(query.keywords, query.plain_words)
    if not spans:
        return query, []
    if _nothing_asked(rest):
        rest = ""
        if not query.groups:  # the person is all that was asked about: services for them
            spans = [
                (typed, tuple(("group" if n == "person" else n, v) for n, v in filters)) for typed, filters in spans
            ]
    read: list[WordFilter] = []
    wanted: dict[str, list[str]] = {}
    for typed, filters in spans:
        names = {name for name, _ in filters}
        single_taken = any(name in ("age", "language") and name in wanted for name in names)
        applied = not single_taken and not any(_given(query, name) for name in names)
        if applied:
            for name, value in filters:
                values = wanted.setdefault(name, [])
                if value not in values:
                    values.append(value)
        read.append(WordFilter(typed, filters, applied, "" if applied else FORM_WINS))
    changes: dict = {"keywords": rest}
    for name, values in wanted.items():
        if name in YES_NO:
            changes[name] = True
        elif name == "age":
            changes["age"] = int(values[0])
        elif name == "language":
            changes["language"] = values[0]
        else:
            field = {
                "how": "modes",
                "group": "groups",
                "person": "for_person",
                "days": "weekdays",
                "part": "parts_of_day",
            }[name]
            changes[field] = tuple(values)
    age = changes.get("age", query.age)
    if "for_person" in changes and age is not None:  # a 70 year old man is an older person too
        changes["for_person"] += tuple(
            g for g, fits in AGE_GROUPS.items() if fits(age) and g not in changes["for_person"]
        )
    return replace(query, **changes), read

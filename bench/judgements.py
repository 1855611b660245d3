"""Judged queries for bench/relevance.py: reading and checking a judgement file, and scoring a ranking.

A judgement file is JSON: {"directory": path, "queries": [...]}. Each query has an `id`, a `kind`
(one of KINDS), `q` (the words typed), `postcode` ("" for none), `filters` (the search page's
query-string arguments, e.g. "free=1&group=women"), `relevant` ({service: grade}; 2 is what a
link worker would pick first, 1 is acceptable) and `must_not` (services that must not be in the
top 10). A service is named "Service name", or "Service name @ Organisation name" when the name
is used by more than one service in the directory.
"""

from __future__ import annotations

import difflib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

KINDS = {
    "keywords": "plain keywords",
    "colloquial": "colloquial words",
    "misspelling": "misspellings",
    "sentence": "natural sentences",
    "eligibility": "eligibility (who it is for)",
    "organisation": "organisation names",
    "category": "category only",
    "remote": "phone and online services",
}
TOP = 10  # nDCG and must-not look at the first page a link worker reads
SUCCESS_AT = 3
RESERVED_FILTERS = {"q", "postcode", "page"}  # given by their own fields, or not a filter

ServiceKey = tuple[str, str]  # (organisation name, service name)


class JudgementError(ValueError):
    """A judgement file that cannot be used, saying where and why."""


@dataclass(frozen=True)
class Judged:
    """One judged query, its services resolved to (organisation, service) keys."""

    id: str
    kind: str
    q: str
    postcode: str
    filters: str
    grades: dict[ServiceKey, int]
    must_not: frozenset[ServiceKey] = field(default_factory=frozenset)
    note: str = ""


def directory_services(directory: dict) -> list[ServiceKey]:
    """Every service in a directory file in the demo's format, as (organisation, service) keys."""
    return [(org["name"], service["name"]) for org in directory["organisations"] for service in org.get("services", [])]


class ServiceNames:
    """Resolves "Name" or "Name @ Organisation" to exactly one service of a directory."""

    def __init__(self, services: list[ServiceKey]):
        self.keys = set(services)
        self.by_name: dict[str, list[ServiceKey]] = defaultdict(list)
        for key in services:
            self.by_name[key[1].casefold()].append(key)

    def resolve(self, ref: str, where: str) -> ServiceKey:
        """The one service `ref` names; a JudgementError naming `where` otherwise."""
        name, _, organisation = (part.strip() for part in ref.partition(" @ "))
        found = self.by_name.get(name.casefold(), [])
        if organisation:
            found = [k for k in found if k[0].casefold() == organisation.casefold()]
        if len(found) == 1:
            return found[0]
        if not found:
            close = difflib.get_close_matches(name, sorted({k[1] for k in self.keys}), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            at = f" at {organisation!r}" if organisation else ""
            raise JudgementError(f"{where}: no service named {name!r}{at} in the directory{hint}")
        orgs = "; ".join(sorted(k[0] for k in found))
        raise JudgementError(
            f"{where}: {ref!r} names {len(found)} services (organisations: {orgs}); write '{name} @ Organisation'"
        )


def read_judgements(path: Path, directory: dict) -> list[Judged]:
    """The judged queries of a file, checked against the directory they judge."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise JudgementError(f"{path}: cannot read it: {exc}") from None
    names = ServiceNames(directory_services(directory))
    queries, seen = [], set()
    for number, raw in enumerate(document.get("queries", []), 1):
        where = f"{path.name}, query {raw.get('id') or number}"
        queries.append(_judged(raw, names, where))
        if queries[-1].id in seen:
            raise JudgementError(f"{where}: the id is used twice")
        seen.add(queries[-1].id)
    if not queries:
        raise JudgementError(f"{path}: no queries")
    return queries


def _judged(raw: dict, names: ServiceNames, where: str) -> Judged:
    unknown = set(raw) - {"id", "kind", "q", "postcode", "filters", "relevant", "must_not", "note"}
    if unknown:
        raise JudgementError(f"{where}: unknown fields {sorted(unknown)}")
    if not raw.get("id"):
        raise JudgementError(f"{where}: every query needs an id")
    if raw.get("kind") not in KINDS:
        raise JudgementError(f"{where}: kind {raw.get('kind')!r} is not one of {', '.join(KINDS)}")
    filters = raw.get("filters", "")
    for pair in filter(None, filters.split("&")):
        key = pair.partition("=")[0]
        if key in RESERVED_FILTERS:
            raise JudgementError(f"{where}: {key!r} does not belong in filters (use the query's own field)")
    grades: dict[ServiceKey, int] = {}
    for ref, grade in (raw.get("relevant") or {}).items():
        if grade not in (1, 2):
            raise JudgementError(f"{where}: {ref!r} has grade {grade!r}; grades are 1 (acceptable) or 2 (first choice)")
        key = names.resolve(ref, where)
        if key in grades:
            raise JudgementError(f"{where}: {ref!r} is judged twice")
        grades[key] = grade
    if 2 not in grades.values():
        raise JudgementError(f"{where}: needs at least one service with grade 2")
    must_not = frozenset(names.resolve(ref, where) for ref in raw.get("must_not", []))
    if must_not & set(grades):
        both = sorted(f"{k[1]} @ {k[0]}" for k in must_not & set(grades))
        raise JudgementError(f"{where}: {both} are both relevant and must-not")
    return Judged(
        raw["id"],
        raw["kind"],
        raw.get("q", ""),
        raw.get("postcode", ""),
        filters,
        grades,
        must_not,
        raw.get("note", ""),
    )


# -- scoring ------------------------------------------------------------------------------------


def dcg(grades: list[int]) -> float:
    """Discounted cumulative gain with exponential gain (2^grade - 1) over the first TOP places."""
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:TOP]))


def ndcg(ranking: list[ServiceKey], grades: dict[ServiceKey, int]) -> float:
    """nDCG@TOP of a ranking against graded judgements (unjudged services count 0)."""
    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(key, 0) for key in ranking]) / ideal if ideal else 0.0


def success(ranking: list[ServiceKey], grades: dict[ServiceKey, int], at: int = SUCCESS_AT) -> bool:
    """True when a relevant service (grade 1 or more) is among the first `at`."""
    return any(grades.get(key, 0) >= 1 for key in ranking[:at])


def violations(ranking: list[ServiceKey], must_not: frozenset[ServiceKey]) -> int:
    """How many must-not services are in the first TOP places."""
    return sum(1 for key in ranking[:TOP] if key in must_not)


@dataclass
class Score:
    """One query's figures for one system."""

    ndcg: float
    success: bool
    violations: int


def score(judged: Judged, ranking: list[ServiceKey]) -> Score:
    """The figures for one ranking of one judged query."""
    return Score(ndcg(ranking, judged.grades), success(ranking, judged.grades), violations(ranking, judged.must_not))


@dataclass
class Summary:
    """Figures over a group of queries."""

    queries: int
    ndcg: float
    success: float
    violations: int
    violating_queries: int


def summarise(scores: list[Score]) -> Summary:
    """Mean nDCG, share of successes, and must-not counts over some queries."""
    n = len(scores)
    return Summary(
        n,
        sum(s.ndcg for s in scores) / n if n else 0.0,
        sum(s.success for s in scores) / n if n else 0.0,
        sum(s.violations for s in scores),
        sum(1 for s in scores if s.violations),
    )


def by_kind(judged: list[Judged], scores: list[Score]) -> dict[str, Summary]:
    """Summaries per kind (in KINDS order), then "overall"."""
    groups: dict[str, list[Score]] = defaultdict(list)
    for j, s in zip(judged, scores, strict=True):
        groups[j.kind].append(s)
    out = {kind: summarise(groups[kind]) for kind in KINDS if groups[kind]}
    out["overall"] = summarise(scores)
    return out

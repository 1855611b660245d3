"""Which existing service a newsletter item concerns: the name must agree, and so must something else.

A name agrees when every word of the service's name is in the item's title and the title's other
words are only days, words of change ("new time", "final session") or the organisation's or venue's
own words. Then at least one more fact must agree: the organisation (named in the item, or its
sender), a venue's name or postcode, a day, or a contact email or phone. Otherwise the item is drafted
as a new group: a new "Young Carers Group" at the same centre as the "Carers Group" is not that group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from directory.models import Location, Service

from .mail_extract import _PHONE, Candidate

STOPWORDS = {"the", "a", "an", "and", "of", "for", "at", "on", "in", "with", "to", "our", "its", "s"}
DAY_WORDS = re.compile(r"^(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?$")
CHANGE_WORDS = {
    "new",
    "time",
    "times",
    "day",
    "days",
    "change",
    "changes",
    "changed",
    "update",
    "updates",
    "notice",
    "news",
    "cancelled",
    "canceled",
    "cancellation",
    "closing",
    "closed",
    "closure",
    "final",
    "last",
    "session",
    "sessions",
    "break",
    "paused",
    "christmas",
    "summer",
    "easter",
    "festive",
    "over",
    "this",
    "week",
    "moving",
    "moved",
    "move",
    "venue",
    "reminder",
    "important",
    "still",
    "back",
    "again",
    "ending",
    "ended",
}
WEIGHTS = {"organisation": 2, "postcode": 2, "venue": 2, "contact": 2, "day": 1}


@dataclass
class Known:
    """A live service with what an item may agree with."""

    service: Service
    words: set[str]
    allowed: set[str]  # words a title may add: the organisation's and venues' own
    organisation: str
    venues: list[str]
    postcodes: set[str]
    days: set[str]
    emails: set[str]
    phones: set[str]
    domains: set[str]


@dataclass
class Match:
    """The existing service a candidate most likely concerns, and why."""

    service: Service
    score: float
    evidence: list[str]

    @property
    def same_postcode(self) -> bool:
        return "postcode" in self.evidence


def words(text: str) -> set[str]:
    """A name's distinctive words: lower case, no apostrophes, no stopwords or days."""
    text = text.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"'s?\b", "", text)
    return {w for w in re.split(r"[^a-z0-9+]+", text) if w and w not in STOPWORDS and not DAY_WORDS.match(w)}


def known(service: Service) -> Known:
    """What a service offers to agree with."""
    organisation = service.organisation
    locations = [link.location for link in service.location_links if isinstance(link.location, Location)]
    emails = {e.lower() for e in (service.email, organisation.email) if e}
    sites = [s for s in (service.website, organisation.website) if s]
    domains = {e.split("@")[1] for e in emails} | {
        re.sub(r"^https?://(?:www\.)?", "", s).split("/")[0].lower() for s in sites
    }
    return Known(
        service=service,
        words=words(service.name),
        allowed=words(organisation.name)
        | {w for loc in locations for w in words(f"{loc.name or ''} {loc.town or ''}")},
        organisation=_flat(organisation.name),
        venues=[_flat(loc.name) for loc in locations if loc.name and len(loc.name) > 5],
        postcodes={loc.postcode for loc in locations if loc.postcode},
        days={row.weekday for row in service.schedules},
        emails=emails,
        phones={_digits(p) for p in (service.phone, organisation.phone) if p and len(_digits(p)) >= 10},
        domains=domains,
    )


def name_agrees(title: str, service: Known) -> bool:
    """Every word of the service's name is in the title, and the title adds only days, change words or the
    organisation's or venue's own words."""
    if not service.words:
        return False
    title_words = words(title)
    matched = {w for w in title_words if any(_same_word(w, s) for s in service.words)}
    if not all(any(_same_word(s, w) for w in title_words) for s in service.words):
        return False
    return all(w in CHANGE_WORDS or w in service.allowed for w in title_words - matched)


def _same_word(a: str, b: str) -> bool:
    return a == b or a.rstrip("s") == b.rstrip("s") or (min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 85)


def evidence(candidate: Candidate, context: str, sender_domains: set[str], service: Known) -> list[str]:
    """The facts besides the name that agree with the service."""
    text = _flat(candidate.excerpt)
    found = []
    if service.organisation and (
        service.organisation in text or service.organisation in _flat(context) or sender_domains & service.domains
    ):
        found.append("organisation")
    if candidate.postcode and candidate.postcode in service.postcodes:
        found.append("postcode")
    if any(venue in text for venue in service.venues):
        found.append("venue")
    phones = {_digits(p) for p in _PHONE.findall(candidate.excerpt)}
    if any(e in candidate.excerpt.lower() for e in service.emails) or phones & service.phones:
        found.append("contact")
    if candidate.days & service.days:
        found.append("day")
    return found


def best_match(
    candidate: Candidate, services: list[Known], context: str = "", sender_domains: set[str] = frozenset()
) -> Match | None:
    """The service whose name agrees and which agrees on the most else; None when nothing else agrees."""
    best = None
    for item in services:
        if not name_agrees(candidate.name, item):
            continue
        why = evidence(candidate, context, set(sender_domains), item)
        elsewhere = (
            candidate.postcode
            and item.postcodes
            and candidate.postcode not in item.postcodes
            and candidate.change != "moved"
        )
        if not why or (elsewhere and why == ["day"]):
            continue  # a group meeting at another postcode on the same day is another group
        score = fuzz.token_set_ratio(candidate.name, item.service.name)
        rank = (sum(WEIGHTS[w] for w in why), score)
        if best is None or rank > best[0]:
            best = (rank, Match(item.service, round(score, 1), why))
    return best[1] if best else None


def _flat(text: str | None) -> str:
    return " ".join(re.sub(r"[’']", "'", (text or "").lower()).split())


def _digits(text: str | None) -> str:
    # Phone numbers compared by their digits; "+44 141" and "0141" alike.
    return re.sub(r"\D", "", (text or "").replace("+44", "0"))

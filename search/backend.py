"""The small interface every search backend implements, and the shapes it speaks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain

ORDERS = ("best", "nearest", "verified", "name")
FLAGS = ("free", "wheelchair", "accepting", "self_referral")
# Best match: relevance times these factors, the same for every backend.
STALE_FACTOR = 0.6  # stale listings rank lower, never vanish
FAR_FACTOR = 0.5  # the weight of a result at the edge of the radius, relative to one next door
COVERS_SHARE = 0.5  # a service covering the place (by phone, online, home visits) counts as halfway to the edge

# Relevance, the same for every backend. Each thing typed scores the best of the ways a listing
# matches it, and the scores of the things typed add up. Where: the service's name counts most,
# then its organisation and categories, then its summary, then anywhere else (description,
# eligibility). How: the words themselves (by their stems), a synonym at SYNONYM of that, a
# related need at RELATED, only in the name, organisation or categories. The words exactly as
# typed add TYPED, and the words typed together found together add TOGETHER.
SECTION_WEIGHTS = (1.0, 0.8, 0.6, 0.3)  # name; organisation and categories; summary; anywhere
SYNONYM = 0.5
RELATED = 0.3
TYPED = 0.15
TOGETHER = 0.2


class IndexBusy(RuntimeError):
    """Another process held the index writer for longer than we wait."""


@dataclass(frozen=True)
class Near:
    """A searched place: a point, a radius, and the codes of the areas it lies in."""

    latitude: float
    longitude: float
    radius_km: float
    area_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchQuery:
    """Everything a search can say. Filters combine with AND; lists inside one filter with OR."""

    today: date
    keywords: str = ""
    literal: bool = False  # search the words as typed: no spelling correction
    plain_words: tuple[str, ...] = ()  # wordings typed to search for as words, not read as filters
    now: datetime | None = None  # UK wall-clock time, for "on now" and sessions already over today
    near: Near | None = None
    categories: tuple[str, ...] = ()
    age: int | None = None
    groups: tuple[str, ...] = ()  # services specifically for one of these groups
    modes: tuple[str, ...] = ()  # one of these ways of taking part: in_person, phone, online, home_visit
    for_person: tuple[str, ...] = ()  # the groups the person belongs to: hide services only for others
    self_referral: bool = False  # self-referral or drop-in
    free: bool = False
    language: str | None = None
    wheelchair: bool = False
    runs_on: date | None = None  # a session on this date
    weekdays: tuple[str, ...] = ()  # a session on one of these days of the week ("MO".."SU")
    parts_of_day: tuple[str, ...] = ()  # a session in one of these: morning, afternoon, evening
    this_week: bool = False  # a session in the 7 days from today
    in_season_on: date | None = None
    accepting: bool = False
    organisation_id: str | None = None
    modified_since: datetime | None = None  # timezone-aware: only services last changed at or after it
    include_closed: bool = False  # temporarily closed services, labelled
    order: str = "best"
    offset: int = 0
    limit: int = 20
    stale_days: int = 365

    def __post_init__(self):
        if self.modified_since is not None and self.modified_since.utcoffset() is None:
            raise ValueError("SearchQuery.modified_since must be timezone-aware.")


@dataclass
class SearchHits:
    """Ids in ranked order for one page, with the total, facet counts and distances."""

    ids: list[str]
    total: int
    facets: dict[str, int] = field(default_factory=dict)
    distances: dict[str, float] = field(default_factory=dict)
    covers_area: set[str] = field(default_factory=set)
    suggestion: str | None = None  # set by search_services, from the words' spelling


@dataclass
class CheckReport:
    """How the index differs from the database."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale)


class SearchBackend(ABC):
    """Index documents, delete ids, query with filters, rebuild, report stamps."""

    @abstractmethod
    def index(self, documents: Iterable[dict]) -> None:
        """Add or replace these documents (by id)."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove these ids; unknown ids are ignored."""

    @abstractmethod
    def query(self, query: SearchQuery) -> SearchHits:
        """Run a search."""

    @abstractmethod
    def rebuild(self, documents: Iterable[dict], progress=None) -> int:
        """Build a fresh index from documents and swap it in; searches keep working meanwhile."""

    def rebuild_parts(self, parts: Callable[[], list[Callable]], progress=None) -> int:
        """rebuild() from parts in turn, each a callable taking a progress callback and returning documents.

        `parts()` gives them once the rebuild holds the index. A backend may build the parts in
        parallel (each then runs in a process of its own).
        """
        return self.rebuild(chain.from_iterable(part(progress) for part in parts()))

    def warm_up(self) -> None:  # noqa: B027 (a hook: backends with nothing to warm keep it)
        """Get ready to serve (open readers, load tables) before the first search; nothing by default."""

    @abstractmethod
    def word_counts(self, words: Iterable[str]) -> dict[str, int]:
        """How many indexed listings contain each word (by its stem, as a search would find it)."""

    @abstractmethod
    def vocabulary(self) -> frozenset[str]:
        """Every word of the indexed listings as written (lowercased, letters only, 3 to 30 long)."""

    @abstractmethod
    def generation(self) -> str:
        """Which build of the index is live; it changes on every rebuild."""

    @abstractmethod
    def stamps(self) -> dict[str, str]:
        """Every indexed id with its document stamp (for `search check`)."""

    @abstractmethod
    def document_order(self) -> list[str]:
        """Every indexed id, in the index's own order of its documents (two builds of the same listings agree)."""

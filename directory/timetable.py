"""When a service runs: sessions on dates, the next session, seasons. Pure functions; dates and times passed in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import NamedTuple, Protocol

WEEKDAY_NUMBERS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


class SessionRule(Protocol):
    frequency: str
    opens_at: time | None
    closes_at: time | None
    weekday: str
    week_of_month: int | None
    valid_from: date | None
    valid_to: date | None


class SeasonWindow(Protocol):
    start_month: int
    start_day: int
    end_month: int
    end_day: int


class Window(NamedTuple):
    """A season as plain values (what the search index stores)."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int


def runs_on(rule: SessionRule, day: date) -> bool:
    """True when a weekly or monthly session falls on day (ignoring seasons)."""
    if rule.valid_from and day < rule.valid_from or rule.valid_to and day > rule.valid_to:
        return False
    if day.weekday() != WEEKDAY_NUMBERS[rule.weekday]:
        return False
    if rule.frequency != "monthly":
        return True
    if rule.week_of_month == -1:
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == rule.week_of_month


def in_season(seasons: Iterable[SeasonWindow], day: date) -> bool:
    """True when day falls in any season window; a service with no seasons runs all year."""
    windows = list(seasons)
    if not windows:
        return True
    key = (day.month, day.day)
    for w in windows:
        start, end = (w.start_month, w.start_day), (w.end_month, w.end_day)
        if start <= end and start <= key <= end:
            return True
        if start > end and (key >= start or key <= end):  # the window wraps the new year
            return True
    return False


def next_season_start(seasons: Iterable[SeasonWindow], day: date) -> date | None:
    """The first day on or after day when a season begins (None when there are no seasons)."""
    starts = []
    for w in seasons:
        for year in (day.year, day.year + 1):
            start = _safe_date(year, w.start_month, w.start_day)
            if start >= day:
                starts.append(start)
                break
    return min(starts) if starts else None


def previous_season_start(seasons: Iterable[SeasonWindow], day: date) -> date | None:
    """The last day on or before day when a season began (None when there are no seasons)."""
    starts = []
    for w in seasons:
        for year in (day.year, day.year - 1):
            start = _safe_date(year, w.start_month, w.start_day)
            if start <= day:
                starts.append(start)
                break
    return max(starts) if starts else None


def next_session(
    rules: Iterable[SessionRule], seasons: Iterable[SeasonWindow], today: date, horizon_days: int = 62
) -> tuple[date, SessionRule] | None:
    """The next date (from today) with a session in season, and its rule; None within the horizon."""
    rules, seasons = list(rules), list(seasons)
    if not rules:
        return None
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        if not in_season(seasons, day):
            continue
        for rule in rules:
            if runs_on(rule, day):
                return day, rule
    return None


class Occurrence(NamedTuple):
    """One session on one day, and whether it is under way at the moment asked about."""

    day: date
    rule: SessionRule
    on_now: bool = False


def upcoming(
    rules: Iterable[SessionRule],
    seasons: Iterable[SeasonWindow],
    now: datetime,
    *,
    not_before: date | None = None,
    horizon_days: int = 62,
) -> Occurrence | None:
    """The first session in season that has not ended by `now` (UK wall-clock time), from not_before.

    A session ends at its closing time; one with only an opening time is over once it has
    started (nobody can say it is still on), and one with no times lasts the whole day.
    """
    rules, seasons = list(rules), list(seasons)
    start = max(now.date(), not_before or now.date())
    for offset in range(horizon_days + 1):
        day = start + timedelta(days=offset)
        if not in_season(seasons, day):
            continue
        todays = sorted((r for r in rules if runs_on(r, day)), key=lambda r: r.opens_at or time.min)
        for rule in todays:
            if day > now.date():
                return Occurrence(day, rule)
            clock = now.time().replace(tzinfo=None)
            ends = rule.closes_at or rule.opens_at
            if rule.closes_at and rule.opens_at and rule.closes_at <= rule.opens_at:
                ends = None  # overnight ("6pm to 2am"): still on until midnight at least
            if ends is None or clock < ends:
                return Occurrence(day, rule, bool(rule.closes_at and rule.opens_at and rule.opens_at <= clock))
    return None


def runs_between(rules: Iterable[SessionRule], seasons: Iterable[SeasonWindow], first: date, last: date) -> bool:
    """True when there is a session in season on any day from first to last inclusive."""
    found = next_session(rules, seasons, first, horizon_days=(last - first).days)
    return found is not None


def _safe_date(year: int, month: int, day: int) -> date:
    # 29 February in a common year becomes 28 February.
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


EVENING, MORNING = time(17, 0), time(8, 0)


def runs_overnight(opens: time, closes: time) -> bool:
    """A session opening in the evening and closing by 8 the next morning ("6pm-2am", "8pm-8am")."""
    return opens >= EVENING and closes <= MORNING

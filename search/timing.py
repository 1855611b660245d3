"""Date filters on indexed timetables: does a service run on a day, this week, or in season?"""

from __future__ import annotations

from datetime import date, time

from directory.timetable import Window, in_season, next_session

from .backend import SearchQuery

# Parts of the day as people say them: [start, end) in UK wall-clock time.
PARTS_OF_DAY = {"morning": (time(0), time(12)), "afternoon": (time(12), time(17)), "evening": (time(17), time.max)}


class _Rule:
    __slots__ = ("frequency", "weekday", "week_of_month", "valid_from", "valid_to", "opens_at", "closes_at")

    def __init__(self, row):
        self.frequency, self.weekday, self.week_of_month = row[0], row[1], row[2]
        self.valid_from = date.fromisoformat(row[3]) if row[3] else None
        self.valid_to = date.fromisoformat(row[4]) if row[4] else None
        times = row[5:7] if len(row) >= 7 else (None, None)  # documents indexed before times were
        self.opens_at, self.closes_at = (time.fromisoformat(t) if t else None for t in times)


def needs_session(q: SearchQuery) -> bool:
    """True when only a service with a session that fits can match (a day, this week, weekdays, parts of the day)."""
    return bool(q.runs_on or q.this_week or q.weekdays or q.parts_of_day)


def wants_timing(q: SearchQuery) -> bool:
    """True when the query filters on sessions or seasons."""
    return bool(needs_session(q) or q.in_season_on)


def fits_pattern(rule, q: SearchQuery) -> bool:
    """Whether a session is on one of the weekdays and in one of the parts of the day asked for
    (a monthly session counts for its weekday; a session with no times fits no part of the day)."""
    if q.weekdays and rule.weekday not in q.weekdays:
        return False
    if rule.valid_to and rule.valid_to < q.today:  # a session pattern that has ended
        return False
    if q.parts_of_day:
        if rule.opens_at is None:
            return False
        starts, ends = rule.opens_at, rule.closes_at
        if ends is None:  # only a start: the part of the day it starts in
            return any(PARTS_OF_DAY[p][0] <= starts < PARTS_OF_DAY[p][1] for p in q.parts_of_day)
        ends = ends if ends > starts else time.max  # overnight: on until midnight at least
        return any(starts < PARTS_OF_DAY[p][1] and ends > PARTS_OF_DAY[p][0] for p in q.parts_of_day)
    return True


def matches_timing(schedules: list, seasons: list, q: SearchQuery) -> bool:
    """Whether a document's schedules and seasons (as indexed) pass the query's date filters."""
    windows = [Window(*s) for s in seasons]
    if q.in_season_on and not in_season(windows, q.in_season_on):
        return False
    if needs_session(q):
        rules = [r for r in map(_Rule, schedules) if fits_pattern(r, q)]
        if not rules:
            return False
        if q.runs_on and next_session(rules, windows, q.runs_on, horizon_days=0) is None:
            return False
        if q.this_week and next_session(rules, windows, q.today, horizon_days=6) is None:
            return False
    return True

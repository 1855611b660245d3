"""Date filters on indexed timetables: does a service run on a day, this week, or in season?"""

from __future__ import annotations

from datetime import date

from directory.timetable import Window, in_season, next_session

from .backend import SearchQuery


class _Rule:
    __slots__ = ("frequency", "weekday", "week_of_month", "valid_from", "valid_to")

    def __init__(self, row):
        self.frequency, self.weekday, self.week_of_month = row[0], row[1], row[2]
        self.valid_from = date.fromisoformat(row[3]) if row[3] else None
        self.valid_to = date.fromisoformat(row[4]) if row[4] else None


def wants_timing(q: SearchQuery) -> bool:
    """True when the query filters on sessions or seasons."""
    return bool(q.runs_on or q.this_week or q.in_season_on)


def matches_timing(schedules: list, seasons: list, q: SearchQuery) -> bool:
    """Whether a document's schedules and seasons (as indexed) pass the query's date filters."""
    windows = [Window(*s) for s in seasons]
    if q.in_season_on and not in_season(windows, q.in_season_on):
        return False
    if q.runs_on or q.this_week:
        rules = [_Rule(r) for r in schedules]
        if q.runs_on and next_session(rules, windows, q.runs_on, horizon_days=0) is None:
            return False
        if q.this_week and next_session(rules, windows, q.today, horizon_days=6) is None:
            return False
    return True

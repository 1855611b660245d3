"""Why a listing may be wrong, and when to ask about it: pure rules with the date passed in.

Every flag carries a reason in words and the date its condition began (`since`), so a reminder
is due only for what arose after the organisation last answered. Nothing here hides or deletes
a listing: flags label it, rank it lower, and ask the people who know.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from directory.timetable import in_season, next_season_start, previous_season_start


@dataclass(frozen=True)
class Policy:
    """How long things may go unconfirmed; configurable through SIGNPOST_* settings."""

    review_days: int = 183  # about 6 months
    stale_days: int = 365
    funding_warning_days: int = 60
    referral_months: int = 3
    dead_link_failures: int = 3  # failed checks in a row, each on a different day
    closure_reports: int = 2  # independent "it has closed" reports
    reminder_gap_days: int = 14  # first reminder, second reminder, then the moderators
    mail_gap_days: int = 7  # never more than one email a week to one address
    link_days: int = 30  # how long the links in a reminder work


@dataclass(frozen=True)
class Flag:
    """One reason to double-check a listing, in words, with the date its condition began."""

    code: str
    reason: str
    since: date | None = None
    urgent: bool = False

    @property
    def text(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Evidence:
    """What people and checks have told Signpost about a listing, beyond its own fields."""

    closure_reports: tuple[date, ...] = ()  # days of open "it has closed" reports
    closed_by_owner: date | None = None  # the organisation answered a reminder: it has closed
    link_failures: int = 0  # website checks failed in a row
    link_failing_since: date | None = None
    link_error: str = ""
    bouncing: tuple[tuple[str, date], ...] = ()  # (address, first bounce) for the listing's contacts


@dataclass(frozen=True)
class Listing:
    """The facts about one service the rules read (built from a Service by listing_facts)."""

    status: str = "active"
    last_verified: datetime | None = None
    expected_reopening: date | None = None
    funding: tuple = ()
    seasons: tuple = ()
    routes: tuple = ()
    evidence: Evidence = field(default_factory=Evidence)
    details_to_check: tuple[tuple[str, str], ...] = ()  # (column, value as written) an import could not read
    details_since: date | None = None


# Most serious first; the order flags are shown in.
CODES = (
    "defunct",
    "reported_closed",
    "temporarily_closed",
    "reopening_passed",
    "funding_ended",
    "dead_link",
    "contact_bouncing",
    "stale",
    "needs_review",
    "details_to_check",
    "referral_unknown",
    "funding_ending",
    "out_of_season",
)
LABELS = {
    "defunct": "Closed or not running",
    "reported_closed": "Reported closed",
    "temporarily_closed": "Temporarily closed",
    "reopening_passed": "Reopening date passed",
    "funding_ended": "Funding ended",
    "dead_link": "Website not working",
    "contact_bouncing": "Contact email bouncing",
    "stale": "Stale",
    "needs_review": "Needs review",
    "details_to_check": "Imported with details to check",
    "referral_unknown": "Referral status unknown",
    "funding_ending": "Funding ending",
    "out_of_season": "Out of season",
}
# Flags the organisation is asked about by email (the others are facts, or for moderators).
REVIEW_CODES = frozenset(
    {"needs_review", "details_to_check", "stale", "funding_ended", "reopening_passed", "referral_unknown", "dead_link"}
)
# Flags that come from evidence rather than the listing's own dates: stored, not recomputed on display.
EVIDENCE_CODES = frozenset({"reported_closed", "dead_link", "contact_bouncing"})
# Facts that need nobody to act: a listing with only these is not on the dashboard's main list.
INFO_CODES = frozenset({"defunct", "temporarily_closed", "funding_ending", "out_of_season"})
# Flags that rank a listing lower in search (it is still shown, labelled).
DEMOTING_CODES = frozenset({"stale", "reported_closed", "dead_link"})
HIDDEN_STATUSES = ("defunct", "inactive")
# The service attribute where a spreadsheet import keeps the cells it could not read:
# {"since": "YYYY-MM-DD", "cells": {column: value as written}}.
DETAILS_TO_CHECK = "details_to_check"


def words(day: date) -> str:
    """date(2026, 3, 31) -> '31 March 2026'."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (31 August + 3 months is 30 November)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_date(moment: datetime | date | None) -> date | None:
    """A datetime's UTC date (dates pass through)."""
    if isinstance(moment, datetime):
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    return moment


def verified_age_days(last_verified: datetime | None, today: date) -> int | None:
    """Days since the listing was last confirmed, or None if never."""
    verified = as_date(last_verified)
    return None if verified is None else (today - verified).days


def funding_flag(funding: Iterable, today: date, warn_days: int = Policy.funding_warning_days) -> Flag | None:
    """Funding that has ended, or ends within warn_days, with nothing open-ended beside it."""
    items = [f for f in funding if f.status != "unfunded"]
    if not items or any(f.status != "ended" and f.funded_until is None for f in items):
        return None
    until = max((f.funded_until for f in items if f.funded_until), default=None)
    if until is None or until < today:
        when = f" on {words(until)}" if until else ""
        since = until + timedelta(days=1) if until else None
        return Flag("funding_ended", f"Funding ended{when}; check it is still running", since)
    if (until - today).days <= warn_days:
        return Flag("funding_ending", f"Funding ends on {words(until)}", until - timedelta(days=warn_days))
    return None


def verification_flag(listing: Listing, today: date, policy: Policy) -> Flag | None:
    """Needs review after review_days without a confirmation, stale after stale_days.

    A seasonal service out of season is not flagged for being quiet: when it was confirmed
    during (or since the start of) its last season, the question waits until it runs again.
    """
    verified = as_date(listing.last_verified)
    if verified is None:
        return Flag("stale", "Never confirmed by anyone")
    if listing.seasons and not in_season(listing.seasons, today):
        last_start = previous_season_start(listing.seasons, today)
        if last_start is not None and verified >= last_start:
            return None
    age = (today - verified).days
    if age >= policy.stale_days:
        return Flag("stale", f"Not confirmed for {age // 30} months", verified + timedelta(days=policy.stale_days))
    if age >= policy.review_days:
        return Flag(
            "needs_review",
            f"Due for a check: last confirmed {age // 30} months ago",
            verified + timedelta(days=policy.review_days),
        )
    return None


def details_flag(listing: Listing, today: date, policy: Policy) -> Flag | None:
    """Imported with details Signpost could not read, until someone confirms the listing after that import."""
    if not listing.details_to_check:
        return None
    verified, since = as_date(listing.last_verified), listing.details_since
    if verified is not None and (since is None or verified >= since):
        return None
    cells = "; ".join(f"{column}: “{value}”" for column, value in listing.details_to_check)
    return Flag("details_to_check", f"Imported with details to check – {cells}", since)


def referral_flag(listing: Listing, today: date, policy: Policy) -> Flag | None:
    """'Accepting referrals' not confirmed for referral_months becomes 'referral status unknown'."""
    verified = as_date(listing.last_verified)
    oldest = None
    for route in listing.routes:
        if route.status != "accepting":
            continue
        confirmed = route.status_confirmed_on or verified
        if confirmed is None:
            continue  # never confirmed at all: the stale flag already says so
        if oldest is None or confirmed < oldest:
            oldest = confirmed
    if oldest is None or today < add_months(oldest, policy.referral_months):
        return None
    return Flag(
        "referral_unknown",
        f"Referral status unknown: “accepting referrals” not confirmed since {words(oldest)}",
        add_months(oldest, policy.referral_months),
    )


def closure_flags(listing: Listing, today: date, policy: Policy) -> list[Flag]:
    """Defunct, temporarily closed (and past its reopening date), and reported closed."""
    if listing.status in HIDDEN_STATUSES:
        text = "Closed for good" if listing.status == "defunct" else "Not running"
        return [Flag("defunct", text)]
    flags = []
    evidence = listing.evidence
    days = sorted(set(evidence.closure_reports))
    if evidence.closed_by_owner:
        flags.append(
            Flag(
                "reported_closed",
                f"The organisation said it has closed on {words(evidence.closed_by_owner)}; review urgently",
                evidence.closed_by_owner,
                urgent=True,
            )
        )
    elif len(days) >= policy.closure_reports:
        flags.append(
            Flag(
                "reported_closed",
                f"Reported closed by {len(days)} people (latest {words(days[-1])}); review urgently",
                days[policy.closure_reports - 1],
                urgent=True,
            )
        )
    if listing.status == "temporarily_closed":
        reopens = listing.expected_reopening
        text = f"Temporarily closed, expected to reopen on {words(reopens)}" if reopens else "Temporarily closed"
        flags.append(Flag("temporarily_closed", text))
        if reopens and today > reopens:
            flags.append(
                Flag(
                    "reopening_passed",
                    f"Was expected to reopen on {words(reopens)}; check it has",
                    reopens + timedelta(days=1),
                )
            )
    return flags


def evidence_flags(evidence: Evidence, policy: Policy) -> list[Flag]:
    """Dead link and contact bouncing, from the website checks and bounced mail."""
    flags = []
    if evidence.link_failures >= policy.dead_link_failures:
        since = evidence.link_failing_since
        detail = f" ({evidence.link_error})" if evidence.link_error else ""
        text = f"The website has failed {evidence.link_failures} checks in a row" + (
            f" since {words(since)}" if since else ""
        )
        flags.append(Flag("dead_link", text + detail, since))
    if evidence.bouncing:
        addresses = ", ".join(address for address, _ in evidence.bouncing)
        first = min(day for _, day in evidence.bouncing)
        flags.append(Flag("contact_bouncing", f"Email to {addresses} bounces (since {words(first)})", first))
    return flags


def assess(listing: Listing, today: date, policy: Policy = Policy()) -> list[Flag]:
    """Every flag for one listing on `today`, most serious first."""
    flags = closure_flags(listing, today, policy)
    if listing.status in HIDDEN_STATUSES:
        return flags
    flags += evidence_flags(listing.evidence, policy)
    for rule in (verification_flag, details_flag, referral_flag):
        found = rule(listing, today, policy)
        if found:
            flags.append(found)
    money = funding_flag(listing.funding, today, policy.funding_warning_days)
    if money:
        flags.append(money)
    if listing.seasons and not in_season(listing.seasons, today):
        back = next_season_start(listing.seasons, today)
        flags.append(Flag("out_of_season", f"Out of season, back on {back.day} {calendar.month_name[back.month]}"))
    return sorted(flags, key=lambda f: CODES.index(f.code))


def listing_facts(service, evidence: Evidence = Evidence()) -> Listing:
    """The facts the rules read from a Service (or anything shaped like one)."""
    details = (getattr(service, "attributes", None) or {}).get(DETAILS_TO_CHECK) or {}
    since = details.get("since")
    return Listing(
        status=service.status,
        last_verified=service.last_verified_at,
        expected_reopening=service.expected_reopening,
        funding=tuple(service.funding),
        seasons=tuple(service.seasons),
        routes=tuple(service.referral_routes),
        evidence=evidence,
        details_to_check=tuple((details.get("cells") or {}).items()),
        details_since=date.fromisoformat(since) if since else None,
    )


def due_flags(flags: Iterable[Flag], answered_on: date | None) -> list[Flag]:
    """Flags worth asking about: raised after the organisation last confirmed or answered."""
    return [
        f
        for f in flags
        if f.code in REVIEW_CODES and (answered_on is None or (f.since is not None and f.since > answered_on))
    ]


def reminder_stage(
    flags: Iterable[Flag], answered_on: date | None, sent: Sequence[datetime], now: datetime, policy: Policy = Policy()
) -> int | None:
    """The reminder due now: 1 and 2 to the organisation, 3 to the moderators; None when nothing is.

    `sent` holds when this round's reminders went (those after `answered_on`), oldest first.
    """
    if not due_flags(flags, answered_on):
        return None
    if not sent:
        return 1
    if len(sent) < 3 and now >= sent[-1] + timedelta(days=policy.reminder_gap_days):
        return len(sent) + 1
    return None


def may_email(last_sent: datetime | None, now: datetime, policy: Policy = Policy()) -> bool:
    """At most one email a week to one address."""
    return last_sent is None or now - last_sent >= timedelta(days=policy.mail_gap_days)


def link_check_due(last_checked: datetime | None, now: datetime) -> bool:
    """A website is checked at most once a day (an hourly run checks only what is due)."""
    return last_checked is None or now - last_checked >= timedelta(hours=20)

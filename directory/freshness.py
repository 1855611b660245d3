"""Why a listing may be out of date: pure rules with the date passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable

NEEDS_REVIEW_DAYS = 183  # about 6 months
STALE_DAYS = 365
FUNDING_WARNING_DAYS = 60


@dataclass(frozen=True)
class Warning:
    """A reason to double-check a listing, in words."""

    code: str  # stale, needs_review, funding_ended, funding_ending, temporarily_closed
    text: str


def verified_age_days(last_verified: datetime | None, today: date) -> int | None:
    """Days since the listing was last confirmed, or None if never."""
    if last_verified is None:
        return None
    if last_verified.tzinfo is not None:
        last_verified = last_verified.astimezone(timezone.utc)
    return (today - last_verified.date()).days


def is_stale(last_verified: datetime | None, today: date, stale_days: int = STALE_DAYS) -> bool:
    """True when never verified or not verified for stale_days."""
    age = verified_age_days(last_verified, today)
    return age is None or age >= stale_days


def funding_warning(funding: Iterable, today: date, warn_days: int = FUNDING_WARNING_DAYS) -> Warning | None:
    """Funding that has ended, or ends within warn_days, with nothing open-ended beside it."""
    items = [f for f in funding if f.status != "unfunded"]
    if not items or any(f.status != "ended" and f.funded_until is None for f in items):
        return None
    until = max((f.funded_until for f in items if f.funded_until), default=None)
    if until is None or until < today:
        when = f" on {until.day} {until:%B %Y}" if until else ""
        return Warning("funding_ended", f"Funding ended{when}; check it is still running")
    if (until - today).days <= warn_days:
        return Warning("funding_ending", f"Funding ends on {until.day} {until:%B %Y}")
    return None


def listing_warnings(
    *,
    status: str,
    last_verified: datetime | None,
    funding: Iterable,
    today: date,
    review_days: int = NEEDS_REVIEW_DAYS,
    stale_days: int = STALE_DAYS,
) -> list[Warning]:
    """Every reason a link worker should double-check this listing, most serious first."""
    warnings = []
    if status == "temporarily_closed":
        warnings.append(Warning("temporarily_closed", "Temporarily closed"))
    money = funding_warning(funding, today)
    if money:
        warnings.append(money)
    age = verified_age_days(last_verified, today)
    if age is None:
        warnings.append(Warning("stale", "Never confirmed by anyone"))
    elif age >= stale_days:
        warnings.append(Warning("stale", f"Not confirmed for {age // 30} months"))
    elif age >= review_days:
        warnings.append(Warning("needs_review", f"Due for a check: last confirmed {age // 30} months ago"))
    return warnings

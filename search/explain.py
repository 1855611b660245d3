"""Why a result is shown and what to check: distance, next session, route, cost, freshness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from directory import presenters
from directory.freshness import CODES, EVIDENCE_CODES, Flag, Policy, assess, listing_facts
from directory.models import Service
from directory.timetable import in_season, next_season_start, next_session


@dataclass
class Explanation:
    """The facts a result card shows, in words."""

    where: str
    when: str
    referral: str
    cost: str
    verified: str
    warnings: list[str] = field(default_factory=list)
    out_of_season: bool = False
    flags: list[Flag] = field(default_factory=list)


def current_flags(service: Service, today: date, policy: Policy = Policy()) -> list[Flag]:
    """The listing's flags today: its own dates read now, and the evidence `freshness run` stored."""
    flags = assess(listing_facts(service), today, policy)
    stored = [Flag(s.code, s.reason, s.since, s.urgent) for s in service.flags if s.code in EVIDENCE_CODES]
    return sorted(flags + stored, key=lambda f: CODES.index(f.code))


def explain(service: Service, today: date, distance: float | None, covers_area: bool, place_label: str = "",
            policy: Policy = Policy()) -> Explanation:
    """Explain one result for a search made today."""
    if distance is not None:
        where = f"{presenters.km(distance)} away"
    elif covers_area:
        names = ", ".join(area.name for area in service.areas)
        where = f"Covers your area ({names})" if names else "Covers your area"
    else:
        where = ""
    out_of_season = bool(service.seasons) and not in_season(service.seasons, today)
    if out_of_season:
        back = next_season_start(service.seasons, today)
        when = f"Out of season, back on {back.day} {back:%B}" if back else "Out of season"
    else:
        found = next_session(service.schedules, service.seasons, today)
        if found:
            day, rule = found
            label = "today" if day == today else f"{day:%A} {day.day} {day:%B}"
            when = f"Next session {label}" + (f", {presenters.clock(rule.opens_at)}" if rule.opens_at else "")
        elif service.schedules:
            when = "No session in the next two months"
        else:
            when = "Contact them for times"
    referral = "; ".join(
        presenters.describe_route(r) + ("" if r.status == "accepting" else f" ({presenters.REFERRAL_STATUS_LABELS[r.status].lower()})")
        for r in service.referral_routes
    ) or "Contact them to ask how to join"
    if service.last_verified_at:
        how = presenters.VERIFICATION_LABELS.get(service.verification_method or "", "")
        verified = f"Checked {presenters.ago(service.last_verified_at, today)} {how}".strip()
    else:
        verified = "Never checked"
    flags = current_flags(service, today, policy)
    warnings = [f.reason for f in flags if f.code != "out_of_season"]  # "When" already says so
    return Explanation(where, when, referral, presenters.describe_cost(service), verified, warnings, out_of_season, flags)

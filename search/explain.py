"""Why a result is shown and what to check: where and when (the venue of the session shown), route,
cost, who it is for, freshness."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from directory import geography, presenters
from directory.freshness import CODES, EVIDENCE_CODES, Flag, Policy, assess, listing_facts, words
from directory.models import Location, Service
from directory.timetable import Occurrence, in_season, next_season_start, upcoming

from .backend import Near

SHORT_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
DAY_ORDER = list(SHORT_DAYS)


@dataclass
class VenueSessions:
    """One venue of a service with the sessions held there, its distance and its next session; or
    the sessions held one way without a venue (by phone, online)."""

    venue: Location | None  # None: sessions held without a venue (see mode), or whose venue is not given
    rules: list
    distance_km: float | None = None
    next: Occurrence | None = None
    mode: str | None = None  # phone, online, home_visit: sessions held that way, with no venue

    @property
    def way(self) -> str | None:
        """How a person takes part in these sessions: in_person at a building, online at a web
        address, else the group's mode (None when not said)."""
        if self.venue is not None:
            return "online" if self.venue.location_type == "virtual" else "in_person"
        return self.mode

    @property
    def days(self) -> str:
        """'Tue', 'Tue and Thu', 'Mon, Wed and Fri'."""
        names = [SHORT_DAYS[d] for d in sorted({r.weekday for r in self.rules}, key=DAY_ORDER.index)]
        return " and ".join(filter(None, (", ".join(names[:-1]), names[-1]))) if names else ""

    @property
    def place(self) -> str:
        """'Tollcross Library, Glasgow'; 'By phone' or 'Online' for sessions held that way."""
        if self.venue is None and self.mode:
            return presenters.ATTENDANCE_LABELS[self.mode]
        return venue_place(self.venue)


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
    for_whom: list[str] = field(default_factory=list)
    venue: Location | None = None  # where the session in `when` is held
    distance_km: float | None = None  # to that venue
    venues: list[VenueSessions] = field(default_factory=list)  # every venue with sessions
    pattern: str = ""  # 'Every Tuesday, 10am to 12pm' for the session in `when`
    referral_checks: list[str] = field(default_factory=list)  # also in warnings
    mode: str | None = None  # phone, online, home_visit when the session in `when` is held that way, not at a venue

    @property
    def sessions_by_venue(self) -> str:
        """'Tue at Tollcross Library, 2.1 km; Wed at Dennistoun Community Centre, 0.4 km; Thu online'
        (two venues or ways or more)."""
        groups = [v for v in self.venues if v.venue is not None or v.mode]
        if len(groups) < 2:
            return ""
        return "; ".join(
            f"{v.days} {presenters.SESSION_MODE_WORDS[v.mode]}"
            if v.venue is None
            else f"{v.days} at {v.venue.name or v.place}"
            + (f", {presenters.km(v.distance_km)}" if v.distance_km is not None else "")
            for v in groups
        )


def current_flags(service: Service, today: date, policy: Policy = Policy()) -> list[Flag]:
    """The listing's flags today: its own dates read now, and the evidence `freshness run` stored."""
    flags = assess(listing_facts(service), today, policy)
    stored = [Flag(s.code, s.reason, s.since, s.urgent) for s in service.flags if s.code in EVIDENCE_CODES]
    return sorted(flags + stored, key=lambda f: CODES.index(f.code))


def venue_place(venue: Location | None) -> str:
    """A venue's name and town: 'Tollcross Library, Glasgow' ('Online' for a virtual one)."""
    if venue is None:
        return ""
    if venue.location_type == "virtual":
        return "Online"
    parts = [venue.name, venue.town if venue.town and venue.town not in (venue.name or "") else None]
    return ", ".join(p for p in parts if p) or venue.postcode or "Venue"


def explain(
    service: Service,
    now: datetime | date,
    near: Near | None = None,
    covers_area: bool = False,
    policy: Policy = Policy(),
    day: date | None = None,
    fits: Callable | None = None,
    modes: tuple[str, ...] = (),
) -> Explanation:
    """Explain one result at `now` (UK time): the venue and session shown are the nearest venue's
    next session (on `day` when a day is asked for; among the sessions that `fits` accepts; held
    one of `modes` when there is such a session)."""
    if not isinstance(now, datetime):
        now = datetime.combine(now, time.min)
    today = now.date()
    venues = sessions_by_venue(service, now, near, day, _reopens(service, today), fits)
    shown = _shown(venues, near, modes)
    where = _where(service, shown, covers_area)
    out_of_season = bool(service.seasons) and not in_season(service.seasons, day or today)
    when = _when(service, shown, venues, now, out_of_season, day)
    flags = current_flags(service, today, policy)
    referral_checks = referral_warnings(service)
    warnings = [f.reason for f in flags if f.code not in ("out_of_season", "temporarily_closed")] + referral_checks
    if service.last_verified_at:
        how = presenters.VERIFICATION_LABELS.get(service.verification_method or "", "")
        verified = f"Checked {presenters.ago(service.last_verified_at, today)} {how}".strip()
    else:
        verified = "Never checked"
    occurrence = shown.next if shown else None
    return Explanation(
        where,
        when,
        describe_routes(service),
        presenters.describe_cost(service),
        verified,
        warnings,
        out_of_season,
        flags,
        for_whom(service),
        shown.venue if shown else None,
        shown.distance_km if shown else None,
        venues,
        presenters.describe_session(occurrence.rule, service) if occurrence else "",
        referral_checks,
        shown.mode if shown else None,
    )


def sessions_by_venue(
    service: Service,
    now: datetime,
    near: Near | None = None,
    day: date | None = None,
    not_before: date | None = None,
    fits: Callable | None = None,
) -> list[VenueSessions]:
    """The service's venues, each with its own sessions, then the sessions held by phone or online
    (one group for each way), each with its distance from `near` and next session. A session with
    no venue and no way said belongs to the only venue, or stands alone when there are several."""
    places = [
        link.location
        for link in service.location_links
        if link.location is not None and link.location.archived_at is None
    ]
    physical = [v for v in places if v.location_type != "virtual"]
    groups: dict = {v.id: VenueSessions(v, []) for v in places}
    remote: dict[str, VenueSessions] = {}
    loose = VenueSessions(None, [])
    for rule in service.schedules:
        owner = groups.get(rule.location_id)
        mode = presenters.session_attendance(rule, service)
        if mode not in (None, "in_person") and (owner is None or owner.venue.location_type != "virtual"):
            owner = remote.setdefault(mode, VenueSessions(None, [], mode=mode))
        elif owner is None and len(physical) == 1:
            owner = groups[physical[0].id]
        (owner or loose).rules.append(rule)
    found = sorted(groups.values(), key=lambda g: min((DAY_ORDER.index(r.weekday) for r in g.rules), default=7))
    found += [remote[mode] for mode in presenters.ATTENDANCE_LABELS if mode in remote]
    found += [loose] if loose.rules else []
    start = now if day is None or day <= now.date() else datetime.combine(day, time.min)
    for group in found:
        venue = group.venue
        if near is not None and venue is not None and venue.latitude is not None and venue.longitude is not None:
            group.distance_km = geography.distance_km(near.latitude, near.longitude, venue.latitude, venue.longitude)
        wanted = [r for r in group.rules if fits is None or fits(r)]
        if wanted:
            group.next = upcoming(wanted, service.seasons, start, not_before=not_before, horizon_days=0 if day else 62)
    return found


def _shown(venues: list[VenueSessions], near: Near | None, modes: tuple[str, ...] = ()) -> VenueSessions | None:
    """The venue a card shows: the nearest within the radius with a session that fits, else the nearest;
    only venues and ways held one of `modes` when the person chose how to take part and there are some.

    With no venue inside the radius (a service found because it covers the area), no venue is
    shown, but the sessions still say when."""
    if modes:
        venues = [v for v in venues if v.way in modes and v.rules] or venues
    if not venues:
        return None
    inside = [v for v in venues if near is None or v.distance_km is None or v.distance_km <= near.radius_km]
    if not inside:
        return VenueSessions(None, [r for v in venues for r in v.rules], None, _soonest(venues))

    def key(v: VenueSessions):
        far = v.distance_km if v.distance_km is not None else float("inf")
        soon = (v.next.day, v.next.rule.opens_at or time.min) if v.next else (date.max, time.max)
        return (v.next is None, far, soon) if near is not None else (v.next is None, soon, v.venue is None)

    return min(inside, key=key)


def _soonest(venues: list[VenueSessions]) -> Occurrence | None:
    found = [v.next for v in venues if v.next]
    return min(found, key=lambda o: (o.day, o.rule.opens_at or time.min)) if found else None


def _where(service: Service, shown: VenueSessions | None, covers_area: bool) -> str:
    """'Tollcross Library, Glasgow · 2.1 km away', 'By phone · covers Glasgow City', 'Online · anywhere in the UK'."""
    if shown is not None and shown.venue is not None and shown.venue.location_type != "virtual":
        place = shown.place
        if shown.distance_km is not None:
            return f"{place} · {presenters.km(shown.distance_km)} away"
        return place
    if shown is not None and shown.venue is None and shown.mode:
        remote = [presenters.ATTENDANCE_LABELS[shown.mode].lower()]
    else:
        remote = [
            presenters.ATTENDANCE_LABELS[m].lower() for m in presenters.all_attendance(service) if m != "in_person"
        ]
    names = ", ".join(area.name for area in service.areas)
    has_venue = any(
        link.location is not None and link.location.location_type != "virtual" for link in service.location_links
    )
    if names:
        covers = f"covers your area ({names})" if covers_area else f"covers {names}"
    elif has_venue:  # a local group's online session is not a claim to serve the whole country
        covers = "covers your area" if covers_area else ""
    else:
        covers = "anywhere in the UK" if remote else ("covers your area" if covers_area else "")
    said = " · ".join(p for p in (" or ".join(remote), covers) if p)
    return said[:1].upper() + said[1:]


def _reopens(service: Service, today: date) -> date | None:
    if service.status == "temporarily_closed":
        return max(service.expected_reopening, today) if service.expected_reopening else date.max
    return None


def _when(
    service: Service,
    shown: VenueSessions | None,
    venues: list[VenueSessions],
    now: datetime,
    out_of_season: bool,
    day: date | None,
) -> str:
    today = now.date()
    occurrence = shown.next if shown else None
    if service.status == "temporarily_closed":
        if not service.expected_reopening or service.expected_reopening <= today:
            return "Temporarily closed: ask when it reopens"
        closed = f"Closed until {presenters.long_date(service.expected_reopening)}"
        return f"{closed}; next session after that: {_session_words(occurrence, today)}" if occurrence else closed
    if out_of_season:
        back = next_season_start(service.seasons, day or today)
        return f"Out of season, back on {back.day} {back:%B}" if back else "Out of season"
    if occurrence is not None:
        if occurrence.on_now:
            return f"On now, until {presenters.clock(occurrence.rule.closes_at)}"
        return f"Next session {_session_words(occurrence, today)}"
    if day and any(v.rules for v in venues):
        return f"No session on {day:%A} {day.day} {day:%B}"
    if any(v.rules for v in venues):
        return "No session in the next two months"
    return "Contact them for times"


def _session_words(occurrence: Occurrence, today: date) -> str:
    """'today, 2pm', 'Tuesday 5 January, 10am'."""
    day = occurrence.day
    label = "today" if day == today else f"{day:%A} {day.day} {day:%B}"
    return label + (f", {presenters.clock(occurrence.rule.opens_at)}" if occurrence.rule.opens_at else "")


def describe_routes(service: Service) -> str:
    """'Self-referral by phone; GP referral (waiting list)'."""
    return (
        "; ".join(
            presenters.describe_route(r)
            + ("" if r.status == "accepting" else f" ({presenters.REFERRAL_STATUS_LABELS[r.status].lower()})")
            for r in service.referral_routes
        )
        or "Contact them to ask how to join"
    )


def referral_warnings(service: Service) -> list[str]:
    """What a link worker must know before sending someone: closed to referrals, a waiting list,
    or only a professional can refer."""
    routes = service.referral_routes
    if not routes:
        return []
    open_routes = [r for r in routes if r.status != "closed"]
    if not open_routes:
        confirmed = [r.status_confirmed_on for r in routes if r.status_confirmed_on]
        when = f" (confirmed {words(max(confirmed))})" if confirmed else ""
        return [f"Not accepting referrals{when}"]
    warnings = []
    waiting = [r for r in open_routes if r.status == "waiting_list"]
    if waiting and len(waiting) == len(open_routes):
        waits = sorted({r.typical_wait for r in waiting if r.typical_wait})
        warnings.append("Waiting list" + (f": typical wait {', '.join(waits)}" if waits else ""))
    if not any(r.route_type in ("self_referral", "drop_in") for r in open_routes):
        who = sorted({presenters.ROUTE_LABELS.get(r.route_type, r.route_type).lower() for r in open_routes})
        warnings.append(f"No self-referral: only by {' or '.join(who)}")
    return warnings


def for_whom(service: Service) -> list[str]:
    """Who may go: 'Women only', 'For carers', 'Ages 18+', 'Over 50s' (nothing when open to all)."""
    found = []
    if not service.open_to_all:
        for group in service.groups_served:
            label = presenters.GROUP_LABELS.get(group, group.replace("_", " ").capitalize())
            lower = label if label[:2].isupper() else label[0].lower() + label[1:]
            found.append(f"{label} only" if group in ("women", "men") else f"For {lower}")
    low, high = service.min_age, service.max_age
    if low and high is None:
        found.append(f"Over {low}s" if low >= 50 and low % 10 == 0 else f"Ages {low}+")
    elif high is not None:
        found.append(f"Under {high + 1}s" if not low else f"Ages {low} to {high}")
    return found

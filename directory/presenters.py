"""Facts in plain language for pages: schedules, seasons, ages, cost, referral routes."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from decimal import Decimal

from markupsafe import Markup, escape

from directory import geography
from directory.clock import today as uk_today
from directory.models import ReferralRoute, Schedule, Season, Service

DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
STATUS_LABELS = {
    "active": "Running",
    "temporarily_closed": "Temporarily closed",
    "inactive": "Not running",
    "defunct": "Closed for good",
}
ROUTE_LABELS = {
    "self_referral": "Self-referral",
    "drop_in": "Drop in",
    "professional": "Referral by a professional",
    "gp": "GP referral",
    "link_worker": "Link worker referral",
}
METHOD_LABELS = {"phone": "by phone", "email": "by email", "online_form": "online form", "in_person": "in person"}
REFERRAL_STATUS_LABELS = {
    "accepting": "Accepting referrals",
    "waiting_list": "Waiting list",
    "closed": "Not taking referrals",
}
FUNDING_LABELS = {
    "funded": "Funded",
    "funding_ending": "Funding ending",
    "unfunded": "Volunteer-run, no funding",
    "ended": "Funding ended",
}
VERIFICATION_LABELS = {
    "owner": "by the organisation",
    "link_worker": "by a link worker",
    "import": "from an imported list",
    "moderator": "by a Signpost moderator",
}
ATTENDANCE_LABELS = {"in_person": "In person", "phone": "By phone", "online": "Online", "home_visit": "Home visits"}
GROUP_LABELS = {
    "women": "Women",
    "men": "Men",
    "carers": "Carers",
    "young_people": "Young people",
    "older_people": "Older people",
    "lgbtq": "LGBTQ+ people",
    "refugees_asylum_seekers": "Refugees and asylum seekers",
    "veterans": "Veterans",
    "disabled_people": "Disabled people",
    "families": "Families",
    "people_in_recovery": "People in recovery",
    "minority_ethnic": "Minority ethnic communities",
}
LANGUAGE_NAMES = {
    "en": "English",
    "ur": "Urdu",
    "bn": "Bengali",
    "syl": "Sylheti",
    "pl": "Polish",
    "ar": "Arabic",
    "so": "Somali",
    "pa": "Punjabi",
    "ro": "Romanian",
    "gd": "Gaelic",
    "cy": "Welsh",
    "fa": "Farsi",
    "ku": "Kurdish",
    "ti": "Tigrinya",
    "uk": "Ukrainian",
    "ru": "Russian",
    "zh": "Chinese",
    "es": "Spanish",
    "pt": "Portuguese",
    "tr": "Turkish",
    "gu": "Gujarati",
    "hi": "Hindi",
    "bsl": "British Sign Language",
    "ps": "Pashto",
    "sq": "Albanian",
    "fr": "French",
}


def clock(value: time | None) -> str:
    """10:00 -> '10am', 13:30 -> '1:30pm'."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def describe_schedule(schedule: Schedule) -> str:
    """'Every Tuesday, 10am to 12pm' or 'First Tuesday of the month, 2pm to 4pm'."""
    day = DAY_NAMES.get(schedule.weekday, schedule.weekday)
    if schedule.frequency == "monthly":
        when = f"{ORDINALS.get(schedule.week_of_month, '').capitalize()} {day} of the month"
    else:
        when = f"Every {day}"
    if schedule.opens_at and schedule.closes_at:
        when += f", {clock(schedule.opens_at)} to {clock(schedule.closes_at)}"
    elif schedule.opens_at:
        when += f", from {clock(schedule.opens_at)}"
    return when


def day_month(month: int, day: int) -> str:
    """(4, 1) -> '1 April'."""
    return f"{day} {calendar.month_name[month]}"


def describe_season(season: Season) -> str:
    """'1 April to 30 September'."""
    return f"{day_month(season.start_month, season.start_day)} to {day_month(season.end_month, season.end_day)}"


def describe_ages(service: Service) -> str:
    """'All ages', 'Ages 16 to 25', '18 and over', 'Under 12'."""
    low, high = service.min_age, service.max_age
    if low is None and high is None:
        return "All ages"
    if high is None:
        return f"{low} and over"
    if low is None or low == 0:
        return f"Up to {high}"
    return f"Ages {low} to {high}"


def attendance(service: Service) -> list[str]:
    """How a person takes part: as the listing says, or else as its venues say (a building: in
    person; a web address: online)."""
    if service.attendance:
        return [mode for mode in ATTENDANCE_LABELS if mode in service.attendance]
    kinds = {
        link.location.location_type
        for link in service.location_links
        if link.location and link.location.archived_at is None
    }
    return [mode for mode, kind in (("in_person", "physical"), ("online", "virtual")) if kind in kinds]


# Ways of taking part that a session can be held in without a venue.
REMOTE_SESSION_MODES = ("phone", "online")
# How a session's mode reads after its day and times: 'Every Thursday, 7pm to 8pm, online'.
SESSION_MODE_WORDS = {"in_person": "in person", "phone": "by phone", "online": "online", "home_visit": "home visits"}


def session_attendance(schedule: Schedule, service: Service) -> str | None:
    """How a person takes part in one session: as the session says; else in person at a venue
    (online at a web address); else, with no venue, the service's one phone or online way, or in
    person when that is its only way; else None (not said)."""
    if schedule.attendance:
        return schedule.attendance
    if schedule.location_id is not None:
        venue = next(
            (link.location for link in service.location_links if link.location_id == schedule.location_id), None
        )
        return "online" if venue is not None and venue.location_type == "virtual" else "in_person"
    ways = attendance(service)
    remote = [mode for mode in ways if mode in REMOTE_SESSION_MODES]
    if len(remote) == 1:
        return remote[0]
    return "in_person" if ways == ["in_person"] else None


def session_modes(service: Service) -> list[str]:
    """Every way of taking part the service's sessions say, in label order."""
    found = {session_attendance(rule, service) for rule in service.schedules}
    return [mode for mode in ATTENDANCE_LABELS if mode in found]


def all_attendance(service: Service) -> list[str]:
    """How a person can take part in any way: the service's own modes and its sessions' together."""
    found = set(attendance(service)) | set(session_modes(service))
    return [mode for mode in ATTENDANCE_LABELS if mode in found]


def describe_session(schedule: Schedule, service: Service) -> str:
    """describe_schedule, and how to take part when that is not at a venue: 'Every Thursday, 7pm to 8pm, online'."""
    said = describe_schedule(schedule)
    mode = session_attendance(schedule, service)
    return f"{said}, {SESSION_MODE_WORDS[mode]}" if mode in REMOTE_SESSION_MODES + ("home_visit",) else said


def money(value: Decimal | None) -> str:
    """Decimal('2.50') -> '£2.50'; Decimal('3.00') -> '£3'."""
    if value is None:
        return ""
    return f"£{value:,.0f}" if value == value.to_integral() else f"£{value:,.2f}"


def describe_cost(service: Service) -> str:
    """'Free', '£2', '£2 to £5: suggested donation'."""
    if service.is_free and not service.cost_description:
        return "Free"
    amount = money(service.cost_min)
    if service.cost_max is not None and service.cost_max != service.cost_min:
        amount = f"{amount} to {money(service.cost_max)}" if amount else f"up to {money(service.cost_max)}"
    described = service.cost_description or ""
    free = "Free" if service.is_free and not described.lower().startswith("free") else ""
    parts = [p for p in (free, amount, described) if p]
    return ": ".join(parts) if parts else "Ask about cost"


def describe_route(route: ReferralRoute) -> str:
    """'Self-referral by phone', 'GP referral'."""
    label = ROUTE_LABELS.get(route.route_type, route.route_type)
    if route.route_type == "drop_in" and route.method == "in_person":
        return label  # "Drop in in person" says nothing more
    method = METHOD_LABELS.get(route.method or "")
    return f"{label} {method}" if method else label


def ago(moment: datetime | date | None, today: date | None = None) -> str:
    """'today', '3 weeks ago', '14 months ago'."""
    if moment is None:
        return "never"
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    days = ((today or uk_today()) - moment).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    count, unit = (
        (days, "day")
        if days < 14
        else (days // 7, "week")
        if days < 60
        else (days // 30, "month")
        if days < 730
        else (days // 365, "year")
    )
    return f"{count} {unit}s ago"


def long_date(value: date | datetime | None) -> str:
    """date(2026, 3, 31) -> '31 March 2026'."""
    if value is None:
        return ""
    return f"{value.day} {calendar.month_name[value.month]} {value.year}"


def km(distance: float | None) -> str:
    """0.43 -> '0.4 km', 12.3 -> '12 km'."""
    if distance is None:
        return ""
    if distance < 0.1:
        return "under 0.1 km"
    return f"{distance:.1f} km" if distance < 10 else f"{distance:.0f} km"


SOURCE_DETAIL_LIMIT = 500  # characters of one imported detail shown on a page
# What an Open Referral source says that has no field of its own, shown publicly.
_SOURCE_LABELS = {
    "alternate_name": "Also known as",
    "application_process": "How to apply",
    "interpretation_services": "Interpreting",
    "taxonomy_terms": "Other categories",
    "locations_not_imported": "Venues not on the map",
    "wait_time": "Waiting time",
    "accreditations": "Accreditations",
    "required_documents": "Documents to bring",
    "payments_accepted": "Payments accepted",
    "program": "Programme",
}


def source_contacts(service: Service) -> list[dict]:
    """The people an imported listing's source names, as {name, title} only: their own email
    addresses and phone numbers are not published (the service's own contact details are)."""
    attributes = service.attributes or {}
    found = [*(attributes.get("contacts") or []), *((attributes.get("hsds") or {}).get("contacts") or [])]
    return [
        {"name": " ".join(str(c["name"]).split())[:200], "title": " ".join(str(c.get("title") or "").split())[:200]}
        for c in found
        if isinstance(c, dict) and c.get("name")
    ]


def source_details(service: Service) -> list[tuple[str, str]]:
    """What an Open Referral source says that has no field of its own, as (label, text): how to
    apply, other names and categories, venues it could not place, and who to ask. Only these
    known fields: a spreadsheet's other columns stay with the listing for editors, unpublished.
    Plain text, cut to SOURCE_DETAIL_LIMIT characters."""
    kept = (service.attributes or {}).get("hsds") or {}
    found = [(label, kept[name]) for name, label in _SOURCE_LABELS.items() if name in kept]
    found += [("Contacts", [", ".join(filter(None, (c["name"], c["title"]))) for c in source_contacts(service)])]
    shown = []
    for label, value in found:
        text = _plain(value)
        if text:
            shown.append((label, text if len(text) <= SOURCE_DETAIL_LIMIT else text[: SOURCE_DETAIL_LIMIT - 1] + "…"))
    return shown


def _plain(value) -> str:
    """A detail as one line of text: lists joined with "; ", records by their words (ids left out)."""
    if isinstance(value, dict):
        return ", ".join(filter(None, (_plain(v) for k, v in value.items() if k != "id" and not k.endswith("_id"))))
    if isinstance(value, list):
        return "; ".join(filter(None, (_plain(v) for v in value)))
    if isinstance(value, bool) or value is None:
        return ""
    return " ".join(str(value).split())


def paragraphs(text: str | None) -> Markup:
    """Plain text with blank lines as paragraphs, everything escaped."""
    blocks = [b.strip() for b in (text or "").split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b)}</p>" for b in blocks))


def phone_href(number: str | None) -> str:
    """A tel: link target with spaces removed."""
    return "tel:" + "".join(ch for ch in (number or "") if ch.isdigit() or ch == "+")


TEMPLATE_FILTERS = {
    "schedule": describe_schedule,
    "season": describe_season,
    "ages": describe_ages,
    "cost": describe_cost,
    "route": describe_route,
    "ago": ago,
    "long_date": long_date,
    "km": km,
    "paragraphs": paragraphs,
    "phone_href": phone_href,
    "clock": clock,
    "attendance": all_attendance,
    "session": describe_session,
    "session_attendance": session_attendance,
}
TEMPLATE_GLOBALS = {
    "source_details": source_details,
    "ATTENDANCE_LABELS": ATTENDANCE_LABELS,
    "SESSION_MODE_WORDS": SESSION_MODE_WORDS,
    "STATUS_LABELS": STATUS_LABELS,
    "REFERRAL_STATUS_LABELS": REFERRAL_STATUS_LABELS,
    "FUNDING_LABELS": FUNDING_LABELS,
    "VERIFICATION_LABELS": VERIFICATION_LABELS,
    "GROUP_LABELS": GROUP_LABELS,
    "LANGUAGE_NAMES": LANGUAGE_NAMES,
    "area_name": geography.area_name,
}

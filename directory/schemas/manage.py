"""The service edit form: flat HTML names (schedules-0-weekday) to ServiceInput's nested shape and back.

Repeated rows (sessions, seasons, referral routes, areas, funding) are numbered fieldsets, so the
form works without JavaScript; a row left blank is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, Schema, validate

from .fields import CleanString
from .listing import (
    AreaInput,
    FundingInput,
    ReferralRouteInput,
    ScheduleInput,
    SeasonInput,
    ServiceInput,
)

CHILD_SCHEMAS = {
    "schedules": ScheduleInput,
    "seasons": SeasonInput,
    "referral_routes": ReferralRouteInput,
    "areas": AreaInput,
    "funding": FundingInput,
}
CHILD_FIELDS = {key: list(schema().fields) for key, schema in CHILD_SCHEMAS.items()}
MULTI = ("categories", "location_ids", "groups_served", "attendance")
CHECKBOXES = ("is_free", "open_to_all")
# Fields whose select has a default even in a blank row: they do not make a row "filled in".
DEFAULTED = {"schedules": {"frequency"}, "referral_routes": {"status"}, "funding": {"status"}}
BLANK_ROWS = 2
MAX_ROWS = 50
_ROW = re.compile(r"^(" + "|".join(CHILD_SCHEMAS) + r")-(\d{1,3})-([a-z_]+)$")
NOT_ON_FORM = {"last_verified_at", "verified_by", "verification_method", "attributes"}
SCALARS = [
    name
    for name in ServiceInput().fields
    if name not in NOT_ON_FORM | set(CHILD_SCHEMAS) | set(MULTI) | set(CHECKBOXES)
]

# The order the form shows fields in, so the error summary follows the page.
FORM_ORDER = [
    "base_version",
    "name",
    "summary",
    "description",
    "status",
    "status_reason",
    "expected_reopening",
    "alert",
    "website",
    "email",
    "phone",
    "min_age",
    "max_age",
    "groups_served",
    "circumstances",
    "eligibility_criteria",
    "open_to_all",
    "attendance",
    "is_free",
    "cost_description",
    "cost_min",
    "cost_max",
    "languages",
    "categories",
    "location_ids",
    *CHILD_SCHEMAS,
]
LABELS = {
    "name": "Service name",
    "summary": "Summary",
    "description": "Description",
    "status": "Status",
    "status_reason": "Reason for the status",
    "expected_reopening": "Expected to reopen on",
    "website": "Website",
    "email": "Email",
    "phone": "Phone",
    "alert": "Notice for link workers",
    "is_free": "Free",
    "cost_description": "Cost",
    "cost_min": "Lowest cost",
    "cost_max": "Highest cost",
    "languages": "Languages",
    "min_age": "Minimum age",
    "max_age": "Maximum age",
    "groups_served": "Who it is for",
    "circumstances": "Circumstances",
    "eligibility_criteria": "Eligibility",
    "open_to_all": "Open to all",
    "attendance": "How people take part",
    "categories": "Categories",
    "location_ids": "Venues",
    "organisation_id": "Organisation",
    "schedules": "Sessions",
    "seasons": "Seasons",
    "referral_routes": "Referral routes",
    "areas": "Areas covered",
    "funding": "Funding",
    "base_version": "Listing",
    "archive_reason": "Reason for archiving",
    "note": "Note",
    "last_verified_at": "Last confirmed",
    "verified_by": "Confirmed by",
    "verification_method": "Confirmed how",
    "archived_at": "Archived",
    "decision": "Decision",
    "revision": "Version",
}
ROW_LABELS = {
    "schedules": "Session",
    "seasons": "Season",
    "referral_routes": "Referral route",
    "areas": "Area",
    "funding": "Funding",
}
CHILD_LABELS = {
    "frequency": "How often",
    "weekday": "Day",
    "week_of_month": "Week of the month",
    "opens_at": "Opens",
    "closes_at": "Closes",
    "valid_from": "From date",
    "valid_to": "Until date",
    "description": "Note",
    "location_id": "Venue",
    "attendance": "How people take part",
    "start_month": "Start month",
    "start_day": "Start day",
    "end_month": "End month",
    "end_day": "End day",
    "route_type": "Route",
    "method": "How",
    "contact": "Contact",
    "url": "Web address",
    "instructions": "Instructions",
    "status": "Status",
    "typical_wait": "Typical wait",
    "status_confirmed_on": "Status confirmed on",
    "area_type": "Kind of area",
    "code": "Area code",
    "name": "Area name",
    "source": "Funder",
    "funded_until": "Funded until",
}

_FRIENDLY = [
    (re.compile(r"^Missing data for required field\.$|^Field may not be null\.$"), "This is required."),
    (re.compile(r"^Length must be between 1 and (\d+)\.$"), r"This is required, in up to \1 characters."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"Keep this to \1 characters or fewer."),
    (re.compile(r"^Not a valid integer\.$"), "Enter a whole number, like 16."),
    (re.compile(r"^Not a valid number\.$"), "Enter an amount in pounds, like 2.50."),
    (re.compile(r"^Not a valid date\.$"), "Enter a date, like 2025-04-30."),
    (re.compile(r"^Not a valid time\.$"), "Enter a time, like 09:30."),
    (re.compile(r"^Not a valid UUID\.$"), "Choose one of the listed venues."),
    (re.compile(r"^Not a valid boolean\.$"), "Tick the box or leave it empty."),
    (
        re.compile(r"^Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\.$"),
        r"Enter a number from \1 to \2.",
    ),
    (re.compile(r"^Must be greater than or equal to 0\.$"), "Enter 0 or more."),
]


@dataclass
class ServiceForm:
    """What the form sent: nested data for ServiceInput, flat values to show again, and row numbers."""

    data: dict
    values: dict
    positions: dict = field(default_factory=dict)  # child key -> form row number of each row kept
    counts: dict = field(default_factory=dict)  # child key -> rows to show

    def filled(self, key: str, number: int) -> bool:
        """True when row `number` of `key` has something in it (so it can be removed)."""
        return any(
            self.values.get(f"{key}-{number}-{name}") not in (None, "")
            for name in CHILD_FIELDS[key]
            if name not in DEFAULTED.get(key, ())
        )


def read_service_form(form) -> ServiceForm:
    """Turn the posted form (a MultiDict) into ServiceInput's nested shape, skipping blank rows."""
    values: dict = {}
    data: dict = {}
    for name in SCALARS:
        raw = form.get(name, "")
        values[name] = raw
        if name == "languages":
            data[name] = [code.lower() for code in re.split(r"[\s,;]+", raw) if code]
        elif name == "circumstances":
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif raw.strip():
            data[name] = raw
    for name in MULTI:
        values[name] = form.getlist(name)
        data[name] = [value for value in values[name] if value]
    for name in CHECKBOXES:
        values[name] = data[name] = name in form
    rows: dict = {key: {} for key in CHILD_SCHEMAS}
    for name in form:
        match = _ROW.match(name)
        if not match or int(match[2]) >= MAX_ROWS:
            continue
        if match[3] in CHILD_FIELDS[match[1]]:
            rows[match[1]].setdefault(int(match[2]), {})[match[3]] = values[name] = form.get(name, "")
        elif match[3] == "remove":
            values[name] = True
    positions, counts = {}, {}
    for key, numbered in rows.items():
        positions[key] = []
        data[key] = []
        for number in sorted(numbered):
            row = numbered[number]
            if values.get(f"{key}-{number}-remove") or all(
                not value.strip() for name, value in row.items() if name not in DEFAULTED.get(key, ())
            ):
                continue
            data[key].append({name: value for name, value in row.items() if value.strip()})
            positions[key].append(number)
        counts[key] = max(numbered, default=-1) + 1
    return ServiceForm(data, values, positions, counts)


def form_values(snapshot: dict) -> ServiceForm:
    """A service snapshot as the form's flat values, with blank rows to add more."""
    values: dict = {}
    for name in SCALARS:
        value = snapshot.get(name)
        if name == "languages":
            values[name] = ", ".join(value or [])
        elif name == "circumstances":
            values[name] = "\n".join(value or [])
        else:
            values[name] = "" if value is None else str(value)
    for name in MULTI:
        values[name] = list(snapshot.get(name) or [])
    for name in CHECKBOXES:
        values[name] = bool(snapshot.get(name, True))
    counts = {}
    for key in CHILD_SCHEMAS:
        rows = snapshot.get(key) or []
        for number, row in enumerate(rows):
            for name, value in row.items():
                values[f"{key}-{number}-{name}"] = "" if value is None else str(value)
        counts[key] = len(rows) + BLANK_ROWS
    return ServiceForm({}, values, {}, counts)


def with_blank_rows(form: ServiceForm) -> ServiceForm:
    """Make sure a form shown again still has blank rows to fill in."""
    for key in CHILD_SCHEMAS:
        last = max(form.positions.get(key) or [-1])
        form.counts[key] = max(form.counts.get(key, 0), last + 1 + BLANK_ROWS)
    return form


def form_errors(messages: dict, form: ServiceForm) -> dict[str, list[str]]:
    """marshmallow's nested messages keyed by the form's flat names, in plain words."""
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if name in CHILD_SCHEMAS and isinstance(value, dict):
            kept = form.positions.get(name, [])
            for index, row in value.items():
                number = kept[int(index)] if int(index) < len(kept) else int(index)
                if isinstance(row, dict):
                    for child, texts in row.items():
                        target = child if child in CHILD_FIELDS[name] else CHILD_FIELDS[name][0]
                        flat.setdefault(f"{name}-{number}-{target}", []).extend(friendly(texts))
                else:
                    flat.setdefault(name, []).extend(friendly(row))
        else:
            flat.setdefault(name, []).extend(friendly(value))
    return dict(sorted(flat.items(), key=lambda item: _position(item[0])))


def _position(name: str) -> tuple:
    match = _ROW.match(name)
    if match:
        fields = CHILD_FIELDS[match[1]]
        return (FORM_ORDER.index(match[1]), int(match[2]), fields.index(match[3]) if match[3] in fields else 0)
    return (FORM_ORDER.index(name) if name in FORM_ORDER else len(FORM_ORDER), 0, 0)


def friendly(messages) -> list[str]:
    """marshmallow's words, nested or not, as plain sentences."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in friendly(value)]
    if isinstance(messages, (list, tuple)):
        return [text for value in messages for text in friendly(value)]
    text = str(messages)
    for pattern, replacement in _FRIENDLY:
        if pattern.match(text):
            return [pattern.sub(replacement, text)]
    return [text]


def label_for(name: str) -> str:
    """'schedules-1-closes_at' -> 'Session 2: Closes'; 'min_age' -> 'Minimum age'."""
    match = _ROW.match(name)
    if match:
        return f"{ROW_LABELS[match[1]]} {int(match[2]) + 1}: {CHILD_LABELS.get(match[3], match[3])}"
    return LABELS.get(name, name.replace("_", " ").capitalize())


class SuggestionInput(Schema):
    """Suggest an edit: what should change, in the person's own words."""

    class Meta:
        unknown = EXCLUDE

    suggestion = CleanString(
        required=True,
        long=True,
        max_length=2000,
        validate=validate.Length(min=1, error="Say what should change, in up to 2,000 characters."),
        error_messages={
            "required": "Say what should change.",
            "too_long": "Say what should change, in up to 2,000 characters.",
        },
    )


class DecisionInput(Schema):
    """A moderator's decision on a change."""

    class Meta:
        unknown = EXCLUDE

    decision = CleanString(
        required=True,
        validate=validate.OneOf(("approve", "reject"), error="Choose approve or reject."),
        error_messages={"required": "Choose approve or reject."},
    )
    note = CleanString(load_default="", long=True, max_length=2000)


class ArchiveInput(Schema):
    """Why a service is being archived."""

    class Meta:
        unknown = EXCLUDE

    archive_reason = CleanString(
        required=True,
        long=True,
        max_length=500,
        validate=validate.Length(min=1, error="Say why the service is being archived, in up to 500 characters."),
        error_messages={
            "required": "Say why the service is being archived.",
            "too_long": "Say why the service is being archived, in up to 500 characters.",
        },
    )

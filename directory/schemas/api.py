"""The JSON API's shapes: search arguments (the search page's own schema plus page size) and public output.

Output schemas dump model objects; a link is absolute so a partner can follow it from anywhere.
"""

from __future__ import annotations

import copy

from flask import url_for
from marshmallow import Schema, fields, validate

from directory import presenters
from directory.config import MAX_RADIUS_KM

from .listing import ServiceInput, required_text
from .search import SearchArgs

MAX_PER_PAGE = 100


class ApiSearchArgs(SearchArgs):
    """Every filter of the search page, validated by the same schema, and a page size."""

    per_page = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, MAX_PER_PAGE, error=f"Ask for 1 to {MAX_PER_PAGE} results a page."),
        metadata={"description": f"Results a page (default SIGNPOST_PAGE_SIZE, at most {MAX_PER_PAGE})."},
    )


_DOCS = {
    "q": 'Keywords; "quoted phrases"; synonyms are understood.',
    "postcode": "A unit postcode, sector, district or area (G31 2ER, G31 2, G31, G).",
    "radius": f"Kilometres from the postcode (0.1 to {MAX_RADIUS_KM:g}; default SIGNPOST_DEFAULT_RADIUS_KM).",
    "category": "A category code (repeatable); a theme includes its sub-categories. See /api/categories.",
    "age": "The person's age: only services open to it.",
    "group": "A group served (repeatable), e.g. carers, veterans: only services specifically for it.",
    "how": "A way of taking part (repeatable): in_person, phone, online, home_visit.",
    "person": "A group the person belongs to (repeatable), e.g. men, carers: services only for other groups are left out.",
    "self_referral": "Only services a person can refer themselves to or drop in to.",
    "free": "Only free services.",
    "wheelchair": "Only services with a wheelchair-accessible venue.",
    "accepting": "Only services accepting referrals now.",
    "in_season": "Only services in season today.",
    "include_closed": "Include temporarily closed services (labelled).",
    "language": "A language code, like en or ur.",
    "when": "any, week (a session in the next 7 days) or day (a session on `day`).",
    "day": "A session on this date (YYYY-MM-DD, today or later); with when=day it is required.",
    "days": "Days of the week the person can go (repeatable: MO, TU, WE, TH, FR, SA, SU); a monthly session counts for its weekday.",
    "part": "Times of day the person can go (repeatable): morning (before 12pm), afternoon (12pm to 5pm), evening (after 5pm).",
    "organisation": "Only this organisation's services (its id).",
    "order": "best, nearest (needs a postcode), verified or name.",
    "page": "Page number, from 1.",
}
for _name, _text in _DOCS.items():  # copies, so the search page's own fields are untouched
    _field = copy.copy(SearchArgs._declared_fields[_name])
    _field.metadata = {**_field.metadata, "description": _text}
    ApiSearchArgs._declared_fields[_name] = _field


class NewServiceIn(ServiceInput):
    """The body of a new service, as documented (ServiceInput validates it, as for the edit form)."""

    class Meta:
        exclude = ("last_verified_at", "verified_by", "verification_method", "attributes")

    cost_min = fields.Float(allow_none=True, validate=validate.Range(min=0), metadata={"description": "Pounds"})
    cost_max = fields.Float(allow_none=True, validate=validate.Range(min=0), metadata={"description": "Pounds"})


class ServiceChangeIn(NewServiceIn):
    """The body of a change: the version it is based on, and only the fields to change."""

    version = fields.Integer(
        required=True, metadata={"description": "The listing's version you started from (GET /api/services/{id})"}
    )
    name = required_text(200, required=False)


def _page(endpoint: str):
    return fields.Function(lambda obj: url_for(endpoint, raw_id=obj.id, _external=True), dump_only=True)


def _api(endpoint: str):
    return fields.Function(lambda obj: url_for(endpoint, item_id=obj.id, _external=True), dump_only=True)


class OrganisationRef(Schema):
    id = fields.UUID()
    name = fields.String()
    url = _page("public.organisation")
    api_url = _api("rest.organisation")


class AreaOut(Schema):
    area_type = fields.String()
    code = fields.String(metadata={"description": "ONS/GSS code, or GB"})
    name = fields.String()


class ReferralRouteOut(Schema):
    route_type = fields.String()
    method = fields.String(allow_none=True)
    contact = fields.String(
        allow_none=True,
        metadata={
            "description": "For professional, GP and link-worker routes: shown only to link workers and moderators"
        },
    )
    url = fields.String(allow_none=True)
    instructions = fields.String()
    status = fields.String(metadata={"description": "accepting, waiting_list or closed"})
    typical_wait = fields.String(allow_none=True)
    status_confirmed_on = fields.Date(allow_none=True)


class ScheduleOut(Schema):
    frequency = fields.String()
    weekday = fields.String(metadata={"description": "MO to SU"})
    week_of_month = fields.Integer(allow_none=True, metadata={"description": "monthly: 1 to 4, or -1 for the last"})
    opens_at = fields.Time(format="%H:%M", allow_none=True)
    closes_at = fields.Time(format="%H:%M", allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    description = fields.String()
    location_id = fields.UUID(allow_none=True)
    attendance = fields.String(
        allow_none=True,
        metadata={
            "description": "How people take part as the session says: in_person, phone, online or home_visit; null: not said"
        },
    )
    attendance_shown = fields.Method(
        "_attendance_shown",
        allow_none=True,
        metadata={
            "description": "How people take part, as shown: the session's own word, else in_person at a venue, "
            "else the service's one phone or online way; null when not known"
        },
    )

    def _attendance_shown(self, rule) -> str | None:
        return presenters.session_attendance(rule, rule.service)


class SeasonOut(Schema):
    start_month = fields.Integer()
    start_day = fields.Integer()
    end_month = fields.Integer()
    end_day = fields.Integer()
    description = fields.String()


class FundingOut(Schema):
    source = fields.String()
    status = fields.String()
    funded_until = fields.Date(allow_none=True)


class LocationOut(Schema):
    id = fields.UUID()
    name = fields.String()
    location_type = fields.String()
    description = fields.String()
    address_1 = fields.String(allow_none=True)
    address_2 = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    # A confidential venue's point is only its district's middle: not given (its postcode is the district).
    latitude = fields.Function(lambda venue: None if venue.confidential else venue.latitude, allow_none=True)
    longitude = fields.Function(lambda venue: None if venue.confidential else venue.longitude, allow_none=True)
    travel_notes = fields.String()
    accessibility = fields.String()
    wheelchair_accessible = fields.Boolean(allow_none=True)
    confidential = fields.Boolean()
    not_on_map = fields.Boolean()


class ExplanationOut(Schema):
    where = fields.String()
    when = fields.String()
    referral = fields.String()
    cost = fields.String()
    verified = fields.String()
    warnings = fields.List(fields.String())
    out_of_season = fields.Boolean()
    session = fields.String(
        attribute="pattern",
        metadata={
            "description": "The session in `when`, and how people take part when not at a venue: 'Every Thursday, 7pm to 8pm, online'"
        },
    )


class ServiceSummaryOut(Schema):
    id = fields.UUID()
    name = fields.String()
    summary = fields.String()
    status = fields.String()
    organisation = fields.Nested(OrganisationRef)
    categories = fields.Function(lambda s: sorted(term.code for term in s.terms))
    version = fields.Integer()
    url = _page("public.service")
    api_url = _api("rest.service")


class ServiceOut(ServiceSummaryOut):
    description = fields.String()
    status_reason = fields.String(allow_none=True)
    expected_reopening = fields.Date(allow_none=True)
    website = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    alert = fields.String(allow_none=True)
    is_free = fields.Boolean()
    cost_description = fields.String(allow_none=True)
    cost_min = fields.Decimal(as_string=True, places=2, allow_none=True)
    cost_max = fields.Decimal(as_string=True, places=2, allow_none=True)
    languages = fields.List(fields.String())
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    groups_served = fields.List(fields.String())
    circumstances = fields.List(fields.String())
    eligibility_criteria = fields.String()
    open_to_all = fields.Boolean()
    referral_routes = fields.List(fields.Nested(ReferralRouteOut))
    schedules = fields.List(fields.Nested(ScheduleOut))
    seasons = fields.List(fields.Nested(SeasonOut))
    funding = fields.List(fields.Nested(FundingOut))
    areas = fields.List(fields.Nested(AreaOut))
    locations = fields.Function(
        lambda s: LocationOut(many=True).dump(
            sorted(
                (link.location for link in s.location_links if link.location.archived_at is None),
                key=lambda loc: loc.name,
            )
        ),
        metadata={"type": "array", "items": {"type": "object"}},
    )
    last_verified_at = fields.AwareDateTime(allow_none=True)
    verification_method = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime()
    source = fields.String(allow_none=True, metadata={"description": "Where the listing was imported from"})
    source_reference = fields.String(
        attribute="source_id",
        allow_none=True,
        metadata={"description": "The listing's id in that source (a spreadsheet's ID column, an HSDS id)"},
    )


class SearchResultOut(Schema):
    service = fields.Nested(ServiceSummaryOut)
    distance_km = fields.Float(
        allow_none=True, metadata={"description": "From the searched postcode to the nearest venue"}
    )
    covers_area = fields.Boolean(
        metadata={"description": "The service covers the searched place's council, health board or nation"}
    )
    explanation = fields.Nested(ExplanationOut)


class PlaceOut(Schema):
    query = fields.String(metadata={"description": "The postcode, normalised"})
    kind = fields.String(metadata={"description": "unit, sector, district or area"})
    latitude = fields.Float()
    longitude = fields.Float()
    precision = fields.String(
        metadata={"description": "Where the point came from: unit, sector, district or area centre"}
    )
    note = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the point is a centre rather than the place asked for; null when it is that place"
        },
    )
    label = fields.String()


class SearchPageOut(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    suggestion = fields.String(allow_none=True, metadata={"description": "Did you mean"})
    showing_results_for = fields.String(
        allow_none=True,
        metadata={
            "description": "The words searched for when a misspelling was corrected (search_instead_for and literal=true search the words typed)"
        },
    )
    search_instead_for = fields.String(
        allow_none=True, metadata={"description": "The words typed, when showing_results_for corrects them"}
    )
    words_not_found = fields.List(
        fields.String(),
        metadata={
            "description": "Words typed that no listing matched together with the others: the results match the rest"
        },
    )
    words_ignored = fields.List(
        fields.String(), metadata={"description": "Filler words not required to match (my, client, looking, for...)"}
    )
    filters_from_words = fields.List(
        fields.Dict(),
        metadata={
            "description": (
                "Words typed that were read as filters, each {words, filters (as this endpoint's own arguments), applied, "
                "not_applied_because: 'form' (the same filter was given as an argument) or 'nothing' (no listing matched with it, "
                "so the words were searched for)}. Pass the words in `plain` to search for them as words instead"
            )
        },
    )
    place = fields.Nested(PlaceOut, allow_none=True)
    radius_km = fields.Float(allow_none=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "Category code: matching services"}
    )
    results = fields.List(fields.Nested(SearchResultOut))
    next = fields.String(allow_none=True, metadata={"description": "The next page's URL"})
    previous = fields.String(allow_none=True)


class OrganisationOut(Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String()
    website = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    charity_number = fields.String(allow_none=True)
    company_number = fields.String(allow_none=True)
    last_verified_at = fields.AwareDateTime(allow_none=True)
    url = _page("public.organisation")
    services = fields.List(fields.Nested(ServiceSummaryOut))
    locations = fields.List(fields.Nested(LocationOut))


class AreaCodeOut(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)


class PostcodeOut(PlaceOut):
    country_code = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True, metadata={"description": "Local authority (GSS code)"})
    health_code = fields.String(allow_none=True, metadata={"description": "Health board or ICB area"})
    areas = fields.List(
        fields.Nested(AreaCodeOut),
        metadata={"description": "Areas the place lies in; services covering them count as local"},
    )


class CategoryOut(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    children = fields.List(fields.Nested(lambda: CategoryOut()))


class ChangeOut(Schema):
    outcome = fields.String(
        metadata={
            "description": "published, queued (waiting for a moderator; your own waiting change is updated), unchanged or withdrawn"
        }
    )
    message = fields.String()
    change_id = fields.UUID(allow_none=True, metadata={"description": "The queued change, when queued"})
    service = fields.Nested(ServiceOut, allow_none=True)


class ChangeStatusOut(Schema):
    id = fields.UUID()
    kind = fields.String(metadata={"description": "create or update"})
    status = fields.String(metadata={"description": "pending, approved or rejected"})
    service_id = fields.UUID(
        attribute="target_id",
        allow_none=True,
        metadata={"description": "Set for an update, and for a new service once approved"},
    )
    submitted_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    note = fields.String(metadata={"description": "The moderator's note"})


class ErrorOut(Schema):
    message = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "A message list per field (validation errors, status 422)"},
    )

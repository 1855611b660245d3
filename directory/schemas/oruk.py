"""Open Referral UK 3.0 shapes: the query parameters each endpoint takes, and the JSON it returns.

Output follows HSDS-UK 3.0 (and HSDS 3.0 where the UK profile is silent): optional fields that
are empty are left out, never null. Signpost facts without an HSDS field of their own (seasons,
funding status, how a listing was checked, each referral route) are attributes whose inline
taxonomy term names the fact.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from flask import request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from directory import geography, presenters
from directory.config import MAX_RADIUS_KM
from directory.models import Location, Organisation, Schedule, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from directory.permissions import ANONYMOUS, route_contact_visible
from directory.text import safe_web_address, shown

from .fields import CleanString

PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PER_PAGE_MINIMAL = 1000  # ORUK asks minimal lists to fit in one page where they can
MAX_PAGE = 1_000_000
STATUSES = {"temporarily_closed": "temporarily closed"}
_LOST_PLUS = re.compile(r"(T[\d:.]+) (\d{2}:?\d{2})$")
GSS_CODE = re.compile(r"^[EKNSW]\d{8}$")
ONS_AREA_URI = "http://statistics.data.gov.uk/id/statistical-geography/{}"
FACTS_TAXONOMY = "Signpost listing facts"
FACTS_NAMESPACE = uuid.UUID("5f0c1e0e-3b1a-4d55-9d7e-6a2b1f1d0c01")
FACTS = {
    "referral_route": "Referral route: one way in, with whether it is open now",
    "season": "Season: a yearly window when the service runs",
    "funding_status": "Funding status: funded, ending, unfunded or ended, and until when",
    "verification": "Verification: who last confirmed the listing, and how",
    "signpost_page": "The listing's page on Signpost",
    "source_reference": "The listing's id in the data it was imported from (value), and that source (label)",
    "wheelchair_accessible": "Whether the venue has step-free access for wheelchair users",
}


# -- query parameters -----------------------------------------------------------------------------


class FlexibleDateTime(fields.Field):
    """An ISO 8601 date or date-time; a date means its midnight, no zone means UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        # An unencoded "+" in a query string arrives as a space: read "…T09:00:00 01:00" as "+01:00".
        text = _LOST_PLUS.sub(r"\1+\2", str(value).strip())
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                f"'{str(value)[:40]}' is not a date-time: use ISO 8601, e.g. 2025-01-31T09:00:00Z."
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ListArgs(Schema):
    """Paging and the common filters; unknown parameters are ignored, bad ones name themselves."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1, validate=validate.Range(1, MAX_PAGE, error=f"Pages run from 1 to {MAX_PAGE}.")
    )
    per_page = fields.Integer(
        load_default=PER_PAGE, validate=validate.Range(min=1, error="Ask for at least 1 result per page.")
    )
    search = CleanString(load_default="", max_length=1000)
    format = CleanString(load_default="json", validate=validate.OneOf(["json"], error="Only json is offered."))

    @validates_schema
    def _page_size(self, data, **_):
        most = MAX_PER_PAGE_MINIMAL if data.get("minimal") else MAX_PER_PAGE
        if data.get("per_page", PER_PAGE) > most:
            more = " (up to 1,000 with minimal=true)" if "minimal" in self.fields and not data.get("minimal") else ""
            raise ValidationError(f"Ask for 1 to {most:,} results a page{more}.", "per_page")


class ServiceListArgs(ListArgs):
    """/services and /service_at_locations filters, combined with AND."""

    format = CleanString(
        load_default="json",
        validate=validate.OneOf(["json", "ndjson"], error="Use json (pages) or ndjson (every result, one a line)."),
    )
    taxonomy_term_id = fields.UUID(load_default=None)
    taxonomy_id = fields.UUID(load_default=None)
    organization_id = fields.UUID(load_default=None)
    modified_after = FlexibleDateTime(load_default=None)
    minimal = fields.Boolean(load_default=False)
    full = fields.Boolean(load_default=False)


class ServiceAtLocationListArgs(ServiceListArgs):
    """Adds a postcode, and a proximity in metres around it."""

    format = CleanString(load_default="json", validate=validate.OneOf(["json"], error="Only json is offered here."))

    postcode = CleanString(load_default="", max_length=20)
    proximity = fields.Float(
        load_default=None,
        validate=validate.Range(
            min=1, max=MAX_RADIUS_KM * 1000, error=f"Give metres from 1 to {MAX_RADIUS_KM * 1000:.0f}."
        ),
    )


class OrganizationListArgs(ListArgs):
    full = fields.Boolean(load_default=False)


class TaxonomyTermListArgs(ListArgs):
    taxonomy_id = fields.UUID(load_default=None)
    parent_id = fields.UUID(load_default=None)
    top_only = fields.Boolean(load_default=False)


class OrganizationArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    full_service = fields.Boolean(load_default=False)


PER_PAGE_PARAMETER = {
    "name": "per_page",
    "in": "query",
    "required": False,
    "description": f"Number of results requested in a single page: 1 to {MAX_PER_PAGE}, or up to "
    f"{MAX_PER_PAGE_MINIMAL:,} with minimal=true (default {PER_PAGE}). More is refused with a 400 naming per_page.",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE_MINIMAL, "default": PER_PAGE},
}


# -- output ---------------------------------------------------------------------------------------


def compact(record: dict) -> dict:
    """Drop optional fields that are empty (HSDS leaves them out rather than sending null); text without hidden characters."""
    return {
        k: shown(v) if isinstance(v, str) else v
        for k, v in record.items()
        if v is not None and v != "" and v != [] and v != {}
    }


def stable_id(owner: uuid.UUID, kind: str, key: object = "") -> str:
    """A UUID that stays the same for the same fact about the same record (for rows Signpost lacks)."""
    return str(uuid.uuid5(owner, f"{kind}:{key}"))


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as HSDS asks for last_modified."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(day: date | datetime | None) -> str | None:
    if day is None:
        return None
    return (day.date() if isinstance(day, datetime) else day).isoformat()


def web_link(kind: str, value) -> str:
    """The absolute address of a Signpost page (needs a request context: the feed's, or one made for an export)."""
    if kind == "service":
        return url_for("public.service", raw_id=str(value), _external=True)
    if kind == "organisation":
        return url_for("public.organisation", raw_id=str(value), _external=True)
    if kind == "category":
        return url_for("search.search", category=value, _external=True)
    return value if "://" in value else request.host_url.rstrip("/") + "/" + value.lstrip("/")


class Shapes:
    """Builds ORUK records; `link(kind, id)` makes absolute URLs, `terms` lists each service's categories."""

    def __init__(
        self,
        link: Callable[[str, object], str],
        taxonomies: dict[uuid.UUID, Taxonomy],
        terms: dict[uuid.UUID, list[TaxonomyTerm]] | None = None,
    ):
        self.link, self.taxonomies, self.terms = link, taxonomies, terms or {}

    # organisations

    def organization(self, org: Organisation, services: list[dict] | None = None) -> dict:
        identifiers = []
        if org.charity_number:
            scheme = "GB-SC" if org.charity_number.upper().startswith("SC") else "GB-CHC"
            identifiers.append(self._identifier(org, scheme, "Charity number", org.charity_number))
        if org.company_number:
            identifiers.append(self._identifier(org, "GB-COH", "Company number", org.company_number))
        return compact(
            {
                **self.organization_summary(org),
                "organization_identifiers": identifiers,
                "services": services,
            }
        )

    def organization_summary(self, org: Organisation) -> dict:
        return compact(
            {
                "id": str(org.id),
                "name": org.name,
                "description": org.description or org.name,
                "email": org.email,
                "website": safe_web_address(org.website),
                "logo": self.link("absolute", org.logo_url) if safe_web_address(org.logo_url) else None,
                "uri": self.link("organisation", org.id),
                "phones": [{"id": stable_id(org.id, "phone"), "organization_id": str(org.id), "number": org.phone}]
                if org.phone
                else [],
            }
        )

    @staticmethod
    def _identifier(org: Organisation, scheme: str, kind: str, value: str) -> dict:
        return {
            "id": stable_id(org.id, "identifier", scheme),
            "organization_id": str(org.id),
            "identifier_scheme": scheme,
            "identifier_type": kind,
            "identifier": value,
        }

    # services

    def service_summary(self, service: Service) -> dict:
        """The one-to-one fields, with the organisation (what lists show)."""
        alert = [service.alert]
        if service.status != "active":
            alert.append(service.status_reason)
            if service.expected_reopening:
                alert.append(f"Expected to reopen on {presenters.long_date(service.expected_reopening)}.")
        return compact(
            {
                "id": str(service.id),
                "organization_id": str(service.organisation_id),
                "name": service.name,
                "description": service.description or service.summary,
                "url": safe_web_address(service.website),
                "email": service.email,
                "status": STATUSES.get(service.status, service.status),
                "fees_description": presenters.describe_cost(service),
                "application_process": self._application_process(service),
                "eligibility_description": self._eligibility(service),
                "minimum_age": service.min_age,
                "maximum_age": service.max_age,
                "assured_date": iso(service.last_verified_at),
                "alert": " ".join(part for part in alert if part),
                "last_modified": timestamp(service.updated_at),
                "organization": self.organization_summary(service.organisation),
            }
        )

    @staticmethod
    def service_minimal(service: Service) -> dict:
        return {
            "id": str(service.id),
            "name": service.name,
            "status": STATUSES.get(service.status, service.status),
            "last_modified": timestamp(service.updated_at),
        }

    def service(self, service: Service) -> dict:
        """A fully nested service."""
        links = [link for link in service.location_links if link.location.archived_at is None]
        at = {link.location_id: str(link.id) for link in links}
        physical = [link for link in links if link.location.location_type != "virtual"]
        if len(physical) == 1:  # a session with no venue given is held at the only venue (as the pages say)
            at.setdefault(None, str(physical[0].id))
        schedules = [
            self.schedule(
                s,
                None
                if s.location_id is None and presenters.session_attendance(s, service) not in (None, "in_person")
                else at.get(s.location_id),
            )
            for s in service.schedules
        ]  # a phone or online session is at no venue
        return compact(
            {
                **self.service_summary(service),
                "organization": self.organization(service.organisation),
                "phones": [
                    {"id": stable_id(service.id, "phone"), "service_id": str(service.id), "number": service.phone}
                ]
                if service.phone
                else [],
                "schedules": schedules,
                "service_areas": [
                    compact(
                        {
                            "id": str(area.id),
                            "service_id": str(service.id),
                            "name": area.name,
                            "description": area.area_type.replace("_", " ").capitalize() + f" {area.code}",
                            "uri": ONS_AREA_URI.format(area.code) if GSS_CODE.match(area.code) else None,
                        }
                    )
                    for area in service.areas
                ],
                "service_at_locations": [
                    self.service_at_location(
                        link, schedules=[x for x in schedules if x.get("service_at_location_id") == str(link.id)]
                    )
                    for link in links
                ],
                "languages": [
                    compact(
                        {
                            "id": stable_id(service.id, "language", code),
                            "service_id": str(service.id),
                            "name": presenters.LANGUAGE_NAMES.get(code),
                            "code": code,
                        }
                    )
                    for code in service.languages
                ],
                "funding": [
                    compact({"id": str(f.id), "service_id": str(service.id), "source": f.source})
                    for f in service.funding
                ],
                "cost_options": self._cost_options(service),
                "contacts": [
                    compact(
                        {  # the people an imported listing's source names (ORUK holds a name and title)
                            "id": stable_id(service.id, "contact", number),
                            "service_id": str(service.id),
                            "name": contact["name"],
                            "title": contact["title"] or None,
                        }
                    )
                    for number, contact in enumerate(presenters.source_contacts(service))
                ],
                "attributes": self._attributes(service),
            }
        )

    def schedule(self, rule: Schedule, service_at_location_id: str | None = None) -> dict:
        monthly = rule.frequency == "monthly"
        return compact(
            {
                "id": str(rule.id),
                "service_id": str(rule.service_id),
                "service_at_location_id": service_at_location_id,
                "valid_from": iso(rule.valid_from),
                "valid_to": iso(rule.valid_to),
                "freq": "MONTHLY" if monthly else "WEEKLY",
                "interval": 1,
                "byday": f"{rule.week_of_month}{rule.weekday}" if monthly and rule.week_of_month else rule.weekday,
                "opens_at": rule.opens_at.strftime("%H:%M") if rule.opens_at else None,
                "closes_at": rule.closes_at.strftime("%H:%M") if rule.closes_at else None,
                "description": rule.description,
                "notes": presenters.describe_session(rule, rule.service),  # "Every Thursday, 7pm to 8pm, online"
                "attending_type": presenters.SESSION_MODE_WORDS.get(presenters.session_attendance(rule, rule.service)),
            }
        )

    def _application_process(self, service: Service) -> str:
        steps = []
        for route in service.referral_routes:
            step = presenters.describe_route(route)
            if route.contact and route_contact_visible(ANONYMOUS, route.route_type):  # a public feed
                step += f" ({route.contact})"
            if route.status != "accepting":
                step += f": {presenters.REFERRAL_STATUS_LABELS[route.status].lower()}"
            steps.append(step + "." + (f" {route.instructions}" if route.instructions else ""))
        return "\n".join(steps)

    @staticmethod
    def _eligibility(service: Service) -> str:
        parts = [service.eligibility_criteria]
        if service.groups_served:
            parts.append("For: " + ", ".join(presenters.GROUP_LABELS.get(g, g) for g in service.groups_served) + ".")
        if service.circumstances:
            parts.append("Circumstances: " + ", ".join(service.circumstances) + ".")
        if service.open_to_all and (service.groups_served or service.circumstances):
            parts.append("Open to everyone.")
        return " ".join(p for p in parts if p)

    @staticmethod
    def _cost_options(service: Service) -> list[dict]:
        if service.is_free:
            return [{"id": stable_id(service.id, "cost"), "service_id": str(service.id), "option": "Free", "amount": 0}]
        if service.cost_min is None and service.cost_max is None:
            return []
        return [
            compact(
                {
                    "id": stable_id(service.id, "cost"),
                    "service_id": str(service.id),
                    "option": service.cost_description,
                    "amount": float(service.cost_min if service.cost_min is not None else service.cost_max),
                    "amount_description": presenters.describe_cost(service),
                }
            )
        ]

    def _attributes(self, service: Service) -> list[dict]:
        owner = service.id
        out = [self._category(owner, term) for term in self.terms.get(service.id, [])]
        for route in service.referral_routes:
            label = presenters.describe_route(route) + f": {presenters.REFERRAL_STATUS_LABELS[route.status].lower()}"
            out.append(self._fact(owner, "referral_route", f"{route.route_type}:{route.status}", label, key=route.id))
        for season in service.seasons:
            value = f"--{season.start_month:02d}-{season.start_day:02d}/--{season.end_month:02d}-{season.end_day:02d}"
            out.append(
                self._fact(
                    owner, "season", value, season.description or presenters.describe_season(season), key=season.id
                )
            )
        for funding in service.funding:
            until = f" until {presenters.long_date(funding.funded_until)}" if funding.funded_until else ""
            out.append(
                self._fact(
                    owner,
                    "funding_status",
                    funding.status,
                    presenters.FUNDING_LABELS.get(funding.status, funding.status) + until,
                    key=funding.id,
                )
            )
        if service.last_verified_at:
            how = presenters.VERIFICATION_LABELS.get(service.verification_method or "", "")
            out.append(
                self._fact(
                    owner,
                    "verification",
                    service.verification_method or "unknown",
                    f"Checked {how} on {iso(service.last_verified_at)}".replace("  ", " "),
                )
            )
        out.append(self._fact(owner, "signpost_page", self.link("service", service.id), "See this listing on Signpost"))
        if service.source_id:
            out.append(self._fact(owner, "source_reference", service.source_id, service.source or "imported"))
        return out

    def _category(self, owner: uuid.UUID, term: TaxonomyTerm) -> dict:
        return {
            "id": stable_id(owner, "category", term.id),
            "link_id": str(owner),
            "link_type": "category",
            "link_entity": "service",
            "taxonomy_term_id": str(term.id),
            "taxonomy_term": self.taxonomy_term(term),
        }

    @staticmethod
    def _fact(owner: uuid.UUID, fact: str, value: str, label: str, key: object = "", entity: str = "service") -> dict:
        term_id = str(uuid.uuid5(FACTS_NAMESPACE, fact))
        term = {"id": term_id, "name": fact, "description": FACTS[fact], "taxonomy": FACTS_TAXONOMY, "code": fact}
        return {
            "id": stable_id(owner, fact, key),
            "link_id": str(owner),
            "link_type": fact,
            "link_entity": entity,
            "taxonomy_term_id": term_id,
            "taxonomy_term": term,
            "value": value,
            "label": label,
        }

    # places

    def at_venue(self, link: ServiceAtLocation, full: bool = True) -> dict:
        """One service at one venue: the service (in full or as a summary) and, in full, the sessions held there."""
        service = self.service(link.service) if full else self.service_summary(link.service)
        held = [x for x in service.get("schedules", []) if x.get("service_at_location_id") == str(link.id)]
        return self.service_at_location(link, service, held)

    def service_at_location(
        self, link: ServiceAtLocation, service: dict | None = None, schedules: list | None = None
    ) -> dict:
        """A service at a venue, with the sessions held there."""
        return compact(
            {
                "id": str(link.id),
                "service_id": str(link.service_id),
                "location_id": str(link.location_id),
                "description": link.description,
                "location": self.location(link.location),
                "schedules": schedules,
                "service": service,
            }
        )

    def location(self, place: Location) -> dict:
        wheelchair = []
        if place.wheelchair_accessible is not None:
            value = "yes" if place.wheelchair_accessible else "no"
            label = "Wheelchair accessible" if place.wheelchair_accessible else "Not wheelchair accessible"
            wheelchair = [self._fact(place.id, "wheelchair_accessible", value, label, entity="location")]
        return compact(
            {
                "id": str(place.id),
                "location_type": place.location_type,
                "organization_id": str(place.organisation_id) if place.organisation_id else None,
                "name": place.name,
                "description": place.description,
                "url": safe_web_address(place.url),
                "transportation": place.travel_notes,
                # A confidential venue (a refuge) gives only its postcode district: its point is that district's middle.
                "latitude": None if place.confidential else place.latitude,
                "longitude": None if place.confidential else place.longitude,
                "addresses": [address] if (address := self._address(place)) else [],
                "accessibility": [
                    {
                        "id": stable_id(place.id, "accessibility"),
                        "location_id": str(place.id),
                        "description": place.accessibility,
                    }
                ]
                if place.accessibility
                else [],
                "attributes": wheelchair,
            }
        )

    @staticmethod
    def _address(place: Location) -> dict | None:
        # HSDS requires every part of an address: a part Signpost lacks is given as "" (a venue may have only a postcode).
        if not (place.address_1 or place.town or place.postcode):
            return None
        try:
            district = geography.resolve_postcode(place.postcode or "").district_code
        except geography.PostcodeError:
            district = None
        return {
            **compact(
                {"id": stable_id(place.id, "address"), "location_id": str(place.id), "address_2": place.address_2}
            ),
            "address_1": shown(place.address_1 or ""),
            "city": shown(place.town or ""),
            "state_province": shown((district and geography.area_name(district)) or place.town or ""),
            "postal_code": place.postcode or "",
            "country": "GB",
            "address_type": "physical",
        }

    # categories

    def taxonomy(self, taxonomy: Taxonomy, terms: list[TaxonomyTerm] | None = None) -> dict:
        return compact(
            {
                "id": str(taxonomy.id),
                "name": taxonomy.name,
                "description": taxonomy.description or taxonomy.name,
                "uri": taxonomy.uri,
                "version": taxonomy.version,
                "taxonomy_terms": [self.taxonomy_term(t) for t in terms] if terms is not None else None,
            }
        )

    def taxonomy_term(self, term: TaxonomyTerm) -> dict:
        taxonomy = self.taxonomies.get(term.taxonomy_id)
        return compact(
            {
                "id": str(term.id),
                "name": term.name,
                "description": term.description or term.name,
                "code": term.code,
                "parent_id": str(term.parent_id) if term.parent_id else None,
                "taxonomy": taxonomy.name if taxonomy else None,
                "taxonomy_id": str(term.taxonomy_id),
                "term_uri": self.link("category", term.code),
            }
        )


def page_envelope(contents: list[dict], total: int, page: int, per_page: int) -> dict:
    """The ORUK paging envelope around one page of records."""
    pages = -(-total // per_page)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }

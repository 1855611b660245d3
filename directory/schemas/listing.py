"""Input schemas for organisations, locations and services (forms, API, importers, demo)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from directory import geography
from directory.models.common import (
    AREA_TYPES,
    ATTENDANCE,
    FREQUENCIES,
    FUNDING_STATUSES,
    GROUPS_SERVED,
    LOCATION_TYPES,
    REFERRAL_STATUSES,
    ROUTE_METHODS,
    ROUTE_TYPES,
    SERVICE_STATUSES,
    VERIFICATION_METHODS,
    WEEKDAYS,
)
from directory.timetable import runs_overnight

from .fields import CleanString, EmailAddress, OptionalString, PostcodeField, WebAddress, one_of

AGE = validate.Range(min=0, max=120, error="Age must be between 0 and 120.")


def _text(max_length: int | None = None, **kwargs) -> CleanString:
    """Optional text: one line of up to max_length characters, or without it long text (LONG_TEXT)."""
    return CleanString(load_default="", long=max_length is None, max_length=max_length, **kwargs)


def required_text(max_length: int, required: bool = True) -> CleanString:
    """A one-line field that must be filled in, in up to max_length characters."""
    return CleanString(
        required=required,
        max_length=max_length,
        validate=validate.Length(min=1, error=f"This is required, in up to {max_length} characters."),
    )


def _ordered(data: dict, low: str, high: str, message: str) -> None:
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        raise ValidationError(message, field_name=high)


class InputSchema(Schema):
    """Unknown keys are ignored so that callers can pass extra context."""

    class Meta:
        unknown = EXCLUDE


class VerificationInput(InputSchema):
    last_verified_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    verified_by = OptionalString(200)
    verification_method = CleanString(load_default=None, allow_none=True, validate=one_of(VERIFICATION_METHODS))


class OrganisationInput(VerificationInput):
    name = required_text(200)
    description = _text()
    website = WebAddress()
    email = EmailAddress()
    phone = OptionalString(50)
    charity_number = OptionalString(20)
    company_number = OptionalString(20)
    logo_url = WebAddress()


class LocationInput(InputSchema):
    name = _text(200)
    location_type = CleanString(load_default="physical", validate=one_of(LOCATION_TYPES))
    description = _text()
    address_1 = OptionalString(200)
    address_2 = OptionalString(200)
    town = OptionalString(100)
    postcode = PostcodeField(partial=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    url = WebAddress()
    travel_notes = _text()
    accessibility = _text()
    wheelchair_accessible = fields.Boolean(load_default=None, allow_none=True)
    confidential = fields.Boolean(load_default=False)
    not_on_map = fields.Boolean(load_default=False)

    @validates_schema
    def _where(self, data, **_):
        postcode = data.get("postcode")
        if data.get("not_on_map") and data.get("confidential"):
            raise ValidationError(
                "A confidential venue is found by its postcode district, so it is on the map (with no pin): answer Yes.",
                "not_on_map",
            )
        if postcode and not data.get("confidential") and geography.parse_postcode(postcode).kind != "unit":
            raise ValidationError(
                f"'{postcode}' is only part of a postcode: give the full postcode, like G31 2ER "
                "(or, for a refuge, mark the address confidential).",
                "postcode",
            )
        if data.get("confidential") and not postcode:
            raise ValidationError("A confidential venue needs at least its postcode district, like LS7.", "postcode")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("Give both latitude and longitude, or neither.", "longitude")
        if data.get("not_on_map"):
            if postcode:
                raise ValidationError(
                    "A venue with a UK postcode is on the map: clear the postcode or answer that it is on the map.",
                    "postcode",
                )
            if not (data.get("address_1") or data.get("town")):
                raise ValidationError("A venue that is not on the map needs its address: a street or a town.", "town")
        elif data.get("location_type") == "physical" and not (postcode or data.get("latitude") is not None):
            raise ValidationError(
                "A venue needs a postcode: give its full UK postcode, or answer that it is not on the map (a venue abroad).",
                "postcode",
            )

    @post_load
    def _conceal(self, data, **_):
        """A confidential venue keeps only its postcode district: no street, no exact point, anywhere."""
        if data.get("confidential") and data.get("postcode"):
            data.update(
                postcode=geography.parse_postcode(data["postcode"]).district,
                address_1=None,
                address_2=None,
                latitude=None,
                longitude=None,
            )
        if data.get("not_on_map"):
            data.update(latitude=None, longitude=None)
        return data


class AreaInput(InputSchema):
    area_type = CleanString(required=True, validate=one_of(AREA_TYPES))
    code = CleanString(
        required=True, max_length=12, validate=validate.Length(min=2, error="Give the area's code, like S12000049.")
    )
    name = required_text(200)


class ReferralRouteInput(InputSchema):
    route_type = CleanString(required=True, validate=one_of(ROUTE_TYPES))
    method = CleanString(load_default=None, allow_none=True, validate=one_of(ROUTE_METHODS))
    contact = OptionalString(200)
    url = WebAddress()
    instructions = _text()
    status = CleanString(load_default="accepting", validate=one_of(REFERRAL_STATUSES))
    typical_wait = OptionalString(100)
    status_confirmed_on = fields.Date(load_default=None, allow_none=True)


class ScheduleInput(InputSchema):
    frequency = CleanString(load_default="weekly", validate=one_of(FREQUENCIES))
    weekday = CleanString(required=True, validate=one_of(WEEKDAYS))
    week_of_month = fields.Integer(load_default=None, allow_none=True, validate=one_of((-1, 1, 2, 3, 4)))
    opens_at = fields.Time(load_default=None, allow_none=True)
    closes_at = fields.Time(load_default=None, allow_none=True)
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_to = fields.Date(load_default=None, allow_none=True)
    description = _text(300)
    location_id = fields.UUID(load_default=None, allow_none=True)
    # How people take part in this session; None: in person at its venue, else as the service says.
    attendance = CleanString(load_default=None, allow_none=True, validate=one_of(ATTENDANCE))

    @validates_schema
    def _order(self, data, **_):
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None and closes <= opens and not runs_overnight(opens, closes):
            raise ValidationError("A session must open before it closes.", "closes_at")
        _ordered(data, "valid_from", "valid_to", "'Valid from' must be on or before 'valid to'.")
        if data.get("frequency") == "monthly" and data.get("week_of_month") is None:
            raise ValidationError("A monthly session needs its week of the month.", "week_of_month")


class SeasonInput(InputSchema):
    start_month = fields.Integer(required=True, validate=validate.Range(1, 12))
    start_day = fields.Integer(load_default=1, validate=validate.Range(1, 31))
    end_month = fields.Integer(required=True, validate=validate.Range(1, 12))
    end_day = fields.Integer(load_default=31, validate=validate.Range(1, 31))
    description = _text(200)

    @validates_schema
    def _real_days(self, data, **_):
        from calendar import monthrange

        for month, day in (("start_month", "start_day"), ("end_month", "end_day")):
            if data[day] > monthrange(2024, data[month])[1]:  # a leap year allows 29 February
                raise ValidationError(f"Month {data[month]} has no day {data[day]}.", day)


class FundingInput(InputSchema):
    source = _text(200)
    status = CleanString(load_default="funded", validate=one_of(FUNDING_STATUSES))
    funded_until = fields.Date(load_default=None, allow_none=True)


class ServiceInput(VerificationInput):
    name = required_text(200)
    summary = _text(300)
    description = _text()
    status = CleanString(load_default="active", validate=one_of(SERVICE_STATUSES))
    status_reason = OptionalString(500)
    expected_reopening = fields.Date(load_default=None, allow_none=True)
    website = WebAddress()
    email = EmailAddress()
    phone = OptionalString(50)
    alert = OptionalString(500)
    is_free = fields.Boolean(load_default=True)
    cost_description = OptionalString(300)
    cost_min = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    cost_max = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(min=0))
    languages = fields.List(
        CleanString(validate=validate.Regexp(r"^[a-z]{2,3}$", error="'{input}' is not a language code like en or ur.")),
        load_default=list,
    )
    min_age = fields.Integer(load_default=None, allow_none=True, validate=AGE)
    max_age = fields.Integer(load_default=None, allow_none=True, validate=AGE)
    groups_served = fields.List(CleanString(validate=one_of(GROUPS_SERVED)), load_default=list)
    attendance = fields.List(CleanString(validate=one_of(ATTENDANCE)), load_default=list)
    circumstances = fields.List(CleanString(max_length=100, validate=validate.Length(min=1)), load_default=list)
    eligibility_criteria = _text()
    open_to_all = fields.Boolean(load_default=True)
    attributes = fields.Dict(load_default=dict)
    categories = fields.List(CleanString(), load_default=list)
    location_ids = fields.List(fields.UUID(), load_default=list)
    areas = fields.List(fields.Nested(AreaInput), load_default=list)
    referral_routes = fields.List(fields.Nested(ReferralRouteInput), load_default=list)
    schedules = fields.List(fields.Nested(ScheduleInput), load_default=list)
    seasons = fields.List(fields.Nested(SeasonInput), load_default=list)
    funding = fields.List(fields.Nested(FundingInput), load_default=list)

    @validates_schema
    def _consistent(self, data, **_):
        _ordered(data, "min_age", "max_age", "Minimum age must not be above maximum age.")
        _ordered(data, "cost_min", "cost_max", "The lowest cost must not be above the highest.")
        if data.get("is_free") and data.get("cost_min"):
            raise ValidationError("A free service cannot have a cost above zero.", "cost_min")
        if data.get("status") == "active" and data.get("expected_reopening"):
            raise ValidationError("Only a temporarily closed service has a reopening date.", "expected_reopening")
        if not data.get("location_ids"):
            nowhere = {
                index: {
                    "attendance": [
                        "A session in person needs a venue: add a venue to the service, or choose how people take part in it."
                    ]
                }
                for index, row in enumerate(data.get("schedules") or [])
                if row.get("attendance") == "in_person" and row.get("location_id") is None
            }
            if nowhere:
                raise ValidationError({"schedules": nowhere})

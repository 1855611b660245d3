"""The search form's query string: every filter, validated, with a message per field; and the
SearchQuery it asks for, the same for the search page, the JSON API and the relevance benchmark."""

from __future__ import annotations

from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from directory import clock, geography
from directory.config import MAX_RADIUS_KM
from directory.models.common import ATTENDANCE, GROUPS_SERVED
from search import Near, SearchQuery

from .fields import CleanString, one_of

ORDERS = ("best", "nearest", "verified", "name")
WHEN = ("any", "week", "day")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PARTS_OF_DAY = ("morning", "afternoon", "evening")
MAX_PAGE = 500


class SearchArgs(Schema):
    """What a link worker can ask; unknown parameters are ignored."""

    class Meta:
        unknown = EXCLUDE

    q = CleanString(load_default="", max_length=10_000)
    postcode = CleanString(
        load_default="", max_length=20, error_messages={"too_long": "That is too long for a postcode."}
    )
    radius = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=0.1, max=MAX_RADIUS_KM, error=f"Choose a distance from 0.1 to {MAX_RADIUS_KM:g} km."
        ),
    )
    category = fields.List(CleanString(max_length=100), load_default=list)
    age = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, 120, error="Age must be between 0 and 120.")
    )
    group = fields.List(CleanString(validate=one_of(GROUPS_SERVED)), load_default=list)
    person = fields.List(CleanString(validate=one_of(GROUPS_SERVED)), load_default=list)
    how = fields.List(CleanString(validate=one_of(ATTENDANCE)), load_default=list)
    self_referral = fields.Boolean(load_default=False)
    free = fields.Boolean(load_default=False)
    wheelchair = fields.Boolean(load_default=False)
    accepting = fields.Boolean(load_default=False)
    in_season = fields.Boolean(load_default=False)
    include_closed = fields.Boolean(load_default=False)
    literal = fields.Boolean(load_default=False)  # the words exactly as typed: no spelling correction
    plain = fields.List(
        CleanString(max_length=200), load_default=list
    )  # words typed to search for as words, not as a filter
    language = CleanString(
        load_default="", validate=validate.Regexp(r"^([a-z]{2,3})?$", error="Choose a language from the list.")
    )
    when = CleanString(load_default="any", validate=one_of(WHEN))
    day = fields.Date(load_default=None, allow_none=True)
    days = fields.List(CleanString(validate=one_of(WEEKDAYS)), load_default=list)
    part = fields.List(CleanString(validate=one_of(PARTS_OF_DAY)), load_default=list)
    organisation = fields.UUID(load_default=None, allow_none=True)
    order = CleanString(load_default="best", validate=one_of(ORDERS))
    page = fields.Integer(
        load_default=1, validate=validate.Range(1, MAX_PAGE, error=f"Pages run from 1 to {MAX_PAGE}.")
    )

    @pre_load
    def _blank_is_missing(self, data, **_):
        # HTML forms send empty strings for untouched fields; treat them as not given.
        multi = {"category", "group", "person", "how", "days", "part", "plain"}
        out = {}
        for key in data:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            values = [v for v in values if v != ""]
            if key in multi:
                out[key] = values
            elif values:
                out[key] = values[-1]
        return out

    @validates_schema
    def _day_given(self, data, **_):
        if data.get("when") == "day" and data.get("day") is None:
            raise ValidationError("Choose the day the person can go.", "day")
        today = clock.today()
        if data.get("day") is not None and data["day"] < today:
            raise ValidationError(f"That day has passed: choose today ({today:%-d %B %Y}) or a later day.", "day")


def search_query(args: dict, place, radius: float, now: datetime, page_size: int) -> SearchQuery:
    """The SearchQuery for validated SearchArgs at `now` (UK time); the search page and the JSON API ask the same way."""
    today = now.date()
    near = None
    if place is not None:
        near = Near(place.latitude, place.longitude, radius, frozenset(geography.area_codes(place)))
    return SearchQuery(
        today=today,
        now=now,
        keywords=args["q"],
        literal=args["literal"],
        plain_words=tuple(args["plain"]),
        near=near,
        categories=tuple(args["category"]),
        age=args["age"],
        groups=tuple(args["group"]),
        for_person=tuple(args["person"]),
        modes=tuple(args["how"]),
        self_referral=args["self_referral"],
        free=args["free"],
        language=args["language"] or None,
        wheelchair=args["wheelchair"],
        runs_on=args["day"] if args["day"] and args["when"] in ("any", "day") else None,  # a date works on its own
        weekdays=tuple(args["days"]),
        parts_of_day=tuple(args["part"]),
        this_week=args["when"] == "week",
        in_season_on=today if args["in_season"] else None,
        accepting=args["accepting"],
        organisation_id=str(args["organisation"]) if args["organisation"] else None,
        include_closed=args["include_closed"],
        order=args["order"] if args["order"] != "nearest" or near else "best",
        offset=(args["page"] - 1) * page_size,
        limit=page_size,
    )

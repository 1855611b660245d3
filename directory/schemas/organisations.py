"""The organisation and venue forms, and the administrators' forms: flat HTML fields to input and back."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from directory.models.account import ROLES

from .fields import CleanString
from .manage import friendly

ORGANISATION_LABELS = {
    "name": "Organisation name",
    "description": "About the organisation",
    "website": "Website",
    "email": "Email",
    "phone": "Phone",
    "charity_number": "Charity number",
    "company_number": "Company number",
    "logo_url": "Logo address",
}
LOCATION_LABELS = {
    "name": "Venue name",
    "location_type": "Kind of venue",
    "description": "About the venue",
    "address_1": "Address line 1",
    "address_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "url": "Web address",
    "travel_notes": "Getting there",
    "accessibility": "Accessibility",
    "wheelchair_accessible": "Wheelchair access",
    "confidential": "Address confidential",
    "not_on_map": "Not on the map",
}
COMMON_LABELS = {
    "base_version": "Listing",
    "archive_reason": "Reason",
    "archived_at": "Archived",
    "revision": "Version",
    "roles": "Roles",
    "trusted": "Trusted editor",
    "reason": "Reason",
    "disabled_at": "Disabled",
    "note": "Reason",
    "q": "Search",
    "email_verified_at": "Email confirmed",
}
LABELS = {"organisation": ORGANISATION_LABELS, "location": LOCATION_LABELS, "user": {}}
# Yes / no / not known, as a select sends it.
UNLIMITED = 2**31  # for a field cut by its view rather than refused
_TRISTATE = {"true": True, "false": False}


def labeller(target_type: str):
    """label_for(name) for one kind of record, in the words its form uses."""
    words = {**COMMON_LABELS, **LABELS.get(target_type, {})}
    return lambda name: words.get(name, name.replace("_", " ").capitalize())


def read_listing_form(form, names: list[str]) -> tuple[dict, dict]:
    """(data for the input schema, values to show again): blanks are left out so defaults apply."""
    values = {name: form.get(name, "") for name in names}
    data = {name: value for name, value in values.items() if value.strip()}
    if "wheelchair_accessible" in data:
        data["wheelchair_accessible"] = _TRISTATE.get(data["wheelchair_accessible"], data["wheelchair_accessible"])
    return data, values


def listing_values(snapshot: dict, names: list[str]) -> dict:
    """A snapshot as the form's values (True/False as "true"/"false")."""
    values = {}
    for name in names:
        value = snapshot.get(name)
        values[name] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return values


def listing_errors(messages: dict, order: list[str]) -> dict[str, list[str]]:
    """marshmallow's messages in plain words, in the form's order."""
    flat = {name: friendly(value) for name, value in messages.items()}
    rank = {name: number for number, name in enumerate(["base_version", *order])}
    return dict(sorted(flat.items(), key=lambda item: rank.get(item[0], len(rank))))


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class ReasonInput(_Form):
    """Why something is archived (or an account disabled)."""

    archive_reason = CleanString(
        required=True,
        long=True,
        max_length=500,
        validate=validate.Length(min=1, error="Give a reason, in up to 500 characters."),
        error_messages={
            "required": "Give a reason: it is kept in the history.",
            "too_long": "Give a reason, in up to 500 characters.",
        },
    )


class AccessInput(_Form):
    """An administrator sets an account's roles and whether its edits publish at once."""

    roles = fields.List(
        CleanString(validate=validate.OneOf(ROLES, error="'{input}' is not a role.")), load_default=list
    )
    trusted = fields.Boolean(load_default=False)


class SearchInput(_Form):
    """A name or email address to look for (long queries are cut, never refused)."""

    q = CleanString(load_default="", max_length=UNLIMITED)  # the request size limit bounds it

"""The widget guide's builder: what a partner chooses for their search, validated before it is shown back."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates

from directory import geography
from directory.config import MAX_RADIUS_KM

from .fields import CleanString

RESULTS = (3, 5, 10, 20)
DEFAULTS = {"postcode": "HX1", "category": ["food", "money"], "radius": 5.0, "results": 5, "label": ""}


class WidgetChoices(Schema):
    """postcode, categories (codes), radius in km, results at a time and the box's label."""

    class Meta:
        unknown = EXCLUDE

    postcode = CleanString(load_default="", max_length=20)
    category = fields.List(CleanString(max_length=100), load_default=list)
    radius = fields.Float(
        load_default=DEFAULTS["radius"],
        validate=validate.Range(
            min=0.1, max=MAX_RADIUS_KM, error=f"Choose a distance from 0.1 to {MAX_RADIUS_KM:g} km."
        ),
    )
    results = fields.Integer(
        load_default=DEFAULTS["results"],
        validate=validate.OneOf(RESULTS, error="Choose 3, 5, 10 or 20 results at a time."),
    )
    label = CleanString(
        load_default="", max_length=80, error_messages={"too_long": "Keep the label under 80 characters."}
    )

    @pre_load
    def _form_values(self, data, **_):
        # A GET form: repeated category boxes, and empty strings for untouched fields.
        out = {}
        for key in data:
            values = [v for v in (data.getlist(key) if hasattr(data, "getlist") else [data[key]]) if v != ""]
            if key == "category":
                out[key] = values
            elif values:
                out[key] = values[-1]
        return out

    @validates("postcode")
    def _a_postcode(self, value: str, **_):
        if value:
            try:
                geography.parse_postcode(value)
            except geography.PostcodeError as exc:
                raise ValidationError(str(exc)) from None

    @post_load
    def _normalise(self, data, **_):
        if data["postcode"]:
            data["postcode"] = geography.normalise_postcode(data["postcode"])
        return data

    def load_choices(self, args, known_categories: set[str]) -> tuple[dict, dict[str, list[str]]]:
        """The choices (the example's when nothing is chosen yet) and a message per bad field."""
        if not args:
            return dict(DEFAULTS), {}
        errors: dict[str, list[str]] = {}
        try:
            choices = self.load(args)
        except ValidationError as exc:
            errors = {
                name: [m for ms in (messages.values() if isinstance(messages, dict) else [messages]) for m in ms]
                for name, messages in exc.messages.items()
            }
            choices = {**DEFAULTS, **(exc.valid_data or {})}
        unknown = [c for c in choices.get("category", []) if c not in known_categories]
        if unknown:
            errors["category"] = [f"'{unknown[0][:40]}' is not a category code: choose from the list."]
            choices["category"] = [c for c in choices["category"] if c in known_categories]
        return choices, errors

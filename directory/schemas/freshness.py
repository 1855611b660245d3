"""The answer to a review email."""

from marshmallow import EXCLUDE, Schema

from .fields import CleanString

NOTE_MAX_LENGTH = 1000


class ReviewAnswerInput(Schema):
    """An optional note with the answer (asked for when a listing has closed)."""

    class Meta:
        unknown = EXCLUDE

    note = CleanString(
        load_default="",
        long=True,
        max_length=NOTE_MAX_LENGTH,
        error_messages={"too_long": "Keep the note under 1,000 characters."},
    )

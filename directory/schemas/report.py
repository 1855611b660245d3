"""The report-a-problem form."""

from marshmallow import EXCLUDE, Schema

from directory.models.feedback import PROBLEM_KINDS

from .fields import CleanString, one_of


class ProblemReportInput(Schema):
    """What is wrong, and an optional note."""

    class Meta:
        unknown = EXCLUDE

    kind = CleanString(
        required=True, validate=one_of(PROBLEM_KINDS), error_messages={"required": "Choose what is wrong."}
    )
    note = CleanString(
        load_default="",
        long=True,
        max_length=1000,
        error_messages={"too_long": "Keep the note under 1,000 characters."},
    )

"""One incoming listing, whatever file it came from, and what was wrong with it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Why a row was rejected: where (row, column) and what, in words the user can act on."""

    row: str
    column: str
    problem: str


@dataclass
class ImportRecord:
    """One listing read from a file: an organisation, its service, venues and sessions.

    Every dict holds raw values in the shape of directory/schemas/listing.py's input schemas
    (strings are fine; the schemas convert and check them):

    - organisation: OrganisationInput fields (name is required).
    - service: ServiceInput fields other than the groups below (name is required; status,
      summary, description, website, email, phone, referral_routes, seasons, funding, areas...).
    - eligibility: min_age, max_age, groups_served, circumstances, eligibility_criteria, open_to_all.
    - costs: is_free, cost_description, cost_min, cost_max.
    - locations: LocationInput dicts. schedules: ScheduleInput dicts, where "location" may be
      the index of one of `locations`.
    - languages: codes ("en", "ur"). categories: taxonomy codes or names ("food/food-bank",
      "Food bank"). contacts: {name, title, email, phone} dicts (kept in attributes; the first
      fills the service's email and phone when it has none).
    - attributes: whatever has no home in Signpost's model, kept on the service, never dropped.

    A field the file does not have should be left out of the dicts, not set to blank: on a
    re-import only the fields given replace what the listing holds.
    """

    source: str
    row: str  # where it came from, for the report: "row 12", "services.json#3", a file path
    source_id: str | None = None  # the listing's id in the source, when it has one
    organisation_source_id: str | None = None
    organisation: dict = field(default_factory=dict)
    service: dict = field(default_factory=dict)
    eligibility: dict = field(default_factory=dict)
    costs: dict = field(default_factory=dict)
    locations: list[dict] = field(default_factory=list)
    schedules: list[dict] = field(default_factory=list)
    languages: list[str] | None = None  # None: the file says nothing about languages
    categories: list[str] | None = None
    contacts: list[dict] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    # Which column of the file each field came from ("service.min_age" -> "Age from"), so a
    # problem names the column the user sees; unnamed fields are reported by their own name.
    columns: dict[str, str] = field(default_factory=dict)
    # Problems the reader found before validation (a day it could not read, say).
    problems: list[Problem] = field(default_factory=list)
    # The row as read (column -> text), written back to the rejects file when the row is rejected.
    values: dict[str, str] = field(default_factory=dict)
    # Lenient records (spreadsheet rows) keep a value that cannot be used as a detail to check, with
    # a warning, instead of rejecting the row; only a row that cannot be a listing is rejected.
    lenient: bool = False
    warnings: list[Problem] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # column -> the cell as written, to check
    readings: list[tuple[str, str, str]] = field(default_factory=list)  # (column, wording, read as): not exact

    def warn(self, column: str, problem: str, value: str | None = None) -> None:
        """Note a value that was left out (kept as a detail to check when `value` is given)."""
        self.warnings.append(Problem(self.row, column, problem))
        if value:
            self.details[column] = value

    def column(self, path: str) -> str:
        """The file's name for a field ("service.min_age" -> "Age from"), or the field's own name."""
        if path in self.columns:
            return self.columns[path]
        head = path.split(".")[0]
        return self.columns.get(head, path)

    def reject(self, path: str, problem: str) -> None:
        """Note a problem with a field; the row will be rejected."""
        self.problems.append(Problem(self.row, self.column(path), problem))

"""A record of every import: what was read, by whom, what it did, and every rejected row."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint
from sqlmodel import Field, SQLModel

from .common import in_list, new_id, utcnow

RUN_STATUSES = ("running", "finished", "failed", "interrupted")


class ImportRun(SQLModel, table=True):
    """One import (or dry run) of one file: counts, rejects and what happened to it."""

    __tablename__ = "import_run"
    __table_args__ = (CheckConstraint(in_list("status", RUN_STATUSES), name="import_status_known"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    source: str = Field(max_length=100, index=True)
    file_name: str = Field(default="", max_length=255)  # as the user named it
    kind: str = Field(default="csv", max_length=20)  # csv, hsds, mail
    started_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    started_by_name: str = Field(max_length=100)  # "Signpost" for the command line
    started_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    finished_at: datetime | None = None
    dry_run: bool = False
    status: str = Field(default="running", max_length=12)
    counts: dict = Field(default_factory=dict, sa_type=JSON)  # created, updated, unchanged, rejected, proposed_merge
    # [{"row", "column", "problem", "values": {column: text}}], every rejected row
    rejects: list[dict] = Field(default_factory=list, sa_type=JSON)
    # What each listed row would do or did: [{"row", "action", "name", "detail"}], unchanged rows left out.
    outcomes: list[dict] = Field(default_factory=list, sa_type=JSON)
    columns: list[str] = Field(default_factory=list, sa_type=JSON)  # the file's columns, in order
    unmapped: list[str] = Field(default_factory=list, sa_type=JSON)  # columns kept as attributes
    settings: dict = Field(default_factory=dict, sa_type=JSON)  # mapping, batch size: to repeat the run
    # An uploaded file kept under instance/imports/ until the dry run is confirmed (random name).
    stored_file: str | None = Field(default=None, max_length=80)
    message: str = Field(default="", max_length=1000)  # why a run failed

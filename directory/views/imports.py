"""Administrators import spreadsheets in the browser: upload, check the dry run, confirm; past imports.

Moderators decide the possible duplicates an import found (proposed merges) here too. Every
permission is checked in directory.operations.imports.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from directory import spreadsheet
from directory.auth import current_actor, login_required
from directory.db import get_db, get_session
from directory.limits import accepts_body
from directory.models import ChangeRequest, ImportRun, Organisation, Service
from directory.operations import InputError
from directory.operations import imports as ops
from directory.operations.moderation import service_snapshot
from directory.permissions import can, require
from directory.views.errors import on_bad_input
from importers.core import ImportFailed, run_import
from importers.spreadsheet import default_source, open_spreadsheet
from importers.tables import TableError, rejects_rows
from search import get_search

bp = Blueprint("imports", __name__)


def _uploads() -> Path:
    return Path(current_app.instance_path) / "imports"


def _run_or_404(raw_id: str) -> ImportRun:
    try:
        run = ops.get_run(get_session(), current_actor(), uuid.UUID(raw_id))
    except ValueError:
        run = None
    if run is None:
        abort(404, description="There is no such import.")
    return run


def _index(errors=None, form=None, status: int = 200):
    runs = ops.list_runs(get_session(), current_actor())
    return render_template(
        "imports/index.html", runs=runs, errors=errors or {}, form=form or {}, limit_mb=ops.UPLOAD_LIMIT // 1024 // 1024
    ), status


@bp.get("/admin/imports")
@login_required
def index():
    """The upload form and past imports."""
    return _index()


@bp.post("/admin/imports")
@accepts_body(ops.UPLOAD_LIMIT + 64 * 1024)  # the file, and the form around it
@login_required
def upload():
    """Keep the file, run a dry run of it, and show what it would do."""
    actor = current_actor()
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    source = (request.form.get("source") or "").strip()[:100] or default_source(Path(name or "upload"))
    on_bad_input(lambda messages: _index(messages, request.form, 400))
    stored = ops.save_upload(actor, _uploads(), name, upload.read(ops.UPLOAD_LIMIT + 1) if upload else b"")
    report = _import(_uploads() / stored, source, name, dry_run=True, stored_file=stored)
    return redirect(url_for("imports.show", raw_id=report.run_id), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if not can(current_actor(), "import.run"):
        return error
    words = f"The file is larger than {ops.UPLOAD_LIMIT // 1024 // 1024} MB: split it, or import it with the signpost import csv command."
    return _index({"file": [words]}, status=413)


def _import(path: Path, source: str, file_name: str, **kwargs):
    try:
        sheet = open_spreadsheet(path, source)
        return run_import(
            get_db(),
            sheet.records(),
            source=source,
            actor=current_actor(),
            file_name=file_name,
            columns=sheet.headers,
            unmapped=sheet.unmapped,
            settings={"mapping": sheet.mapping},
            index=get_search(),
            advice=sheet.advice,
            **kwargs,
        )
    except (
        TableError,
        ImportFailed,
    ) as exc:  # an unreadable file, or a batch that failed (the message says what was kept)
        raise InputError({"file": [str(exc)]}) from None


@bp.get("/admin/imports/<raw_id>")
@login_required
def show(raw_id: str):
    """An import's (or dry run's) counts, every rejected row, and what each listed row did."""
    run = _run_or_404(raw_id)
    can_confirm = run.dry_run and run.status == "finished" and bool(run.stored_file)
    return render_template("imports/run.html", run=run, can_confirm=can_confirm)


@bp.post("/admin/imports/<raw_id>/confirm")
@login_required
def confirm(raw_id: str):
    """Import the file a dry run checked, without uploading it again."""
    run = _run_or_404(raw_id)

    def refused(messages: dict):
        flash(" ".join(w for ws in messages.values() for w in ws))
        return redirect(url_for("imports.show", raw_id=run.id), code=303)

    on_bad_input(refused)
    db = get_session()
    path = ops.upload_to_confirm(db, current_actor(), run, _uploads())
    report = _import(path, run.source, run.file_name)
    ops.release_upload(db, current_actor(), run, _uploads())
    flash(f"Imported {run.file_name}.")
    return redirect(url_for("imports.show", raw_id=report.run_id), code=303)


@bp.get("/admin/imports/<raw_id>/rejects.csv")
@login_required
def rejects(raw_id: str):
    """The rejected rows with their original columns and an Error column, to fix and upload again."""
    run = _run_or_404(raw_id)
    text = io.StringIO()
    spreadsheet.writer(text).writerows(rejects_rows(run.columns, run.rejects))
    name = f"rejected-{Path(run.file_name).stem or 'rows'}.csv"
    return Response(
        "\ufeff" + text.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Possible duplicates --------------------------------------------------------------------------------


def _merge_page(change: ChangeRequest, errors=None, status: int = 200):
    db = get_session()
    service = db.get(Service, change.target_id)
    organisation = db.get(Organisation, service.organisation_id) if service else None
    live = service_snapshot(service) if service else {}
    incoming = change.proposed.get("service", {})
    rows = [
        (name, live.get(name), incoming.get(name))
        for name in change.proposed.get("given", [])
        if name in incoming and name != "location_ids"
    ]
    return render_template(
        "imports/merge.html",
        change=change,
        service=service,
        organisation=organisation,
        rows=rows,
        decisions=ops.MERGE_DECISIONS,
        errors=errors or {},
    ), status


@bp.get("/moderate/merges/<raw_id>")
@login_required
def merge(raw_id: str):
    """An imported row beside the existing listing it looks like, with the three decisions."""
    change = _merge_or_404(raw_id)
    require(current_actor(), "change.decide", change)
    return _merge_page(change)


@bp.post("/moderate/merges/<raw_id>")
@login_required
def decide_merge(raw_id: str):
    """Merge, add as separate, or discard; the decision is kept with the import's row."""
    change = _merge_or_404(raw_id)
    on_bad_input(lambda messages: _merge_page(change, messages, 400))
    ops.decide_merge(
        get_session(), current_actor(), change, request.form.get("decision", ""), request.form.get("note", "")
    )
    flash(
        {
            "merge": "Merged into the existing listing.",
            "separate": "Added as a new listing.",
            "discard": "Discarded the imported row.",
        }[change.proposed["decision"]]
    )
    return redirect(url_for("manage.queue"), code=303)


def _merge_or_404(raw_id: str) -> ChangeRequest:
    try:
        change = get_session().get(ChangeRequest, uuid.UUID(raw_id))
    except ValueError:
        change = None
    if change is None or change.kind != "merge":
        abort(404, description="There is no such possible duplicate.")
    return change

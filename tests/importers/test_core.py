"""The import core: every rejection named by row and column, dry runs, batches, idempotence, duplicates."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from directory.models import ChangeRequest, ImportRun, Location, Organisation, Revision, Service
from directory.operations.moderation import service_snapshot
from directory.permissions import Actor, PermissionDenied
from importers import core
from importers.core import ImportFailed
from search import get_search
from tests import factories

from .conftest import HEADER, PANTRY, WALK, import_file, spreadsheet


def counts(report) -> dict:
    return {action: n for action, n in report.counts.items() if n}


def table_sizes(session) -> dict:
    session.expire_all()
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Organisation, Location, Service, Revision, ChangeRequest)
    }


def test_a_spreadsheet_creates_organisations_venues_services_with_sessions_and_history(app, session, listings):
    report = import_file(app, listings)
    assert counts(report) == {"created": 2}
    pantry = session.exec(select(Service).where(Service.name == "Community pantry")).one()
    assert pantry.source == "council" and pantry.organisation.name == "Parkhead Pantry"
    assert (pantry.min_age, pantry.is_free, str(pantry.cost_min)) == (18, False, "2.00")
    assert [t.code for t in pantry.terms] == ["food/food-pantry"]
    assert sorted((s.weekday, s.opens_at.isoformat()) for s in pantry.schedules) == [
        ("MO", "10:00:00"),
        ("WE", "10:00:00"),
    ]
    venue = pantry.location_links[0].location
    assert venue.postcode == "G31 5EH" and venue.latitude and venue.geocode_source == "unit"
    assert {s.location_id for s in pantry.schedules} == {venue.id}
    revision = session.exec(select(Revision).where(Revision.target_id == pantry.id)).one()
    assert (
        revision.source == "import"
        and revision.changed_by_name == "Signpost"
        and revision.changes["name"] == [None, "Community pantry"]
    )


def test_imported_services_are_searchable_once_the_import_ends(app, listings):
    import_file(app, listings)
    with app.app_context():
        assert len(get_search(app).backend.stamps()) == 2 and not get_search(app).pending()


def test_the_run_is_recorded_with_its_counts_and_rejects(app, session, tmp_path):
    path = spreadsheet(tmp_path, PANTRY, "Bad,Row,G31 5EH,,not-an-email,,,,,,", ",,G31 5EH,,,,,,,,")
    report = import_file(app, path)
    run = session.get(ImportRun, report.run_id)
    assert (run.source, run.file_name, run.status, run.dry_run, run.started_by_name) == (
        "council",
        "listings.csv",
        "finished",
        False,
        "Signpost",
    )
    assert run.counts == {"created": 2, "updated": 0, "unchanged": 0, "proposed_merge": 0, "rejected": 1, "warned": 1}
    warning = next(r for r in run.rejects if r["level"] == "warning")
    reject = next(r for r in run.rejects if r["level"] == "rejected")
    assert (warning["row"], warning["column"], warning["level"]) == ("row 3", "Email address", "warning")
    assert warning["values"]["Email address"] == "not-an-email" and run.finished_at is not None
    assert (reject["row"], reject["column"], reject["level"]) == ("row 4", "Service", "rejected")


@pytest.mark.parametrize(
    "row, column, words",
    [
        (",,G31 5EH,,,,,,,,", "Service", "neither"),
        ("Hub," + "x" * 201 + ",G31 5EH,,,,,,,,", "Service", "Keep this to 200 characters or fewer (it has 201)."),
    ],
)
def test_a_row_that_cannot_be_a_listing_is_rejected_naming_row_column_and_problem(
    app, session, tmp_path, row, column, words
):
    report = import_file(app, spreadsheet(tmp_path, PANTRY, row))
    assert counts(report) == {"created": 1, "rejected": 1}
    assert any((r["row"], r["column"]) == ("row 3", column) and words in r["problem"] for r in report.rejects), (
        report.rejects
    )
    assert table_sizes(session)["Service"] == 1


@pytest.mark.parametrize(
    "row, column, words",
    [
        ("Hub,Lunch,G31 XYZ,,,,,,,,", "Postcode", "not a UK postcode"),
        ("Hub,Lunch,ZZ9 9ZZ,,,,,,,,", "Postcode", "not one we know"),
        ("Hub,Lunch,G31,,,,,,,,", "Postcode", "only part of a postcode"),
        ("Hub,Lunch,G31 5EH,,,150,,,,,", "Age from", "Age must be between 0 and 120"),
        ("Hub,Lunch,G31 5EH,,,eighteen,,,,,", "Age from", "Not a valid integer"),
        ("Hub,Lunch,G31 5EH,,someone@,,,,,,", "Email address", "not an email address"),
        ("Hub,Lunch,G31 5EH,,,,,,,,Knitting", "Category", "Unknown category 'Knitting'"),
        ("Hub,Lunch,G31 5EH,,,,Funday,,,,", "Days", "Could not read the day"),
        ("Hub,Lunch,G31 5EH,,,,Mon,late,,,", "Times", "Could not read the times"),
        ("Hub,Lunch,G31 5EH,,,,Mon,3pm-1pm,,,", "Times", "closes before it opens"),
        ("Hub,Lunch,G31 5EH,,,,,10-12,,,", "Times", "Times are given but no days"),
        ("Hub,Lunch,G31 5EH,,,,,,,telepathy,", "Referral", "Could not read the referral route"),
    ],
)
def test_a_cell_that_cannot_be_read_is_a_warning_and_the_row_is_imported(app, session, tmp_path, row, column, words):
    report = import_file(app, spreadsheet(tmp_path, PANTRY, row))
    assert counts(report) == {"created": 2, "warned": 1}
    warning = next(r for r in report.warnings if (r["row"], r["column"]) == ("row 3", column))
    assert words in warning["problem"] and "kept as a detail to check" in warning["problem"], warning
    lunch = session.exec(select(Service).where(Service.name == "Lunch")).one()
    value = row.split(",")[HEADER.split(",").index(column)]
    assert lunch.attributes["details_to_check"]["cells"] == {column: value}


def test_a_row_repeating_an_earlier_one_is_rejected(app, tmp_path):
    report = import_file(app, spreadsheet(tmp_path, PANTRY, WALK, PANTRY.replace("£2", "£3")))
    assert counts(report) == {"created": 2, "rejected": 1}
    assert report.rejects[0]["row"] == "row 4" and "The same listing as row 2" in report.rejects[0]["problem"]


def test_a_dry_run_changes_nothing_and_reports_what_a_real_import_would(app, session, listings, tmp_path):
    before = table_sizes(session)
    dry = import_file(app, listings, dry_run=True)
    assert table_sizes(session) == before
    with app.app_context():
        assert get_search(app).backend.stamps() == {} and not get_search(app).pending()
    assert session.get(ImportRun, dry.run_id).dry_run
    real = import_file(app, listings)
    assert counts(dry) == counts(real) == {"created": 2}


def test_a_crash_mid_import_keeps_earlier_batches_and_rolls_back_the_batch_it_was_in(
    app, session, tmp_path, monkeypatch
):
    rows = [PANTRY.replace("Community pantry", f"Pantry {n}") for n in range(7)]
    path = spreadsheet(tmp_path, *rows)
    real_add, calls = core.ops.add_service, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(core.ops, "add_service", failing)
    with pytest.raises(ImportFailed, match=r"batch starting at row 6 \(RuntimeError: disk full\)"):
        import_file(app, path, batch_size=2)
    session.expire_all()
    assert sorted(session.exec(select(Service.name))) == ["Pantry 0", "Pantry 1", "Pantry 2", "Pantry 3"]
    run = session.exec(select(ImportRun)).one()
    assert run.status == "failed" and "earlier batches were" in run.message and run.counts["created"] == 4
    with app.app_context():  # the committed batches wait to be indexed; nothing else does
        assert len(get_search(app).pending()) == 4

    monkeypatch.setattr(core.ops, "add_service", real_add)
    report = import_file(app, path, batch_size=2)
    assert counts(report) == {"unchanged": 4, "created": 3}
    with app.app_context():
        assert len(get_search(app).backend.stamps()) == 7


def test_ctrl_c_rolls_back_the_batch_and_records_the_run_as_interrupted(app, session, tmp_path, monkeypatch):
    path = spreadsheet(tmp_path, PANTRY, WALK)
    monkeypatch.setattr(core.ops, "add_service", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        import_file(app, path)
    assert table_sizes(session)["Service"] == 0
    assert session.exec(select(ImportRun.status)).one() == "interrupted"


def test_importing_the_same_file_again_changes_nothing(app, session, listings):
    import_file(app, listings)
    session.expire_all()
    before = {s.id: (service_snapshot(s), s.version, s.updated_at) for s in session.exec(select(Service))}
    sizes = table_sizes(session)
    report = import_file(app, listings)
    assert counts(report) == {"unchanged": 2}
    session.expire_all()
    assert {s.id: (service_snapshot(s), s.version, s.updated_at) for s in session.exec(select(Service))} == before
    assert table_sizes(session) == sizes


def test_a_changed_row_updates_only_the_fields_the_file_gives_and_is_recorded(app, session, tmp_path, listings):
    import_file(app, listings)
    pantry = session.exec(select(Service).where(Service.name == "Community pantry")).one()
    pantry.description = "Written by the organisation itself."
    session.add(pantry)
    session.commit()
    changed = spreadsheet(tmp_path, PANTRY.replace("Mon, Wed", "Thursday").replace("£2", "£3"), WALK, name="v2.csv")
    report = import_file(app, changed)
    assert counts(report) == {"updated": 1, "unchanged": 1}
    session.expire_all()
    pantry = session.get(Service, pantry.id)
    assert [s.weekday for s in pantry.schedules] == ["TH"] and str(pantry.cost_min) == "3.00"
    assert pantry.description == "Written by the organisation itself." and pantry.version == 2
    latest = session.exec(
        select(Revision).where(Revision.target_id == pantry.id).order_by(Revision.changed_at.desc())
    ).first()
    assert latest.source == "import" and set(latest.changes) == {"schedules", "cost_description", "cost_min"}


def test_rows_with_ids_are_matched_by_id_even_when_renamed(app, session, tmp_path):
    header = "ID," + HEADER
    import_file(app, spreadsheet(tmp_path, "p1," + PANTRY, header=header))
    report = import_file(
        app, spreadsheet(tmp_path, "p1," + PANTRY.replace("Community pantry", "The Pantry"), header=header)
    )
    assert counts(report) == {"updated": 1}
    assert session.exec(select(Service.name)).all() == ["The Pantry"]


def test_unmapped_columns_are_kept_on_the_service(app, session, tmp_path):
    path = spreadsheet(tmp_path, PANTRY + ",Ground floor,blue", header=HEADER + ",Notes for staff,Colour")
    report = import_file(app, path)
    assert report.unmapped == ["Notes for staff", "Colour"]
    assert session.exec(select(Service)).one().attributes == {"Notes for staff": "Ground floor", "Colour": "blue"}


def test_a_likely_duplicate_of_an_existing_listing_becomes_a_proposed_merge(app, session, tmp_path):
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    venue = factories.location(session, org, postcode="G31 5EH")
    existing = factories.service(session, org, locations=[venue], name="Community Pantry")
    session.commit()
    report = import_file(app, spreadsheet(tmp_path, PANTRY.replace("Community pantry", "The Community Pantry")))
    assert counts(report) == {"proposed_merge": 1}
    assert "looks like “Community Pantry”" in report.outcomes[0].detail
    change = session.exec(select(ChangeRequest)).one()
    assert (change.kind, change.status, change.target_id, change.proposed["source"]) == (
        "merge",
        "pending",
        existing.id,
        "council",
    )
    assert change.proposed["service"]["name"] == "The Community Pantry" and change.proposed["score"] >= 85
    assert table_sizes(session)["Service"] == 1
    assert counts(
        import_file(app, spreadsheet(tmp_path, PANTRY.replace("Community pantry", "The Community Pantry")))
    ) == {"unchanged": 1}
    assert table_sizes(session)["ChangeRequest"] == 1


def test_a_similar_name_elsewhere_at_another_organisation_is_not_a_duplicate(app, session, tmp_path):
    org = factories.organisation(session, name="Calder Valley Trust")
    factories.service(
        session, org, locations=[factories.location(session, org, postcode="HX7 8AD")], name="Community pantry"
    )
    session.commit()
    assert counts(import_file(app, spreadsheet(tmp_path, PANTRY))) == {"created": 1}


def test_only_administrators_may_import(app, session, listings):
    moderator = Actor("user", "Mo", roles=frozenset({"moderator"}), verified=True)
    with pytest.raises(PermissionDenied):
        import_file(app, listings, actor=moderator)
    assert table_sizes(session)["Service"] == 0 and session.exec(select(ImportRun)).all() == []


def test_an_organisation_from_elsewhere_gains_the_service_but_keeps_its_own_details(app, session, tmp_path):
    org = factories.organisation(session, name="Parkhead Pantry", email="trust@example.org")
    session.commit()
    import_file(
        app,
        spreadsheet(
            tmp_path,
            "Parkhead Pantry,Lunch club,G31 5EH,new@example.org",
            header="Org name,Service,Postcode,Organisation email",
        ),
    )
    session.expire_all()
    assert session.get(Organisation, org.id).email == "trust@example.org"
    assert session.exec(select(Service.organisation_id)).one() == org.id


def test_a_renamed_row_from_the_same_source_is_a_new_listing_not_a_possible_duplicate(app, tmp_path, listings):
    import_file(app, listings)
    renamed = spreadsheet(tmp_path, PANTRY.replace("Community pantry", "Community pantry (Tuesdays)"), name="v2.csv")
    assert counts(import_file(app, renamed)) == {"created": 1}


@pytest.mark.postgres
def test_imports_dry_runs_and_re_imports_work_on_postgresql(postgres_url, tmp_path, listings):
    from directory import migrate
    from directory.db import get_db
    from tests.conftest import migrated_app

    app = migrated_app(tmp_path, DATABASE_URL=postgres_url)
    try:
        assert counts(import_file(app, listings, dry_run=True)) == {"created": 2}
        assert counts(import_file(app, listings)) == {"created": 2}
        assert counts(import_file(app, listings)) == {"unchanged": 2}
        with get_db(app).unit_of_work() as session:
            assert len(session.exec(select(Service)).all()) == 2
            # One first revision for each service, organisation and venue created; none for the unchanged re-import.
            kinds = session.exec(select(Revision.target_type, func.count()).group_by(Revision.target_type)).all()
            assert dict(kinds) == {"service": 2, "organisation": 2, "location": 2}
    finally:
        migrate.downgrade(get_db(app).engine, "base")
        get_db(app).engine.dispose()

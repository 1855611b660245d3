"""The demo directory loads through the operations, once, with dates relative to today."""

from datetime import date

import pytest
from sqlmodel import func, select

from directory.demo import load_demo
from directory.models import Organisation, Service

LOADED_ON = date(2026, 11, 24)


def test_setup_loads_the_demo_once_and_keeps_data_on_rerun(app, runner, session):
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "Loaded" in first.output
    services = session.exec(select(func.count()).select_from(Service)).one()
    organisations = session.exec(select(func.count()).select_from(Organisation)).one()
    assert services >= 300 and organisations >= 120

    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert session.exec(select(func.count()).select_from(Service)).one() == services


def test_demo_dates_are_relative_to_the_day_it_is_loaded(session):
    load_demo(session, date(2030, 1, 1))
    newest = session.exec(select(func.max(Service.last_verified_at))).one()
    assert newest.year in (2029, 2030)


def test_every_demo_venue_has_a_point(session):
    from directory.models import Location

    load_demo(session, LOADED_ON)
    unplaced = session.exec(
        select(Location).where(Location.location_type == "physical", Location.latitude.is_(None))
    ).all()
    assert unplaced == []


def test_demo_venues_sit_at_their_unit_postcodes_own_positions(session):
    from directory.geography import parse_postcode, resolve_postcode
    from directory.models import Location

    load_demo(session, LOADED_ON)
    venues = session.exec(select(Location).where(Location.postcode.is_not(None))).all()
    assert len(venues) > 100
    points_by_sector = {}
    for venue in venues:
        place = resolve_postcode(venue.postcode)
        assert (venue.geocode_source, venue.latitude, venue.longitude) == ("unit", place.latitude, place.longitude)
        points_by_sector.setdefault(parse_postcode(venue.postcode).sector, set()).add((venue.latitude, venue.longitude))
    # So two venues in one sector are at different distances from any searched postcode.
    assert sum(len(points) > 1 for points in points_by_sector.values()) >= 10


def test_demo_services_are_linked_to_their_venues(session):
    from directory.models import ServiceAtLocation

    load_demo(session, LOADED_ON)
    assert session.exec(select(func.count()).select_from(ServiceAtLocation)).one() >= 250


@pytest.mark.postgres
def test_the_demo_loads_and_pages_render_on_postgresql(postgres_url, tmp_path):
    from directory import migrate
    from directory.db import get_db

    from .conftest import make_app

    app = make_app(tmp_path, DATABASE_URL=postgres_url)
    engine = get_db(app).engine
    migrate.upgrade(engine)
    try:
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        client = app.test_client()
        page = client.get("/search?q=food+bank&postcode=G31+2ER")
        assert page.status_code == 200 and "km away" in page.get_data(as_text=True)
        with get_db(app).unit_of_work() as session:
            service = session.exec(select(Service).where(Service.status == "temporarily_closed")).first()
        assert client.get(f"/services/{service.id}").status_code == 200
    finally:
        migrate.downgrade(engine, "base")
        engine.dispose()


def test_demo_phone_lines_say_they_are_by_phone(session):
    load_demo(session, LOADED_ON)
    lines = session.exec(
        select(Service).where(Service.name.in_(["Steady Ground Listening Line", "Calderdale Welfare Rights Line"]))
    ).all()
    assert {line.name: line.attendance for line in lines} == {
        "Steady Ground Listening Line": ["phone"],
        "Calderdale Welfare Rights Line": ["phone", "home_visit"],
    }


def test_demo_phone_line_hours_are_phone_sessions_and_local_sessions_are_in_person(session):
    from directory.presenters import session_attendance

    load_demo(session, LOADED_ON)
    ways: dict[str, set] = {}
    for service in session.exec(select(Service)).all():
        for rule in service.schedules:
            kind = "line" if rule.description == "Phone line hours" else "local"
            ways.setdefault(kind, set()).add(session_attendance(rule, service))
    assert ways == {"line": {"phone"}, "local": {"in_person"}}

"""The demo directory loads through the operations, once, with dates relative to today."""

from datetime import date

from sqlmodel import func, select

from directory.demo import load_demo
from directory.models import Organisation, Service


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

    load_demo(session, date.today())
    unplaced = session.exec(select(Location).where(Location.location_type == "physical", Location.latitude.is_(None))).all()
    assert unplaced == []


def test_demo_services_are_linked_to_their_venues(session):
    from directory.models import ServiceAtLocation

    load_demo(session, date.today())
    assert session.exec(select(func.count()).select_from(ServiceAtLocation)).one() >= 250

"""The database refuses impossible listings even if a caller skips validation."""

import uuid
from datetime import date, time

import pytest
from sqlalchemy.exc import IntegrityError

from directory.models import Funding, Organisation, Schedule, Season, Service

from . import factories


def _commit_fails(session, record):
    session.add(record)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


@pytest.fixture
def org(session):
    org = factories.organisation(session)
    session.commit()
    return org


def test_ids_are_stable_uuids(session, org):
    assert isinstance(org.id, uuid.UUID)
    assert session.get(Organisation, org.id).name == org.name


@pytest.mark.parametrize(
    "fields",
    [
        {"min_age": 30, "max_age": 20},
        {"min_age": -1},
        {"max_age": 121},
        {"status": "closed-ish"},
        {"cost_min": 5, "cost_max": 2, "is_free": False},
        {"verification_method": "guess"},
    ],
)
def test_impossible_services_are_refused_by_the_database(session, org, fields):
    _commit_fails(session, Service(organisation_id=org.id, name="X", **fields))


def test_a_service_needs_an_existing_organisation(session):
    _commit_fails(session, Service(organisation_id=uuid.uuid4(), name="Orphan"))


def test_sessions_must_not_open_and_close_at_the_same_time(session, org):
    # Closing before opening is a session that runs overnight (6pm to 2am); the schemas decide when that is plausible.
    service = factories.service(session, org)
    session.commit()
    _commit_fails(session, Schedule(service_id=service.id, weekday="TU", opens_at=time(12), closes_at=time(12)))


def test_schedule_validity_dates_are_ordered(session, org):
    service = factories.service(session, org)
    session.commit()
    _commit_fails(
        session, Schedule(service_id=service.id, weekday="MO", valid_from=date(2026, 5, 1), valid_to=date(2026, 4, 1))
    )


def test_season_months_are_real(session, org):
    service = factories.service(session, org)
    session.commit()
    _commit_fails(session, Season(service_id=service.id, start_month=13, end_month=2))


def test_funding_status_is_from_the_list(session, org):
    service = factories.service(session, org)
    session.commit()
    _commit_fails(session, Funding(service_id=service.id, status="maybe"))

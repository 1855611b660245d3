"""Operations that create, verify and archive listings."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from directory.models import Location, Schedule, Service, ServiceArea
from directory.operations import InputError, validate
from directory.operations.listings import archive_service, place_location, update_service, verify_service
from directory.permissions import ANONYMOUS, SYSTEM, PermissionDenied
from directory.schemas.listing import ServiceInput

from . import factories

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_a_venue_is_placed_from_its_postcode(session):
    org = factories.organisation(session)
    venue = factories.location(session, org, postcode="hx1 1ld")
    assert venue.postcode == "HX1 1LD"
    assert 53.6 < venue.latitude < 53.8 and -2.0 < venue.longitude < -1.8
    assert venue.geocode_source in {"unit", "sector", "district"}


def test_a_given_point_is_kept(session):
    org = factories.organisation(session)
    venue = factories.location(session, org, postcode="G31 5EH", latitude=55.85, longitude=-4.2)
    assert (venue.latitude, venue.longitude, venue.geocode_source) == (55.85, -4.2, "given")


def test_a_venue_not_on_the_map_is_never_placed(session):
    # A geocoder limited to the UK would put a venue abroad somewhere wrong; a given point is not kept either.
    venue = Location(name="Partner centre", town="Dublin", latitude=53.35, longitude=-6.26, not_on_map=True)
    place_location(session, venue)
    assert (venue.latitude, venue.longitude, venue.geocode_source) == (None, None, None)


def test_a_postcode_that_does_not_exist_is_refused_by_name(session):
    org = factories.organisation(session)
    with pytest.raises(InputError, match="postcode"):
        factories.location(session, org, postcode="ZZ9 9ZZ")


def test_a_service_keeps_every_fact(session):
    org = factories.organisation(session)
    venue = factories.location(session, org)
    service = factories.service(
        session,
        org,
        locations=[venue],
        categories=["food"],
        min_age=18,
        groups_served=["carers"],
        areas=[{"area_type": "local_authority", "code": "S12000049", "name": "Glasgow City"}],
        referral_routes=[{"route_type": "self_referral", "method": "phone", "contact": "0141 496 0000"}],
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "funding_ending", "funded_until": "2027-03-31"}],
    )
    session.commit()
    stored = session.get(Service, service.id)
    assert [t.code for t in stored.terms] == ["food"]
    assert [link.location_id for link in stored.location_links] == [venue.id]
    assert stored.referral_routes[0].route_type == "self_referral"
    assert stored.schedules[0].weekday == "TU"
    assert stored.seasons[0].end_month == 9
    assert stored.funding[0].funded_until.isoformat() == "2027-03-31"


def test_an_unknown_category_is_named(session):
    with pytest.raises(InputError, match="no-such-thing"):
        factories.service(session, categories=["no-such-thing"])


def test_a_service_cannot_use_another_organisations_venue(session):
    other = factories.organisation(session, name="Someone Else")
    venue = factories.location(session, other)
    with pytest.raises(InputError, match="another organisation"):
        factories.service(session, factories.organisation(session), locations=[venue])


def test_updating_replaces_children_without_leaving_old_ones(session):
    service = factories.service(session, schedules=[{"weekday": "MO"}, {"weekday": "TU"}])
    data = validate(ServiceInput(), {"name": "Renamed", "schedules": [{"weekday": "FR"}], "areas": []})
    update_service(session, SYSTEM, service, data, now=NOW)
    session.commit()
    days = session.exec(select(Schedule.weekday).where(Schedule.service_id == service.id)).all()
    assert days == ["FR"]
    assert session.exec(select(ServiceArea).where(ServiceArea.service_id == service.id)).all() == []
    assert service.name == "Renamed"


def test_verifying_records_who_when_and_how(session):
    service = factories.service(session)
    verify_service(session, SYSTEM, service, "moderator", now=NOW)
    assert service.last_verified_at == NOW
    assert (service.verified_by, service.verification_method) == ("Signpost", "moderator")


def test_archiving_keeps_the_row_and_the_reason(session):
    service = factories.service(session)
    archive_service(session, SYSTEM, service, "Group merged with another", now=NOW)
    session.commit()
    stored = session.get(Service, service.id)
    assert stored.archived_at == NOW and stored.archive_reason == "Group merged with another"


def test_archiving_needs_a_reason(session):
    with pytest.raises(InputError, match="archive"):
        archive_service(session, SYSTEM, factories.service(session), "  ")


def test_the_public_cannot_change_listings(session):
    with pytest.raises(PermissionDenied):
        verify_service(session, ANONYMOUS, factories.service(session), "owner")


def test_a_venue_without_a_postcode_uses_the_geocoder_only_when_switched_on(session, monkeypatch):
    from types import SimpleNamespace

    from directory import geography
    from directory.models import Location
    from directory.operations.listings import place_location

    monkeypatch.setattr(
        geography,
        "build_geocoder",
        lambda config: SimpleNamespace(geocode=lambda text, **kw: SimpleNamespace(latitude=53.72, longitude=-1.86)),
    )
    venue = Location(location_type="physical", address_1="1 Square Road", town="Halifax")
    place_location(session, venue, SimpleNamespace(GEOCODER=""))
    assert venue.latitude is None  # off by default: no network
    place_location(session, venue, SimpleNamespace(GEOCODER="nominatim", GEOCODER_USER_AGENT="t", GEOCODER_DOMAIN="d"))
    assert (venue.latitude, venue.longitude, venue.geocode_source) == (53.72, -1.86, "geocoder")


def test_roles_count_only_with_a_confirmed_address():
    from directory.permissions import Actor, can

    unconfirmed = Actor("user", "Lee", frozenset({"link_worker"}))
    assert not can(unconfirmed, "contact.professional.view")
    assert can(Actor("user", "Lee", frozenset({"link_worker"}), verified=True), "contact.professional.view")

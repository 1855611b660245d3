"""The public pages render every fact, escape what users typed, and never show a 500 for bad input."""

import gc
import uuid

import pytest

from . import factories
from .conftest import stop_clock


@pytest.fixture
def listing(app, session):
    stop_clock(app, "2026-12-04T12:00")  # funding ends in March 2027: "ending", not "ended"
    org = factories.organisation(session, name="Shettleston Carers <Group>")
    venue = factories.location(session, org, name="Shettleston Hall", postcode="G32 7AA", wheelchair_accessible=True)
    service = factories.service(
        session,
        org,
        locations=[venue],
        name="Carers' café",
        summary="A cuppa and a chat for unpaid carers",
        description="Bring ID <script>alert('x')</script>\n\nTea & biscuits <3",
        min_age=16,
        groups_served=["carers"],
        eligibility_criteria="You look after someone.",
        open_to_all=False,
        is_free=False,
        cost_description="suggested donation",
        cost_min="2",
        languages=["en", "ur"],
        referral_routes=[
            {"route_type": "self_referral", "method": "phone", "contact": "0141 496 0001", "status": "accepting"},
            {"route_type": "gp", "status": "waiting_list", "typical_wait": "6 weeks"},
        ],
        schedules=[{"weekday": "WE", "opens_at": "13:30", "closes_at": "15:00"}],
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "funding_ending", "funded_until": "2027-03-31"}],
    )
    session.commit()
    return service


def test_home_page_has_a_labelled_search_form(client):
    page = client.get("/").get_data(as_text=True)
    assert '<label for="q">' in page and '<label for="postcode">' in page
    assert 'lang="en-GB"' in page


def test_search_by_keyword_and_postcode_lists_the_nearest(client, listing):
    response = client.get("/search?q=carers&postcode=g32+7aa")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Carers&#39; café" in page and "away" in page


def test_a_bad_postcode_is_a_400_with_a_clear_message(client):
    response = client.get("/search?q=food&postcode=NOTAPOSTCODE")
    assert response.status_code == 400
    assert "not a UK postcode" in response.get_data(as_text=True)


def test_service_page_shows_every_fact_in_plain_language(client, listing):
    page = client.get(f"/services/{listing.id}").get_data(as_text=True)
    for text in [
        "16 and over",
        "Carers",
        "Only people who meet the criteria",
        "Self-referral by phone",
        "Accepting referrals",
        "GP referral",
        "typical wait 6 weeks",
        "Every Wednesday, 1:30pm to 3pm",
        "1 April to 30 September",
        "Shettleston Hall",
        "Wheelchair accessible",
        "£2: suggested donation",
        "English, Urdu",
        "Funding ending",
        "31 March 2027",
        "Never confirmed",
    ]:
        assert text in page, text


def test_each_request_reads_the_listing_afresh_though_the_test_holds_the_app_context(client, session, listing):
    # The session fixture keeps an app context open, as a CLI command does; the page must still
    # show what was committed since the last request, not the objects that request loaded. Without
    # the garbage collector those objects stay in memory, which made this fail every time.
    gc.disable()
    try:
        for name in ("Carers' café", "Carers' tea"):
            listing.name = name
            session.add(listing)
            session.commit()
            assert client.get(f"/api/services/{listing.id}").get_json()["name"] == name
            assert name.replace("'", "&#39;") in client.get(f"/services/{listing.id}").get_data(as_text=True)
    finally:
        gc.enable()


def test_user_text_is_escaped_not_executed(client, listing):
    page = client.get(f"/services/{listing.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "Tea &amp; biscuits &lt;3" in page
    assert "Shettleston Carers &lt;Group&gt;" in page


def test_organisation_page_lists_services_and_venues(client, listing):
    page = client.get(f"/organisations/{listing.organisation_id}").get_data(as_text=True)
    assert "Carers&#39; café" in page and "Shettleston Hall, G32 7AA" in page


@pytest.mark.parametrize(
    "path",
    [
        "/services/not-a-uuid",
        pytest.param(f"/services/{uuid.uuid4()}", id="/services/unknown-uuid"),
        pytest.param(f"/organisations/{uuid.uuid4()}", id="/organisations/unknown-uuid"),
        "/nowhere",
    ],
)
def test_unknown_ids_give_a_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Search the directory" in response.get_data(as_text=True)


def test_an_archived_service_says_it_has_gone(client, session, listing):
    from directory.operations.listings import archive_service
    from directory.permissions import SYSTEM

    archive_service(session, SYSTEM, listing, "Closed")
    session.commit()
    response = client.get(f"/services/{listing.id}")
    assert response.status_code == 410 and "removed from the directory" in response.get_data(as_text=True)


def test_pages_send_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_an_unexpected_error_shows_a_calm_page_without_a_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret detail" not in page and "Traceback" not in page


def test_service_page_warns_what_to_check_and_says_when_next(client, session):
    org = factories.organisation(session)
    service = factories.service(
        session,
        org,
        name="Garden club",
        seasons=[{"start_month": 4, "end_month": 9, "end_day": 30}],
        funding=[{"source": "Lottery", "status": "ended", "funded_until": "2026-03-31"}],
    )
    session.commit()
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Check before you refer" in page and "Funding ended on 31 March 2026" in page
    assert "Never confirmed by anyone" in page


@pytest.fixture
def gp_only_contact(app, session):
    org = factories.organisation(session, name="Eastend Wellbeing")
    service = factories.service(
        session,
        org,
        name="Social prescribing clinic",
        referral_routes=[
            {"route_type": "self_referral", "method": "phone", "contact": "0141 496 0101", "status": "accepting"},
            {
                "route_type": "gp",
                "method": "email",
                "contact": "referrals@clinic.example",
                "status": "accepting",
                "url": "https://clinic.example/refer",
            },
        ],
    )
    session.commit()
    return service


@pytest.mark.parametrize("roles, shown", [((), False), (("link_worker",), True), (("moderator",), True)])
def test_professional_referral_contacts_are_for_link_workers_and_moderators(
    client, session, gp_only_contact, roles, shown
):
    if roles:
        factories.sign_in(client, factories.user(session, roles=roles))
        session.commit()
    page = client.get(f"/services/{gp_only_contact.id}").get_data(as_text=True)
    assert "0141 496 0101" in page  # a self-referral number is for everyone
    assert ("referrals@clinic.example" in page) is shown
    assert ("https://clinic.example/refer" in page) is shown
    assert ("shown to link workers and moderators" in page) is not shown


def test_the_open_referral_feed_leaves_out_professional_contacts(client, gp_only_contact):
    body = client.get(f"/oruk/services/{gp_only_contact.id}").get_json()
    assert "0141 496 0101" in body["application_process"]
    assert "referrals@clinic.example" not in str(body)

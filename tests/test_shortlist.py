"""The client shortlist: kept in the signed cookie, changed only by CSRF-protected POSTs, saved on request."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from directory.db import get_db
from directory.models import SavedShortlist
from directory.operations import shortlist as ops
from directory.operations.listings import archive_service
from directory.permissions import SYSTEM
from directory.schemas.shortlist import same_site_path

from . import factories
from .conftest import stop_clock

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HOSTILE = "<script>alert('x')</script> ask for Jo & <b>Sam</b>"


@pytest.fixture
def services(app, session):
    """Two running services with phones, venues and sessions."""
    org = factories.organisation(session, name="Parkhead Pantry Trust")
    hall = factories.location(
        session, org, name="Parkhead Hub", address_1="1 Westmuir Street", town="Glasgow", postcode="G31 5EH"
    )
    pantry = factories.service(
        session,
        org,
        locations=[hall],
        name="Community pantry",
        phone="0141 496 0001",
        referral_routes=[{"route_type": "drop_in", "status": "accepting"}],
        schedules=[{"weekday": "TU", "opens_at": "10:00", "closes_at": "12:00"}],
    )
    walk = factories.service(
        session,
        org,
        name="Health walk",
        referral_routes=[
            {"route_type": "self_referral", "method": "email", "contact": "walks@example.org", "status": "accepting"}
        ],
    )
    session.commit()
    return pantry, walk


def token(client, service) -> str:
    """A CSRF token from a page a worker would have open (the service page's add button)."""
    return TOKEN.search(client.get(f"/services/{service.id}").get_data(as_text=True)).group(1)


def post(client, path: str, csrf: str, **data):
    return client.post(path, data={"csrf_token": csrf, **data})


def add(client, service, csrf: str, **data):
    return post(client, "/shortlist/add", csrf, service_id=str(service.id), **data)


def cookie(app, client) -> dict:
    """The session cookie, decoded as the app reads it."""
    raw = client.get_cookie("session").value
    return app.session_interface.get_signing_serializer(app).loads(raw)


def saved_count(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(SavedShortlist)).one()


def test_adding_a_service_returns_to_the_page_and_shows_it_on_the_list(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    response = add(client, pantry, csrf, next=f"/services/{pantry.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/services/{pantry.id}#shortlist-{pantry.id}"
    page = client.get("/shortlist").get_data(as_text=True)
    for text in [
        "Community pantry",
        "Parkhead Pantry Trust",
        "1 Westmuir Street, Glasgow, G31 5EH",
        "0141 496 0001",
        "Drop in",
        "Next session",
        "Do not write the person's name or details here",
        "Shortlist (1)",
    ]:
        assert text in page, text


def test_the_service_page_offers_remove_once_it_is_on_the_list(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    assert "Add to shortlist<span" in client.get(f"/services/{pantry.id}").get_data(as_text=True)
    add(client, pantry, csrf)
    page = client.get(f"/services/{pantry.id}").get_data(as_text=True)
    assert "On your shortlist – remove<span" in page and 'action="/shortlist/remove?' in page


def test_search_results_post_with_their_own_button_because_they_sit_inside_the_search_form(client, services):
    pantry, _ = services
    page = client.get("/search?q=pantry").get_data(as_text=True)
    button = re.search(r'<button type="submit" class="shortlist-button"[^>]*>', page).group(0)
    assert 'formmethod="post"' in button and 'name="csrf_token"' in button
    assert f"service_id={pantry.id}" in button and "next=/search?q%3Dpantry" in button.replace("%2F", "/")
    # Forms cannot nest: the result must not open a second <form> inside the search form.
    results = page[page.index('<ol class="results"') : page.index("</ol>", page.index('<ol class="results"'))]
    assert "<form" not in results


def test_a_button_in_the_search_form_adds_with_the_token_in_the_body_and_the_service_in_the_url(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    response = client.post(
        f"/shortlist/add?service_id={pantry.id}&next=/search%3Fq%3Dpantry",
        data={"q": "pantry", "postcode": "", "csrf_token": csrf},
    )
    assert response.headers["Location"] == f"/search?q=pantry#shortlist-{pantry.id}"
    assert "Shortlist (1)" in client.get("/shortlist").get_data(as_text=True)


def test_adding_twice_keeps_one_item(app, client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, pantry, csrf)
    assert cookie(app, client)["shortlist"] == [{"service_id": str(pantry.id), "note": ""}]


def test_removing_takes_it_off(app, client, services):
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, walk, csrf)
    response = post(client, "/shortlist/remove", csrf, service_id=str(pantry.id))
    assert response.status_code == 303 and response.headers["Location"] == "/shortlist"
    assert [i["service_id"] for i in cookie(app, client)["shortlist"]] == [str(walk.id)]


def test_a_note_is_kept_shown_and_in_the_plain_text(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    response = post(
        client, "/shortlist/note", csrf, service_id=str(pantry.id), note="  ask at reception\x07 for\nthe group leader "
    )
    assert response.headers["Location"] == f"/shortlist#item-{pantry.id}"
    page = client.get("/shortlist").get_data(as_text=True)
    assert ">ask at reception for the group leader</textarea>" in page
    assert "Note: ask at reception for the group leader" in page


def test_a_note_over_300_characters_comes_back_with_a_message_and_the_text_kept(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    response = post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note="x" * 301)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A note can be up to 300 characters" in page and 'aria-invalid="true"' in page and "x" * 301 in page


def test_moving_an_item_changes_the_order(app, client, services):
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, walk, csrf)
    post(client, "/shortlist/move", csrf, service_id=str(walk.id), direction="up")
    assert [i["service_id"] for i in cookie(app, client)["shortlist"]] == [str(walk.id), str(pantry.id)]


def test_clear_empties_the_list(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    post(client, "/shortlist/clear", csrf)
    assert "Your shortlist is empty" in client.get("/shortlist").get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/shortlist/add", "/shortlist/remove", "/shortlist/note", "/shortlist/clear", "/shortlist/save"]
)
def test_every_change_needs_the_csrf_token(client, services, path):
    pantry, _ = services
    response = client.post(path, data={"service_id": str(pantry.id), "note": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "Shortlist (0)" in client.get("/shortlist").get_data(as_text=True)


def test_a_token_from_another_browser_is_refused(app, client, services):
    pantry, _ = services
    other = app.test_client()
    response = add(client, pantry, token(other, pantry))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/" + "a" * 3000,
    ],
)
def test_next_must_be_a_path_on_this_site(client, services, next_path):
    pantry, _ = services
    response = add(client, pantry, token(client, pantry), next=next_path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/shortlist"


def test_next_keeps_the_search_and_drops_any_fragment(client, services):
    pantry, _ = services
    response = add(client, pantry, token(client, pantry), next="/search?q=food&postcode=G31#top")
    assert response.headers["Location"] == f"/search?q=food&postcode=G31#shortlist-{pantry.id}"


@pytest.mark.parametrize("service_id", ["not-a-uuid", pytest.param(str(uuid.uuid4()), id="unknown-uuid"), ""])
def test_unknown_services_are_refused_with_a_message(client, services, service_id):
    pantry, _ = services
    response = post(client, "/shortlist/add", token(client, pantry), service_id=service_id, next="/search?q=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "not a service in the directory" in page or "not in the directory" in page or "Choose a service" in page


@pytest.mark.parametrize("status", ["defunct", "inactive"])
def test_closed_services_are_refused_and_not_offered(client, session, services, status):
    pantry, _ = services
    csrf = token(client, pantry)
    pantry.status = status
    session.add(pantry)
    session.commit()
    response = add(client, pantry, csrf, next="/search?q=pantry")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“Community pantry” is no longer running" in page and 'href="/search?q=pantry"' in page
    assert "Add to shortlist" not in client.get(f"/services/{pantry.id}").get_data(as_text=True)


def test_an_archived_service_is_refused(client, session, services):
    pantry, _ = services
    csrf = token(client, pantry)
    archive_service(session, SYSTEM, pantry, "Closed")
    session.commit()
    assert add(client, pantry, csrf).status_code == 400


def test_a_service_that_closes_after_adding_is_marked_and_left_out_of_the_text(client, session, services):
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, walk, csrf)
    archive_service(session, SYSTEM, pantry, "Closed")
    session.commit()
    page = client.get("/shortlist").get_data(as_text=True)
    assert "A service that is no longer listed" in page
    text = re.search(r'<textarea id="plain-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "Community pantry" not in text and "1. Health walk" in text


def test_the_list_stops_at_30(client, session, services):
    pantry, _ = services
    csrf = token(client, pantry)
    org = factories.organisation(session, name="Many things")
    extra = [factories.service(session, org, name=f"Group {n}") for n in range(ops.MAX_ITEMS)]
    session.commit()
    for service in extra:
        assert add(client, service, csrf).status_code == 303
    response = add(client, pantry, csrf)
    assert response.status_code == 400
    assert "up to 30 services" in response.get_data(as_text=True)


def test_notes_too_long_for_the_cookie_are_refused_not_lost(app, client, session, services):
    pantry, _ = services
    csrf = token(client, pantry)
    org = factories.organisation(session, name="Many things")
    extra = [factories.service(session, org, name=f"Group {n}") for n in range(12)]
    session.commit()
    for service in extra:
        add(client, service, csrf)
    refused = []
    for service in extra:
        # Random text does not compress: the worst case for the 4 KB cookie.
        note = secrets.token_urlsafe(225)
        response = post(client, "/shortlist/note", csrf, service_id=str(service.id), note=note)
        assert len(client.get_cookie("session").value) < 3900
        if response.status_code == 400:
            refused.append((response.get_data(as_text=True), note))
    page, note = refused[0]
    assert "too long for the browser to keep" in page and note in page


def test_the_cookie_holds_only_service_ids_and_notes(app, client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note="ask at reception")
    data = cookie(app, client)
    assert set(data) <= {"shortlist", "csrf_token", "shortlist_link"}
    assert data["shortlist"] == [{"service_id": str(pantry.id), "note": "ask at reception"}]


def test_nothing_is_written_to_the_database_until_the_list_is_saved(app, client, session, services):
    pantry, walk = services
    csrf = token(client, pantry)
    writes = []

    def watch(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    engine = get_db(app).engine
    event.listen(engine, "before_cursor_execute", watch)
    try:
        add(client, pantry, csrf)
        add(client, walk, csrf)
        post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note="ask at reception")
        post(client, "/shortlist/move", csrf, service_id=str(walk.id), direction="up")
        post(client, "/shortlist/remove", csrf, service_id=str(walk.id))
        client.get("/shortlist")
        client.get("/shortlist/print")
        assert writes == []
        post(client, "/shortlist/save", csrf)
        assert len(writes) == 1 and "saved_shortlist" in writes[0]
    finally:
        event.remove(engine, "before_cursor_execute", watch)


def test_saving_gives_a_short_link_to_a_read_only_copy(client, session, services):
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, walk, csrf)
    post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note="ask at reception")
    assert saved_count(session) == 0
    response = post(client, "/shortlist/save", csrf)
    assert response.status_code == 303 and response.headers["Location"] == "/shortlist#share"
    record = session.exec(select(SavedShortlist)).one()
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", record.slug)
    assert record.items == [
        {"service_id": str(pantry.id), "note": "ask at reception"},
        {"service_id": str(walk.id), "note": ""},
    ]
    page = client.get("/shortlist").get_data(as_text=True)
    assert f"http://localhost/s/{record.slug}" in page
    assert f"List online: http://localhost/s/{record.slug}" in page

    saved = client.get(f"/s/{record.slug}")
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200 and saved.headers["X-Robots-Tag"] == "noindex"
    assert "Community pantry" in text and "Health walk" in text and "ask at reception" in text
    assert "<textarea" not in text and 'action="/shortlist/' not in text


def test_saving_an_unchanged_list_again_reuses_the_link_and_a_change_drops_it(client, session, services):
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    post(client, "/shortlist/save", csrf)
    post(client, "/shortlist/save", csrf)
    assert saved_count(session) == 1
    add(client, walk, csrf)
    assert "/s/" not in client.get("/shortlist").get_data(as_text=True)
    post(client, "/shortlist/save", csrf)
    assert saved_count(session) == 2


def test_an_empty_list_cannot_be_saved(client, session, services):
    pantry, _ = services
    response = post(client, "/shortlist/save", token(client, pantry))
    assert response.status_code == 400 and "Add at least one service" in response.get_data(as_text=True)
    assert saved_count(session) == 0


@pytest.mark.parametrize("slug", ["nosuchslug12", "a.b", "..%2F..%2Fetc", "%00", "x" * 200, "é", "a b", "'--"])
def test_unknown_or_malformed_short_links_are_404(client, slug):
    response = client.get(f"/s/{slug}")
    assert response.status_code == 404
    if "%2F" not in slug:
        assert "no saved shortlist" in response.get_data(as_text=True)


def test_hostile_notes_are_shown_as_text_everywhere(client, session, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note=HOSTILE)
    post(client, "/shortlist/save", csrf)
    slug = session.exec(select(SavedShortlist)).one().slug
    for path in ["/shortlist", "/shortlist/print", f"/s/{slug}"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>Sam" not in page, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; ask for Jo &amp; &lt;b&gt;Sam&lt;/b&gt;" in page, path


def test_print_view_lists_the_notes_and_offers_large_print(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    post(client, "/shortlist/note", csrf, service_id=str(pantry.id), note="ask at reception")
    page = client.get("/shortlist/print").get_data(as_text=True)
    assert "Services to try" in page and "ask at reception" in page and "0141 496 0001" in page
    assert 'class="shortlist-print"' in page and 'href="/shortlist/print?large=1"' in page
    assert 'class="shortlist-print large-print"' in client.get("/shortlist/print?large=1").get_data(as_text=True)


def test_the_plain_text_is_short_lines_with_what_was_added(app, client, services):
    stop_clock(app, "2026-12-08T11:00")  # a Tuesday, during the pantry's session
    pantry, walk = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    add(client, walk, csrf)
    post(client, "/shortlist/note", csrf, service_id=str(walk.id), note="Meet at the gates – bring water")
    page = client.get("/shortlist").get_data(as_text=True)
    text = re.search(r'<textarea id="plain-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert text.splitlines() == [
        "Services to try:",
        "",
        "1. Community pantry",
        "Tel: 0141 496 0001",
        "Parkhead Hub, 1 Westmuir Street, Glasgow, G31 5EH",
        "Every Tuesday, 10am to 12pm",
        "On now, until 12pm",
        "",
        "2. Health walk",
        "Email: walks@example.org",
        "Contact them for times",
        "Note: Meet at the gates - bring water",
    ]
    assert f"{len(text)} characters, about {ops.text_messages(text)} text messages" in page


def test_text_messages_count_gsm_and_unicode_segments():
    assert ops.text_messages("") == 0
    assert ops.text_messages("a" * 160) == 1
    assert ops.text_messages("a" * 161) == 2
    assert ops.text_messages("a" * 306) == 2
    assert ops.text_messages("€" * 80) == 1  # two characters each in GSM
    assert ops.text_messages("ł" * 70) == 1
    assert ops.text_messages("ł" * 71) == 2


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/search?q=food", "/search?q=food"),
        ("/services/1#x", "/services/1"),
        ("//evil.example", None),
        ("https://evil.example", None),
        ("/\\evil.example", None),
        ("/\n/evil", None),
        ("", None),
        (None, None),
    ],
)
def test_same_site_path(raw, expected):
    assert same_site_path(raw) == expected


def test_a_tampered_or_odd_session_list_is_read_safely():
    good = str(uuid.uuid4())
    raw = [{"service_id": good, "note": "n"}, {"service_id": good}, {"service_id": "x"}, "junk", {"service_id": 3}]
    assert ops.read_items(raw) == [{"service_id": good, "note": "n"}]
    assert ops.read_items("not a list") == []


def test_a_note_for_a_service_not_on_the_list_is_refused(client, services):
    pantry, _ = services
    response = post(client, "/shortlist/note", token(client, pantry), service_id=str(pantry.id), note="hello")
    assert response.status_code == 400
    assert "not on your shortlist any more" in response.get_data(as_text=True)


def test_a_move_in_an_unknown_direction_is_a_400_naming_the_choices(client, services):
    pantry, _ = services
    csrf = token(client, pantry)
    add(client, pantry, csrf)
    response = post(client, "/shortlist/move", csrf, service_id=str(pantry.id), direction="sideways")
    assert response.status_code == 400 and "&#39;sideways&#39; is not one of: up, down." in response.get_data(
        as_text=True
    )

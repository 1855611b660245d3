"""Editors keep their listings true: the edit form, validation, locking, hostile input and who may do what."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from directory.models import ChangeRequest, Service
from directory.operations.moderation import service_snapshot, submit_service_change
from directory.operations.reports import report_problem
from directory.permissions import SYSTEM

from .worlds import (
    ROLES,
    World,
    as_role,
    changed,
    copied_app,
    database,
    edit_form,
    errors_on,
    moderators_form,
    post,
    post_edit,
    read_form,
    service,
    token,
)


@pytest.fixture
def app(template, tmp_path):
    """An app on a copy of the two-organisation world (tests/worlds.py)."""
    yield from copied_app(template, tmp_path)


# The form round-trips -----------------------------------------------------------------------------


def test_the_edit_form_shows_every_fact_and_saving_it_unchanged_changes_nothing(client, session, world):
    as_role(client, session, world, "editor")
    pairs = edit_form(client, world.service_a)
    values = dict(pairs)
    assert values["name"] == "Community pantry" and values["min_age"] == "16" and values["phone"] == "0141 555 0100"
    assert (values["schedules-0-weekday"], values["schedules-0-opens_at"], values["schedules-0-closes_at"]) == (
        "TU",
        "10:00",
        "12:00",
    )
    assert (
        values["schedules-1-weekday"] == "" and "schedules-2-weekday" in values and "schedules-3-weekday" not in values
    )
    assert values["seasons-0-end_day"] == "30" and values["funding-0-funded_until"] == "2030-03-31"
    assert values["areas-0-code"] == "S12000049" and values["referral_routes-0-route_type"] == "drop_in"
    assert values["languages"] == "en, ur" and ("categories", "food/food-pantry") in pairs
    assert ("location_ids", str(world.location_a)) in pairs and values["base_version"] == "1"
    before = database(session)
    response = post_edit(client, world.service_a, pairs)
    assert response.status_code == 303 and database(session) == before
    assert "Nothing was changed" in client.get("/manage").get_data(as_text=True)


def test_a_moderator_edit_of_every_kind_of_row_is_published(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = changed(
        [(n, v) for n, v in edit_form(client, world.service_a) if not n.startswith("seasons-0")],
        **{
            "schedules-1-weekday": "TH",
            "schedules-1-opens_at": "18:00",
            "schedules-1-closes_at": "20:00",
            "schedules-1-frequency": "monthly",
            "schedules-1-week_of_month": "-1",
            "schedules-0-remove": "1",
            "referral_routes-1-route_type": "gp",
            "referral_routes-1-method": "phone",
            "referral_routes-1-contact": "0141 555 0199",
            "funding-0-status": "funding_ending",
            "areas-1-area_type": "health_board",
            "areas-1-code": "S08000031",
            "areas-1-name": "NHS Greater Glasgow and Clyde",
            "languages": "EN, pl",
            "circumstances": "living alone\nbereaved",
            "is_free": "",
            "cost_description": "£2 suggested donation",
            "cost_min": "2",
            "summary": "Low-cost food",
        },
    )
    pairs = [(n, v) for n, v in pairs if n != "is_free"]  # untick "Free"
    assert post_edit(client, world.service_a, pairs).status_code == 303
    snapshot = service_snapshot(service(session, world.service_a))
    assert [(s["weekday"], s["frequency"], s["week_of_month"], s["opens_at"]) for s in snapshot["schedules"]] == [
        ("TH", "monthly", -1, "18:00")
    ]
    assert snapshot["seasons"] == [] and sorted(r["route_type"] for r in snapshot["referral_routes"]) == [
        "drop_in",
        "gp",
    ]
    assert snapshot["funding"][0]["status"] == "funding_ending" and len(snapshot["areas"]) == 2
    assert snapshot["languages"] == ["en", "pl"] and snapshot["circumstances"] == ["living alone", "bereaved"]
    assert (snapshot["is_free"], snapshot["cost_min"], snapshot["summary"]) == (False, "2.00", "Low-cost food")
    assert service(session, world.service_a).version == 2


def test_a_session_held_online_is_saved_and_shown_again_on_the_form(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = changed(
        edit_form(client, world.service_a),
        **{
            "schedules-1-weekday": "TH",
            "schedules-1-opens_at": "19:00",
            "schedules-1-closes_at": "20:00",
            "schedules-1-attendance": "online",
        },
    )
    assert post_edit(client, world.service_a, pairs).status_code == 303
    stored = {s["weekday"]: s["attendance"] for s in service_snapshot(service(session, world.service_a))["schedules"]}
    assert stored == {"TU": None, "TH": "online"}
    values = dict(edit_form(client, world.service_a))
    assert {values["schedules-0-attendance"], values["schedules-1-attendance"]} == {"", "online"}


def test_an_editor_adds_a_service_and_it_waits_for_review(client, session, world):
    as_role(client, session, world, "editor")
    page = client.get(f"/manage/organisations/{world.org_a}/services/new").get_data(as_text=True)
    pairs = changed(
        read_form(page, f"/manage/organisations/{world.org_a}/services/new"),
        name="Baby food bank",
        summary="Formula and nappies",
        **{"schedules-0-weekday": "FR"},
    )
    response = post(client, f"/manage/organisations/{world.org_a}/services/new", pairs)
    assert response.status_code == 303
    change = session.exec(select(ChangeRequest)).one()
    assert (change.kind, change.target_id, change.organisation_id, change.proposed["name"]) == (
        "create",
        None,
        world.org_a,
        "Baby food bank",
    )
    assert session.exec(select(Service).where(Service.name == "Baby food bank")).first() is None
    assert "Baby food bank" in client.get("/manage").get_data(as_text=True)


def test_the_manage_page_lists_only_the_editors_own_organisations(client, session, world):
    as_role(client, session, world, "editor")
    page = client.get("/manage").get_data(as_text=True)
    assert "Parkhead Pantry Trust" in page and "Community pantry" in page
    assert "Calder Valley Walkers" not in page and "Valley walks" not in page


# Validation: every field with its message, and the form keeps what was typed ---------------------

BAD_INPUT = [
    ({"name": ""}, "name", "This is required"),
    ({"min_age": "sixteen"}, "min_age", "Enter a whole number"),
    ({"min_age": "130"}, "min_age", "Age must be between 0 and 120."),
    ({"min_age": "40", "max_age": "18"}, "max_age", "Minimum age must not be above maximum age."),
    (
        {"schedules-0-opens_at": "14:00", "schedules-0-closes_at": "09:00"},
        "schedules-0-closes_at",
        "A session must open before it closes.",
    ),
    ({"schedules-0-opens_at": "25:99"}, "schedules-0-opens_at", "Enter a time"),
    ({"schedules-1-opens_at": "10:00"}, "schedules-1-weekday", "This is required."),
    (
        {"schedules-0-frequency": "monthly"},
        "schedules-0-week_of_month",
        "A monthly session needs its week of the month.",
    ),
    ({"schedules-0-attendance": "by pigeon"}, "schedules-0-attendance", "is not one of"),
    (
        {"location_ids": "", "schedules-0-location_id": "", "schedules-0-attendance": "in_person"},
        "schedules-0-attendance",
        "A session in person needs a venue: add a venue to the service, or choose how people take part in it.",
    ),
    ({"email": "not-an-address"}, "email", "'not-an-address' is not an email address."),
    ({"website": "javascript:alert(1)"}, "website", "is not a web address: it must start with https://"),
    ({"categories": "food/no-such-thing"}, "categories", "Unknown category: food/no-such-thing."),
    ({"languages": "english"}, "languages", "is not a language code"),
    ({"cost_min": "two pounds"}, "cost_min", "Enter an amount in pounds"),
    ({"cost_min": "5"}, "cost_min", "A free service cannot have a cost above zero."),
    (
        {"expected_reopening": "2031-01-01"},
        "expected_reopening",
        "Only a temporarily closed service has a reopening date.",
    ),
    ({"seasons-0-start_month": "2", "seasons-0-start_day": "30"}, "seasons-0-start_day", "Month 2 has no day 30."),
    ({"seasons-0-start_month": "13"}, "seasons-0-start_month", "Enter a number from 1 to 12."),
    (
        {"referral_routes-0-url": "ftp://example.org/form"},
        "referral_routes-0-url",
        "is not a web address: it must start with https://",
    ),
    ({"areas-1-name": "Glasgow"}, "areas-1-area_type", "This is required."),
    ({"funding-0-funded_until": "31/03/2030"}, "funding-0-funded_until", "Enter a date"),
    ({"summary": "x" * 301}, "summary", "Keep this to 300 characters or fewer (it has 301)."),
    ({"description": "x" * 10_001}, "description", "Keep this to 10,000 characters or fewer (it has 10,001)."),
    ({"status": "closed-forever"}, "status", "is not one of"),
]


@pytest.mark.parametrize("values, field, message", BAD_INPUT, ids=[case[1] + ":" + case[2][:20] for case in BAD_INPUT])
def test_bad_input_is_refused_with_a_message_on_the_field_and_the_form_keeps_it(
    client, session, world, values, field, message
):
    as_role(client, session, world, "moderator")
    pairs = edit_form(client, world.service_a)
    pairs = [(n, v) for n, v in pairs if n not in values] + list(values.items())
    before = database(session)
    response = post_edit(client, world.service_a, pairs)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in errors_on(page).get(field, ""), errors_on(page)
    assert f'href="#{field}"' in page and 'aria-describedby="' in page and "There is a problem" in page
    for name, value in values.items():
        if name != "categories":
            assert f'value="{value}"' in page or f">{value}</textarea>" in page or f'value="{value}" selected' in page
    assert database(session) == before


def test_an_unknown_category_stays_ticked_after_the_error(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = edit_form(client, world.service_a) + [("categories", "food/food-bank")]
    pairs = changed(pairs, phone="bad" * 30)
    page = post_edit(client, world.service_a, pairs).get_data(as_text=True)
    assert re.search(r'value="food/food-bank" checked', page) and "Keep this to 50 characters" in page


def test_a_venue_of_another_organisation_cannot_be_linked(client, session, world):
    as_role(client, session, world, "editor")
    pairs = edit_form(client, world.service_a) + [("location_ids", str(world.location_b))]
    before = database(session)
    response = post_edit(client, world.service_a, pairs)
    assert response.status_code == 400 and "belongs to another organisation" in response.get_data(as_text=True)
    assert database(session) == before  # not even queued


def test_a_session_at_a_venue_of_another_organisation_is_refused(client, session, world):
    as_role(client, session, world, "trusted")
    pairs = changed(edit_form(client, world.service_a), **{"schedules-0-location_id": str(world.location_b)})
    before = database(session)
    response = post_edit(client, world.service_a, pairs)
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == {
        "schedules-0-location_id": "Choose one of the organisation's own venues."
    }
    assert database(session) == before


# Optimistic locking ------------------------------------------------------------------------------


def test_an_edit_based_on_an_older_version_is_refused_and_keeps_the_input(client, session, world):
    as_role(client, session, world, "trusted")
    pairs = changed(edit_form(client, world.service_a), summary="Typed by Tess")
    live = service(session, world.service_a)
    submit_service_change(
        session, SYSTEM, live.organisation, live, {**service_snapshot(live), "summary": "Saved by someone else"}, 1
    )
    session.commit()
    before = database(session)
    response = post_edit(client, world.service_a, pairs)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This listing changed while you were editing" in page and 'value="Typed by Tess"' in page
    assert database(session) == before and service(session, world.service_a).summary == "Saved by someone else"
    # The form now carries the live version: saving again on purpose goes through.
    assert (
        post_edit(client, world.service_a, read_form(page, f"/manage/services/{world.service_a}/edit")).status_code
        == 303
    )
    assert service(session, world.service_a).summary == "Typed by Tess"


def test_an_edit_without_a_version_is_refused(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = [(n, v) for n, v in changed(edit_form(client, world.service_a), summary="x") if n != "base_version"]
    before = database(session)
    assert post_edit(client, world.service_a, pairs).status_code == 409 and database(session) == before


# Hostile input is stored as text or refused, and always shown escaped ----------------------------

HOSTILE = {
    "script": "<script>alert('x')</script>",
    "handler": '"><img src=x onerror=alert(1)>',
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_text_is_stored_as_typed_and_shown_escaped(client, session, world, kind):
    as_role(client, session, world, "moderator")
    value = HOSTILE[kind]
    pairs = changed(edit_form(client, world.service_a), summary=value, description=value + "\n\n" + value, alert=value)
    assert post_edit(client, world.service_a, pairs).status_code == 303
    assert service(session, world.service_a).summary == value
    for path in (
        f"/services/{world.service_a}",
        f"/manage/services/{world.service_a}/edit",
        f"/moderate/services/{world.service_a}/history",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page or "&lt;img" in page


def test_control_characters_are_stripped(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = changed(edit_form(client, world.service_a), summary="Food\x00 for\x1b all\x07")
    assert post_edit(client, world.service_a, pairs).status_code == 303
    assert service(session, world.service_a).summary == "Food for all"


def test_a_javascript_url_is_refused_everywhere_a_link_is_stored(client, session, world):
    as_role(client, session, world, "moderator")
    before = database(session)
    for field in ("website", "referral_routes-0-url"):
        for url in ("javascript:alert(1)", "JAVASCRIPT://%0aalert(1)", "data:text/html,<script>alert(1)</script>"):
            response = post_edit(client, world.service_a, changed(edit_form(client, world.service_a), **{field: url}))
            assert response.status_code == 400, (field, url)
            assert 'href="javascript' not in response.get_data(as_text=True).lower()
    assert database(session) == before


def test_ten_thousand_characters_are_refused_where_too_long_and_kept_in_a_description(client, session, world):
    as_role(client, session, world, "moderator")
    long = "a" * 10_000
    response = post_edit(client, world.service_a, changed(edit_form(client, world.service_a), name=long))
    assert response.status_code == 400 and "Keep this to 200 characters or fewer (it has 10,000)." in response.get_data(
        as_text=True
    )
    response = post_edit(client, world.service_a, changed(edit_form(client, world.service_a), description=long))
    assert response.status_code == 303 and service(session, world.service_a).description == long


def test_absurd_row_numbers_are_ignored(client, session, world):
    as_role(client, session, world, "moderator")
    pairs = changed(edit_form(client, world.service_a), **{"schedules-99999-weekday": "MO", "summary": "Rows"})
    assert post_edit(client, world.service_a, pairs).status_code == 303
    assert [s.weekday for s in service(session, world.service_a).schedules] == ["TU"]


# Who may do what: role x route x own/other organisation -------------------------------------------


def _fixtures_for_decisions(session, world: World) -> dict:
    """A pending change, two revisions and an open report for each organisation's service."""
    from directory.auth import actor_for
    from directory.models import User

    made = {}
    for org, service_id, editor in (("a", world.service_a, "editor"), ("b", world.service_b, "editor_b")):
        live = session.get(Service, service_id)
        actor = actor_for(session, session.get(User, world.users[editor]))
        _, change = submit_service_change(
            session, actor, live.organisation, live, {**service_snapshot(live), "summary": "Queued"}, live.version
        )
        revisions = []
        for summary in ("First", "Second"):
            _, revision = submit_service_change(
                session, SYSTEM, live.organisation, live, {**service_snapshot(live), "summary": summary}, live.version
            )
            revisions.append(revision)
        report = report_problem(session, live, {"kind": "closed", "note": "Shut"})
        made[org] = {"change": change.id, "revision": revisions[0].id, "report": report.id}
    session.commit()
    return made


def _requests(world: World, made: dict, org: str, pairs) -> dict:
    service_id, org_id = (world.service_a, world.org_a) if org == "a" else (world.service_b, world.org_b)
    return {
        "edit": (
            f"/manage/services/{service_id}/edit",
            changed(pairs, summary="Changed", organisation_id=str(world.org_a)),
        ),
        "new": (f"/manage/organisations/{org_id}/services/new", [("name", "New group")]),
        "confirm": (f"/manage/services/{service_id}/confirm", []),
        "suggest": (f"/services/{service_id}/suggest", [("suggestion", "Now on Thursdays")]),
        # The listing's summary changed after the change was queued: the moderator settles it.
        "decide": (
            f"/moderate/changes/{made[org]['change']}",
            [("decision", "approve"), ("choice-summary", "proposed")],
        ),
        "report": (f"/moderate/reports/{made[org]['report']}", [("status", "resolved")]),
        "restore": (f"/moderate/revisions/{made[org]['revision']}/restore", []),
        "archive": (f"/manage/services/{service_id}/archive", [("archive_reason", "Stopped")]),
    }


OWN_ROUTES = ("edit", "new", "confirm", "archive")
EXPECTED = {
    # role: (routes allowed on organisation A, routes allowed on organisation B); "suggest" is open to all
    "anonymous": ((), ()),
    "unverified": ((), ()),
    "outsider": ((), ()),
    "editor": (OWN_ROUTES, ()),
    "trusted": (OWN_ROUTES, ()),
    "moderator": (OWN_ROUTES + ("decide", "report", "restore"), OWN_ROUTES + ("decide", "report", "restore")),
    "admin": (OWN_ROUTES + ("decide", "report", "restore"), OWN_ROUTES + ("decide", "report", "restore")),
}


@pytest.mark.parametrize("org", ["a", "b"])
@pytest.mark.parametrize("role", ROLES)
def test_every_write_route_by_role_and_organisation(app, client, session, world, role, org):
    made = _fixtures_for_decisions(session, world)
    pairs = moderators_form(app, session, world, world.service_a if org == "a" else world.service_b)
    as_role(client, session, world, role)
    csrf = token(client, f"/services/{world.service_a}")
    allowed = EXPECTED[role][0 if org == "a" else 1] + ("suggest",)
    for route, (path, data) in _requests(world, made, org, pairs).items():
        before = database(session)
        response = client.post(path, data=MultiDict(data + [("csrf_token", csrf)]))
        after = database(session)
        if route in allowed:
            assert response.status_code == 303, (role, org, route, response.status_code)
            assert after != before, (role, org, route)
        else:
            expected = 302 if role == "anonymous" else 403
            assert response.status_code == expected, (role, org, route, response.status_code)
            assert after == before, (role, org, route)
            if role == "anonymous":
                assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["editor", "trusted"])
def test_a_form_claiming_organisation_a_cannot_edit_a_service_of_b(app, client, session, world, role):
    pairs = changed(
        moderators_form(app, session, world, world.service_b), summary="Hijacked", organisation_id=str(world.org_a)
    )
    as_role(client, session, world, role)
    pairs = changed(pairs, csrf_token=token(client, f"/services/{world.service_a}"))
    before = database(session)
    for path in (f"/manage/services/{world.service_b}/edit", f"/manage/organisations/{world.org_b}/services/new"):
        assert post(client, path, pairs).status_code == 403
    assert client.get(f"/manage/services/{world.service_b}/edit").status_code == 403
    assert database(session) == before


def test_the_organisation_in_a_form_is_ignored_for_the_editors_own_service(client, session, world):
    as_role(client, session, world, "trusted")
    pairs = changed(edit_form(client, world.service_a), summary="Still ours", organisation_id=str(world.org_b))
    assert post_edit(client, world.service_a, pairs).status_code == 303
    assert service(session, world.service_a).organisation_id == world.org_a


@pytest.mark.parametrize(
    "path",
    [
        "/manage",
        "/moderate/changes",
    ],
)
def test_pages_need_signing_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, status", [("editor", 403), ("outsider", 403), ("moderator", 200)])
def test_only_moderators_see_the_queue_and_history(client, session, world, role, status):
    as_role(client, session, world, role)
    assert client.get("/moderate/changes").status_code == status
    assert client.get(f"/moderate/services/{world.service_a}/history").status_code == status


def test_every_post_needs_the_csrf_token(client, session, world):
    made = _fixtures_for_decisions(session, world)
    as_role(client, session, world, "moderator")
    pairs = edit_form(client, world.service_a)
    before = database(session)
    for route, (path, data) in _requests(world, made, "a", pairs).items():
        data = [(n, v) for n, v in data if n != "csrf_token"]
        assert post(client, path, data).status_code == 400, route
    assert database(session) == before


def test_an_archived_service_cannot_be_edited(client, session, world):
    as_role(client, session, world, "editor")
    pairs = edit_form(client, world.service_a)
    csrf = dict(pairs)["csrf_token"]
    assert (
        client.post(
            f"/manage/services/{world.service_a}/archive", data={"archive_reason": "Closed", "csrf_token": csrf}
        ).status_code
        == 303
    )
    assert client.get(f"/manage/services/{world.service_a}/edit").status_code == 410
    before = database(session)
    assert post_edit(client, world.service_a, pairs).status_code == 410 and database(session) == before


def test_archiving_needs_a_reason(client, session, world):
    as_role(client, session, world, "editor")
    csrf = dict(edit_form(client, world.service_a))["csrf_token"]
    before = database(session)
    response = client.post(
        f"/manage/services/{world.service_a}/archive", data={"archive_reason": "  ", "csrf_token": csrf}
    )
    assert response.status_code == 400 and "Say why the service is being archived" in response.get_data(as_text=True)
    assert database(session) == before


def test_unknown_ids_are_a_404(client, session, world):
    as_role(client, session, world, "moderator")
    csrf = token(client, f"/services/{world.service_a}")
    assert client.get("/manage/services/not-an-id/edit").status_code == 404
    assert client.get(f"/manage/services/{uuid.uuid4()}/edit").status_code == 404
    assert (
        client.post(f"/moderate/changes/{uuid.uuid4()}", data={"csrf_token": csrf, "decision": "approve"}).status_code
        == 404
    )

"""Report a problem by keyboard alone, with JavaScript off; the form is accessible before and after."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from directory.db import get_db
from directory.models import ProblemReport, Service

from .helpers import tab_to


def test_report_a_problem_with_the_keyboard(page, live_server, audit):
    path = live_server.service_path(Service.status == "active", Service.name.like("Men%"))
    page.goto(path)
    tab_to(page, "#kind-closed")  # a radio group is one Tab stop; arrows move within it
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#kind-wrong_times")).to_be_checked()
    tab_to(page, "#note")
    page.keyboard.type("It is on Thursdays now, not Tuesdays.")
    tab_to(page, "form[action$='/report'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(re.escape(path) + r"(#main)?$"))
    expect(page.get_by_role("status")).to_contain_text("The organisation and Signpost's moderators have been told")
    with get_db(live_server.app).unit_of_work() as session:
        notes = session.exec(select(ProblemReport.note)).all()
    assert "It is on Thursdays now, not Tuesdays." in notes


def test_a_report_with_nothing_chosen_shows_an_accessible_error(page, live_server, audit):
    path = live_server.service_path(Service.status == "active", Service.name.like("%Walking%"))
    page.goto(path)
    page.locator("#note").fill("Moved")
    with page.expect_navigation():
        page.locator("form[action$='/report'] button").click()
    expect(page.locator("#kind-error")).to_have_text(re.compile("Choose what is wrong"))
    expect(page.locator("#note")).to_have_value("Moved")
    audit(path, "service-report-form")

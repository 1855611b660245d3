"""An administrator uploads a spreadsheet with JavaScript off, checks the dry run and imports it; axe on every page."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import select

from directory.db import get_db
from directory.models import ChangeRequest, ImportRun, Service

from .conftest import CONTEXT, SCREENSHOTS
from .helpers import account

SHEET = (
    "Org name,Service,Postcode,Tel,Email address,Age from,Days,Times,Cost,Referral,Category,Colour\r\n"
    "Barrowland Bakers,Baking for beginners,G40 2QH,0141 496 0123,bake@example.org,16,Thursdays,1-3pm,£2,Self-referral,Cooking skills,red\r\n"
    "Barrowland Bakers,Cake club,G40 2QH,,bake@,150,Funday,,,,Knitting,blue\r\n"
)


def test_an_admin_uploads_checks_and_imports_a_spreadsheet(browser, live_server, audit, tmp_path):
    path = tmp_path / "bakers.csv"
    path.write_text(SHEET, encoding="utf-8")
    admin = account(live_server, roles=["admin"], name="Ada Admin")
    context = browser.new_context(**CONTEXT, java_script_enabled=False, base_url=live_server.url)
    context.add_cookies([admin])
    page = context.new_page()
    page.goto("/admin/imports")
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check of bakers.csv")
    expect(page.locator("main")).to_contain_text("nothing has been changed yet")
    # Cells it cannot read are warnings: the row is still a listing, imported with them kept to check.
    problems = page.locator("table", has=page.get_by_text("Problem")).locator("tbody tr").all_inner_texts()
    assert any("Age from" in r and "Age must be between 0 and 120" in r for r in problems), problems
    assert any("Days" in r and "Could not read the day" in r for r in problems), problems
    run_path = page.url.removeprefix(live_server.url)
    with get_db(live_server.app).unit_of_work() as session:
        assert session.exec(select(Service).where(Service.name == "Baking for beginners")).first() is None

    with page.expect_navigation():
        page.get_by_role("button", name="Import 2 rows now").click()
    expect(page.get_by_role("status")).to_contain_text("Imported bakers.csv")
    with get_db(live_server.app).unit_of_work() as session:
        service = session.exec(select(Service).where(Service.name == "Baking for beginners")).one()
        assert service.attributes == {"Colour": "red"} and [s.weekday for s in service.schedules] == ["TH"]
        cake = session.exec(select(Service).where(Service.name == "Cake club")).one()
        assert cake.min_age is None and cake.schedules == [] and "details_to_check" in cake.attributes
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows and rows with warnings").click()
    assert "Cake club" in download.value.path().read_text(encoding="utf-8-sig")
    context.close()

    first = audit("/", "imports-audit-start")
    first.context.add_cookies([admin])
    audit(run_path, "imports-dry-run", phone=True)
    audit("/admin/imports", "imports-index", phone=True)
    first.context.add_cookies([account(live_server, roles=["moderator"], name="Mo Derator")])
    audit("/admin/imports", "imports-refused", status=403)


def test_the_upload_form_with_an_error_and_a_possible_duplicate_are_accessible(browser, live_server, audit, tmp_path):
    admin = account(live_server, roles=["admin"], name="Ada Admin")
    context = browser.new_context(**CONTEXT, bypass_csp=True, base_url=live_server.url)
    context.add_cookies([admin])
    page = context.new_page()
    page.goto("/admin/imports")
    wrong = tmp_path / "notes.pdf"
    wrong.write_bytes(b"%PDF-1.4")
    page.get_by_label("Spreadsheet").set_input_files(str(wrong))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".error-summary")).to_contain_text("not a spreadsheet Signpost can read")
    page.screenshot(path=str(SCREENSHOTS / "imports-wrong-file.png"), full_page=True)
    from .conftest import AXE, axe_violations

    assert not [v["id"] for v in axe_violations(page, AXE) if v["impact"] in ("serious", "critical")]

    # A demo listing imported again under another source's name is a possible duplicate.
    with get_db(live_server.app).unit_of_work() as session:
        demo = session.exec(select(Service).where(Service.source == "demo").order_by(Service.name)).first()
        venue = demo.location_links[0].location
        sheet = f"Organisation,Service,Postcode\r\n{demo.organisation.name},{demo.name},{venue.postcode}\r\n"
    duplicate = tmp_path / "again.csv"
    duplicate.write_text(sheet, encoding="utf-8")
    page.get_by_label("Spreadsheet").set_input_files(str(duplicate))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Import 1 row now").click()
    with get_db(live_server.app).unit_of_work() as session:
        change = session.exec(select(ChangeRequest).where(ChangeRequest.kind == "merge")).one()
        assert session.exec(
            select(ImportRun).where(ImportRun.file_name == "again.csv", ImportRun.dry_run.is_(False))
        ).one()
    context.close()
    first = audit("/", "merge-audit-start")
    first.context.add_cookies([account(live_server, roles=["moderator"], name="Mo Derator")])
    audit("/moderate/changes", "merge-queue")
    audit(f"/moderate/merges/{change.id}", "merge-review", phone=True)

"""Every kind of public page passes axe-core's WCAG 2.2 A and AA checks, with screenshots to look at."""

from __future__ import annotations

from directory.models import Service

FOOD_NEAR_G31 = "/search?q=food&postcode=G31+2ER"


def test_home_page(audit):
    page = audit("/", "home", phone=True)
    assert page.get_by_role("heading", level=1).inner_text() == "Find community groups and services"


def test_search_with_results(audit):
    page = audit(FOOD_NEAR_G31, "search-results", phone=True)
    assert "within 5 km of G31 2ER" in page.locator("#results-heading").inner_text()
    assert page.locator("ol.results > li.result").count() > 0


def test_search_sorted_with_several_pages(audit):
    page = audit("/search?postcode=HX1&order=name", "search-paged")
    assert "Page 1 of" in page.locator("nav.pagination").inner_text()
    names = page.locator("li.result h3").all_inner_texts()
    assert names == sorted(names, key=str.casefold)


def test_search_with_filters_and_a_later_page(audit):
    page = audit("/search?postcode=HX1&radius=10&order=name&self_referral=1&page=2", "search-filtered-page-2")
    assert "Self-referral or drop-in" in page.locator(".active-filters").inner_text()
    assert "Page 2 of" in page.locator("nav.pagination").inner_text()


def test_search_with_no_results(audit):  # no word is in the directory ("repair" alone would find a repair cafe)
    page = audit("/search?q=xylophone+zither&postcode=G31+2ER&free=1", "search-no-results")
    assert page.locator("#results-heading").inner_text().startswith("0 services")
    assert "Nothing matched" in page.locator(".notice").inner_text()


def test_search_with_a_validation_error(audit):
    page = audit("/search?age=abc", "search-error", status=400)
    assert "Person's age:" in page.get_by_role("alert").inner_text()
    assert page.locator("#age").get_attribute("aria-invalid") == "true"


def test_service_page_with_sessions_and_referral_routes(audit, page, live_server):
    path = service_with_sessions_and_routes(page)
    service = audit(path, "service", phone=True)
    assert service.locator("ul.routes > li").count() > 0
    assert service.locator("section[aria-labelledby=when] li").count() > 0


def test_temporarily_closed_service(audit, live_server):
    path = live_server.service_path(Service.status == "temporarily_closed")
    page = audit(path, "service-temporarily-closed")
    assert "Temporarily closed" in page.locator(".notice-warning").inner_text()


def test_organisation_page(audit, page):
    page.goto(service_with_sessions_and_routes(page))
    path = page.locator(".breadcrumb a").get_attribute("href")
    organisation = audit(path, "organisation")
    assert organisation.locator("ul.results > li.result").count() > 0


def test_not_found_page(audit):
    page = audit("/services/no-such-service", "not-found", status=404)
    assert page.get_by_role("heading", level=1).inner_text() == "Not Found"
    assert page.get_by_role("link", name="Search the directory").is_visible()


def service_with_sessions_and_routes(page) -> str:
    """Follow search result links until a service lists both session times and referral routes."""
    page.goto(FOOD_NEAR_G31)
    links = page.locator("li.result h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for href in links:
        page.goto(href)
        if page.locator("ul.routes > li").count() and page.locator("section[aria-labelledby=when] li").count():
            return href
    raise AssertionError("no food service near G31 2ER lists both sessions and referral routes")
